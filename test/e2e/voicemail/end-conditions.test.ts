/**
 * Every way a recording ends, with SIPp as the caller and the real server behind it
 * (each case its own mailbox, all six calls at once; the Request-URI names the mailbox,
 * so the default greeting plays):
 *
 * - the caller hangs up: the message is kept, complete and sample-exact;
 * - `#` (SIP INFO): the message is stored BEFORE the caller is told "message saved",
 *   and the server hangs up after saying it;
 * - silence (silenceTimeoutMs 2 s): the server ends the recording, says goodbye and hangs
 *   up; the message keeps the speech and loses the trailing silence;
 * - maximum length (maxMessageMs 10 s, the caller talks on): "maximum length reached",
 *   hang-up; the message is 10 s long;
 * - too short (hang-up 300 ms after the beep): no message, a missed call "too-short";
 * - hang-up during the greeting: no message, a missed call "hangup-before-beep".
 *
 * What the caller heard is taken off the wire (dumpcap) and matched against the prompts.
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/end-conditions.test.ts
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUDIO_DIR } from '../../../src/compose/open-store.js';
import type { Message } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { parseRtp } from '../../support/rtp-capture.js';
import { assertSippOk } from '../../support/sipp.js';
import {
  assertBeepIs1kHz,
  assertHeardInOrder,
  assertSameAudio,
  callIdOf,
  callServer,
  callTimeline,
  DEFAULT_CALLER,
  heardPrompt,
  inParallel,
  introMs,
  recordingOnTheWire,
  removeAudio,
  speechThenSilence,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
  type CallTimeline,
} from '../../support/voxmail.js';

/** No Diversion and the mailbox in the Request-URI: reason unknown, the default greeting. */
const INTRO_MS = introMs('greeting-default');
const INTRO = [heardPrompt('greeting-default'), heardPrompt('warning-standard'), heardPrompt('beep')];
/** The recorder keeps this much silence around the voice when it trims (Recorder trimPaddingMs default). */
const TRIM_PADDING_MS = 200;

type Case = 'hangup' | 'hash' | 'silence' | 'max-length' | 'too-short' | 'before-beep';

interface HashRun extends CallerRun {
  /** When the test first saw the message row (Date.now()), or NaN. */
  readonly messageSeenAt: number;
}

