/**
 * A media worker thread dies in the middle of a recording (`media.workers: 1`, the
 * worker terminated from outside, as an uncaught exception or an out-of-memory would end
 * it). The server process lives on: the call is hung up (BYE) at once, the deposit stays
 * pending with its partial WAV, the worker is started again and takes the next call; at
 * the next start the recording becomes a message marked `recovered` holding what the
 * caller sent up to ≤ 1 s before the worker died, sample for sample (ADR 0002, 0004).
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/media-worker-crash.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AUDIO_DIR } from '../../../src/compose/open-store.js';
import { MediaWorkerPool } from '../../../src/media/index.js';
import { killChildren } from '../../support/child-processes.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import { waitFor } from '../../support/wait.js';
import {
  assertSameAudio,
  callServer,
  callTimeline,
  introMs,
  randomRtpRange,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
} from '../../support/voxmail.js';

const dataDir = mkdtempSync(join(tmpdir(), 'voxmail-worker-crash-e2e-'));
let server: VoxmailServer | undefined;
let restarted: VoxmailServer | undefined;
let hum: CallerAudio | undefined;

after(async () => {
  await server?.close();
  await restarted?.close();
  await killChildren();
  removeAudio(hum);
  rmSync(dataDir, { recursive: true, force: true });
});

test('a media worker dies mid-recording: BYE, deposit kept pending, worker restarted, message recovered at the next start', async () => {
  hum = speechWithHum('This message is interrupted when the media worker dies. What reached the disk must survive.');
  const rtp = await randomRtpRange();
  const sipPort = await freeUdpTcpPort();
  server = await VoxmailServer.start({ dataDir, sipPort, rtp, mediaWorkers: 1 });
  await server.mailbox('901');
  const pool = server.app.media;
  assert.ok(pool instanceof MediaWorkerPool, 'media.workers 1 runs a worker pool');
  const link = pool.links[0]!;

  const intro = introMs('greeting-default');
  const calling = callServer(server, { service: '901', audio: hum, durationMs: Math.round(intro + 8000), capture: true, timeoutMs: 40_000 }).then(
    (r): { run: CallerRun } => ({ run: r }),
    (e: unknown): { error: unknown } => ({ error: e }),
  );
  const stores = server.stores;
  await waitFor(() => link.calls.size === 1, intro + 5000, () => 'the call in the worker');
  const deadline = Date.now() + intro + 10_000;
  while ((await stores.store.deposits.pending()).length === 0) {
    assert.ok(Date.now() < deadline, 'no recording started');
    await new Promise((r) => setTimeout(r, 20));
  }
  const [pending] = await stores.store.deposits.pending();
  await new Promise((r) => setTimeout(r, 3000));
  const killedAt = Date.now();
  await link.kill();

  // The call ends at once (our BYE), long before the caller would have hung up.
  const outcome = await calling;
  assert.ok('run' in outcome, `SIPp could not run: ${String('error' in outcome ? outcome.error : '')}`);
  const { run } = outcome;
  const bye = run.datagrams.find((d) => d.srcPort === server!.target.port && d.payload.toString('latin1', 0, 4) === 'BYE ');
  assert.ok(bye, 'the server sent a BYE');
  assert.ok(bye.timeMs - killedAt < 1000, `BYE ${String(bye.timeMs - killedAt)} ms after the worker died`);

  assert.deepEqual(await server.messages('901'), [], 'no message while the deposit is pending');
  assert.equal((await stores.store.deposits.pending()).length, 1, 'the deposit stays pending');
  assert.ok(readdirSync(join(dataDir, AUDIO_DIR, '.partial')).length > 0, 'the partial recording is kept');

  // The worker comes back and takes calls again.
  await waitFor(() => link.alive, 10_000, () => 'the worker restarted');
  const next = await callServer(server, { service: '901', audio: hum, durationMs: Math.round(intro + 1500), timeoutMs: 30_000 });
  assert.equal(next.sipp.code, 0, 'a call after the restart of the worker succeeds');

  // The next start recovers the interrupted recording.
  await server.close();
  server = undefined;
  restarted = await VoxmailServer.start({ dataDir, sipPort, rtp, mediaWorkers: 1 });
  const messages = await restarted.messages('901');
  const m = messages.find((x) => x.id === pending!.id);
  assert.ok(m, `the interrupted deposit is a message: ${JSON.stringify(messages.map((x) => x.id))}`);
  assert.equal(m.recovered, true);
  assert.deepEqual(await restarted.stores.store.deposits.pending(), [], 'nothing left pending');
  const audio = restarted.readAudio(m);
  assertSameAudio(audio, hum.pcm, 'recovered message');
  const t = callTimeline(run.datagrams, { target: restarted.target, rtp: restarted.rtp }, m.callId!, killedAt);
  const where = `recovered ${String(m.durationMs)} ms; the caller had sent ${String(t.sentAfterIntroMs)} ms after the beep when the worker died`;
  console.log(`media worker crash: ${where}`);
  assert.ok(t.sentAfterIntroMs >= 2500, `the kill came too early to prove anything: ${where}`);
  assert.ok(m.durationMs >= t.sentAfterIntroMs - 1000, `more than 1 s lost: ${where}`);
  assert.ok(m.durationMs <= t.sentAfterIntroMs + 100, `more audio than was sent: ${where}`);
});
