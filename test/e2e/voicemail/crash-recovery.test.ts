/**
 * `kill -9` in the middle of a recording. The server runs as a child process
 * (`node --import tsx src/cli/bin.ts serve ...`, as an operator runs it); SIPp leaves a
 * message; about 3 s into the recording the server is SIGKILLed — no shutdown, no flush.
 * Restarted on the same data directory (and ports), it turns the partial recording into
 * a message marked `recovered` that holds every sample the caller sent up to at most
 * 1 s before the kill (the recorder writes ≤ 1 s batches), sample for sample.
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/crash-recovery.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AUDIO_DIR, type Stores } from '../../../src/compose/open-store.js';
import { killChildren } from '../../support/child-processes.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import {
  assertSameAudio,
  callServer,
  callTimeline,
  DEFAULT_CALLER,
  introMs,
  prepareData,
  randomRtpRange,
  recordingOnTheWire,
  removeAudio,
  speechWithHum,
  VoxmailProcess,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
  type ServerAddress,
} from '../../support/voxmail.js';

const dataDir = mkdtempSync(join(tmpdir(), 'voxmail-crash-e2e-'));
let stores: Stores | undefined;
let child: VoxmailProcess | undefined;
let restarted: VoxmailServer | undefined;
let hum: CallerAudio | undefined;

after(async () => {
  await restarted?.close();
  await child?.stop();
  await stores?.close();
  await killChildren();
  removeAudio(hum);
  rmSync(dataDir, { recursive: true, force: true });
});

test('kill -9 mid-recording, restart: the message is there, marked recovered, with all audio up to ≤ 1 s before the kill', async () => {
  hum = speechWithHum('This message is interrupted by a crash of the server. Every second that reached the disk must survive.');
  stores = await prepareData(dataDir);
  await stores.store.mailboxes.create({ tenantId: 'acme', id: '901', numbers: ['+74951230900'] });
  const rtp = await randomRtpRange();
  const sipPort = await freeUdpTcpPort();
  child = await VoxmailProcess.spawn({ dataDir, sipPort, rtp });
  const address: ServerAddress = { target: { host: '127.0.0.1', port: sipPort }, rtp: { min: rtp.portMin, max: rtp.portMax } };

  // The caller talks on well past the kill; its BYE then meets the restarted server.
  const intro = introMs('greeting-busy');
  const calling = callServer(address, {
    headers: ['Diversion: <sip:+74951230900@pbx.example>;reason=user-busy'],
    audio: hum,
    durationMs: Math.round(intro + 6000),
    capture: true,
    timeoutMs: 40_000,
  }).then(
    (r): { run: CallerRun } => ({ run: r }),
    (e: unknown): { error: unknown } => ({ error: e }),
  );

  // The pending deposit is written when recording starts (after the beep).
  const deadline = Date.now() + intro + 10_000;
  while ((await stores.store.deposits.pending()).length === 0) {
    assert.ok(Date.now() < deadline, `no recording started (server log: ${JSON.stringify(child.log.slice(-10))})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const [pending] = await stores.store.deposits.pending();
  await new Promise((r) => setTimeout(r, 3000));
  const killedAt = Date.now();
  const exit = await child.kill9();
  child = undefined;
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(readdirSync(join(dataDir, AUDIO_DIR, '.partial')).length > 0, 'the crash left a partial recording');
  assert.deepEqual(await stores.store.messages.list({ mailboxId: '901' }), [], 'no message before the restart');

  // Restart on the same data directory and ports: recovery runs before calls are taken.
  restarted = await VoxmailServer.start({ dataDir, sipPort, rtp });
  const messages = await restarted.messages('901');
  assert.equal(messages.length, 1, `messages after the restart: ${JSON.stringify(messages)}`);
  const m = messages[0]!;
  assert.equal(m.id, pending!.id, 'the message is the interrupted deposit');
  assert.equal(m.recovered, true);
  assert.equal(m.callId, pending!.callId);
  assert.equal(m.callerNumber, DEFAULT_CALLER.number);
  assert.equal(m.calledNumber, '+74951230900');
  assert.equal(m.reason, 'busy');
  assert.deepEqual(await restarted.stores.store.deposits.pending(), [], 'nothing left pending');
  assert.deepEqual(readdirSync(join(dataDir, AUDIO_DIR, '.partial')), [], 'no partial file left');

  const outcome = await calling;
  assert.ok('run' in outcome, `SIPp could not run: ${String('error' in outcome ? outcome.error : '')}`);
  const { run } = outcome;
  const audio = restarted.readAudio(m);
  assert.equal(m.durationMs, Math.floor(audio.length / 8));
  const k = assertSameAudio(audio, hum.pcm, 'recovered message');
  // What the caller had sent after the beep when the server died, counted on the wire.
  const t = callTimeline(run.datagrams, address, m.callId!, killedAt);
  const where = `recovered ${String(m.durationMs)} ms; the caller had sent ${String(t.sentAfterIntroMs)} ms after the beep when the server was killed; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`;
  console.log(`crash recovery: ${where}`);
  assert.ok(t.sentAfterIntroMs >= 2500, `the kill came too early to prove anything: ${where}`);
  assert.ok(m.durationMs >= t.sentAfterIntroMs - 1000, `more than 1 s lost: ${where}`);
  assert.ok(m.durationMs <= t.sentAfterIntroMs + 100, `more audio than was sent: ${where}`);
});