describe('how a recording ends', () => {
  let server: VoxmailServer;
  let hum: CallerAudio;
  let speechThenQuiet: CallerAudio;
  let call: (c: Case) => Promise<HashRun>;

  before(async () => {
    hum = speechWithHum('Good morning. This is Olga from accounting. The invoice number four five six is paid. Have a nice day.');
    // The speech starts 700 ms after the beep and is followed by 15 s of digital silence.
    speechThenQuiet = speechThenSilence('Hello, it is Peter. Call me back please.', Math.ceil(INTRO_MS) + 700, 15_000);
    server = await VoxmailServer.start();
    await server.mailbox('301', { name: 'hang-up' });
    await server.mailbox('302', { name: 'hash' });
    await server.mailbox('303', { name: 'silence', silenceTimeoutMs: 2000 });
    await server.mailbox('304', { name: 'max length', maxMessageMs: 10_000 });
    await server.mailbox('305', { name: 'too short' });
    await server.mailbox('306', { name: 'before the beep' });
    const plain = (r: CallerRun): HashRun => ({ ...r, messageSeenAt: NaN });
    call = inParallel<Case, HashRun>({
      hangup: async () => plain(await callServer(server, { service: '301', audio: hum, durationMs: Math.round(INTRO_MS + 3000), capture: true })),
      hash: async () => {
        // Watch the mailbox while the call runs: the row must exist before the BYE.
        let seen = NaN;
        let stop = false;
        const watcher = (async () => {
          while (!stop && Number.isNaN(seen)) {
            if ((await server.messages('302')).length > 0) seen = Date.now();
            else await new Promise((r) => setTimeout(r, 20));
          }
        })();
        try {
          const r = await callServer(server, { scenario: 'vm-deposit-hash', service: '302', audio: hum, durationMs: Math.round(INTRO_MS + 2500), capture: true });
          return { ...r, messageSeenAt: seen };
        } finally {
          stop = true;
          await watcher;
        }
      },
      silence: async () => plain(await callServer(server, { scenario: 'vm-deposit-wait-bye', service: '303', audio: speechThenQuiet, loops: 1, capture: true })),
      'max-length': async () => plain(await callServer(server, { scenario: 'vm-deposit-wait-bye', service: '304', audio: hum, capture: true })),
      'too-short': async () => plain(await callServer(server, { service: '305', audio: hum, durationMs: Math.round(INTRO_MS + 300), capture: true })),
      'before-beep': async () => plain(await callServer(server, { service: '306', audio: hum, durationMs: 1500, capture: true })),
    });
  });

  after(async () => {
    await server?.close();
    await killChildren();
    removeAudio(hum, speechThenQuiet);
  });

  /** The message of a call, with the checks every stored message must pass. */
  async function storedMessage(mailbox: string, run: CallerRun): Promise<{ m: Message; audio: Int16Array; t: CallTimeline; callId: string }> {
    const callId = callIdOf(run.sipp);
    const m = await server.messageOf(mailbox, callId);
    assert.equal(m.mailboxId, mailbox);
    assert.equal(m.callerNumber, DEFAULT_CALLER.number);
    assert.equal(m.callerName, DEFAULT_CALLER.name);
    assert.equal(m.calledNumber, mailbox);
    assert.equal(m.reason, 'unknown');
    assert.equal(m.recovered, false);
    const audio = server.readAudio(m);
    assert.equal(m.durationMs, Math.floor(audio.length / 8), 'durationMs matches the stored audio');
    assert.deepEqual(await server.missedCalls(mailbox), [], 'a message is not also a missed call');
    return { m, audio, t: callTimeline(run.datagrams, server, callId), callId };
  }

  test('the caller hangs up: the message is kept, complete and sample-exact', async () => {
    const run = await call('hangup');
    assertSippOk(run.sipp);
    const { m, audio, t } = await storedMessage('301', run);
    const [, , beepAt] = assertHeardInOrder(run.heard, INTRO, 'hang-up');
    assertBeepIs1kHz(run.heard, beepAt!, 'hang-up');
    const k = assertSameAudio(audio, hum.pcm, 'hang-up');
    assert.ok(
      Math.abs(m.durationMs - t.sentAfterIntroMs) <= 100,
      `message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms after the beep; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`,
    );
    assert.ok(m.durationMs >= 2500, `only ${String(m.durationMs)} ms kept of ~3 s`);
  });

  test('"#" ends the recording: stored before "message saved" is said, then the server hangs up', async () => {
    const run = await call('hash');
    assertSippOk(run.sipp);
    const { m, audio, t } = await storedMessage('302', run);
    const info = t.requests.find((r) => r.method === 'INFO' && !r.fromServer);
    assert.ok(info, 'the capture has the caller\'s INFO');
    const bye = t.requests.find((r) => r.method === 'BYE');
    assert.ok(bye?.fromServer === true, `the server hung up (first BYE ${JSON.stringify(bye)})`);
    assert.ok(run.messageSeenAt < bye.timeMs, `the message row appeared at ${String(run.messageSeenAt)}, the server's BYE left at ${bye.timeMs.toFixed(0)}`);

    // Heard: the intro, then (after the recording) "your message has been saved".
    const matches = assertHeardInOrder(run.heard, INTRO, '#');
    const saved = assertHeardInOrder(run.heard, [heardPrompt('message-saved')], '#')[0]!;
    assert.ok(saved.lag >= matches[2]!.lag + heardPrompt('beep').pcm.length, '"message saved" comes after the beep');
    // The phrase is played after the INFO and before the BYE.
    assert.ok(bye.timeMs - info.timeMs >= heardPrompt('message-saved').pcm.length / 8 - 100, `BYE ${(bye.timeMs - info.timeMs).toFixed(0)} ms after "#": the phrase was cut`);

    // The message: everything from the beep to the "#".
    const k = assertSameAudio(audio, hum.pcm, '#');
    const sentUntilHash = callTimeline(run.datagrams, server, m.callId!, info.timeMs).sentAfterIntroMs;
    assert.ok(
      Math.abs(m.durationMs - sentUntilHash) <= 100,
      `message of ${String(m.durationMs)} ms; the caller sent ${String(sentUntilHash)} ms between the beep and "#"; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`,
    );
  });

  test('silence: the server ends the recording after silenceTimeoutMs, says goodbye, hangs up; trailing silence trimmed', async () => {
    const run = await call('silence');
    assertSippOk(run.sipp);
    const { m, audio, t } = await storedMessage('303', run);
    const bye = t.requests.find((r) => r.method === 'BYE');
    assert.ok(bye?.fromServer === true, 'the server hung up');
    assertHeardInOrder(run.heard, INTRO, 'silence');
    const goodbye = assertHeardInOrder(run.heard, [heardPrompt('goodbye')], 'silence')[0]!;
    assert.ok(goodbye.lag > INTRO_MS * 8, 'goodbye is said after the recording');

    // When the caller fell silent on the wire: the packet that carried the last voiced sample.
    const callerPackets = run.datagrams.filter((d) => d.dstPort === t.serverRtpPort && d.srcPort !== t.serverRtpPort).map((d) => ({ at: d.timeMs, p: parseRtp(d) }));
    const seq0 = callerPackets[0]!.p!.sequence;
    const lastVoiced = Math.floor(((Math.ceil(INTRO_MS) + 700 + speechThenQuiet.voicedMs!) * 8 - 1) / 160);
    const silentAt = callerPackets.find((x) => ((x.p!.sequence - seq0) & 0xffff) === lastVoiced)?.at;
    assert.ok(silentAt !== undefined, 'the capture has the packet where the speech ends');
    const hungUpAfter = bye.timeMs - silentAt;
    const goodbyeMs = heardPrompt('goodbye').pcm.length / 8;
    assert.ok(hungUpAfter >= 2000 + goodbyeMs - 100 && hungUpAfter <= 2000 + goodbyeMs + 1000, `BYE ${hungUpAfter.toFixed(0)} ms after the caller fell silent (2 s timeout + ${String(goodbyeMs)} ms goodbye)`);

    // The speech is all there; the 2 s of silence after it (and most of the 700 ms before) are not.
    assertSameAudio(audio, speechThenQuiet.pcm, 'silence');
    const voiced = speechThenQuiet.voicedMs!;
    assert.ok(m.durationMs >= voiced, `message of ${String(m.durationMs)} ms is shorter than the ${String(voiced)} ms of speech`);
    assert.ok(
      m.durationMs <= voiced + 2 * TRIM_PADDING_MS + 100,
      `message of ${String(m.durationMs)} ms for ${String(voiced)} ms of speech: the silence (700 ms before, 2000 ms after) was not trimmed`,
    );
  });

  test('maximum length: the recording stops at maxMessageMs, "maximum length reached", hang-up; the message is 10 s', async () => {
    const run = await call('max-length');
    assertSippOk(run.sipp);
    const { m, audio, t } = await storedMessage('304', run);
    assert.ok(t.requests.find((r) => r.method === 'BYE')?.fromServer === true, 'the server hung up');
    assertHeardInOrder(run.heard, INTRO, 'max length');
    const tooLong = assertHeardInOrder(run.heard, [heardPrompt('message-too-long')], 'max length')[0]!;
    assert.ok(tooLong.lag > INTRO_MS * 8, '"maximum length reached" is said after the recording');
    assertSameAudio(audio, hum.pcm, 'max length');
    assert.ok(Math.abs(m.durationMs - 10_000) <= 100, `message of ${String(m.durationMs)} ms, max 10000`);
  });

  test('too short (hang-up 300 ms after the beep): no message, a missed call "too-short"', async () => {
    const run = await call('too-short');
    assertSippOk(run.sipp);
    const callId = callIdOf(run.sipp);
    assertHeardInOrder(run.heard, INTRO, 'too short');
    const missed = await server.missedCallOf('305', callId);
    assert.equal(missed.cause, 'too-short');
    assert.equal(missed.callerNumber, DEFAULT_CALLER.number);
    assert.equal(missed.callerName, DEFAULT_CALLER.name);
    assert.equal(missed.calledNumber, '305');
    assert.equal(missed.reason, 'unknown');
    assert.deepEqual(await server.messages('305'), []);
  });

  test('hang-up during the greeting: no message, a missed call "hangup-before-beep"', async () => {
    const run = await call('before-beep');
    assertSippOk(run.sipp);
    const callId = callIdOf(run.sipp);
    const missed = await server.missedCallOf('306', callId);
    assert.equal(missed.cause, 'hangup-before-beep');
    assert.equal(missed.callerNumber, DEFAULT_CALLER.number);
    assert.equal(missed.calledNumber, '306');
    assert.deepEqual(await server.messages('306'), []);
    // It hung up during the greeting: the beep never played.
    assert.ok(run.heard.length / 8 < introMs('greeting-default', null), `${String(run.heard.length / 8)} ms heard`);
  });

  test('no partial recording is left behind once the calls are over', async () => {
    for (const c of ['hangup', 'hash', 'silence', 'max-length', 'too-short', 'before-beep'] as const) await call(c).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(readdirSync(join(server.dataDir, AUDIO_DIR, '.partial')), []);
    assert.deepEqual((await server.stores.store.deposits.pending()).map((p) => p.mailboxId), []);
  });
});
