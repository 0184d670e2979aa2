/**
 * The "many callers" scenario, shared by the in-process and the media-worker runs:
 * 50 callers leave a message in the same mailbox at the same time (SIPp -l 50 -m 50,
 * all started within a second): 50 separate messages, one per call (distinct Call-IDs,
 * distinct ids and audio), each sample for sample what was sent, and each complete — as
 * long as the audio that caller sent after its beep and before its BYE, counted on the
 * wire, ±100 ms. Needs sipp, dumpcap (tshark), espeak-ng, sox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message } from '../../src/voicemail/model.js';
import { killChildren } from './child-processes.js';
import { assertSippOk } from './sipp.js';
import {
  assertSameAudio,
  callServer,
  callTimeline,
  introMs,
  recordingOnTheWire,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
} from './voxmail.js';

export const CALLERS = 50;

export interface ManyCallersOptions {
  /** Prefix of the suite's title. */
  readonly title?: string;
  /** `media.workers` of the server (default: the test default). */
  readonly mediaWorkers?: number;
  /** More tests in the same suite, given the server and the SIPp run once `before` has run. */
  readonly more?: (ctx: () => { readonly server: VoxmailServer; readonly run: CallerRun }) => void;
}

export function describeManyCallers(o: ManyCallersOptions = {}): void {
  describe(`${o.title ?? ''}${String(CALLERS)} callers at once into one mailbox`, () => {
    let server: VoxmailServer;
    let hum: CallerAudio;
    let run: CallerRun;
    let messages: Message[];

    before(async () => {
      hum = speechWithHum('This is one of fifty callers. Each of us leaves a message at the same time.');
      server = await VoxmailServer.start(o.mediaWorkers !== undefined ? { mediaWorkers: o.mediaWorkers } : {});
      await server.mailbox('801', { name: 'Hotline' });
      run = await callServer(server, {
        service: '801',
        audio: hum,
        durationMs: Math.round(introMs('greeting-default') + 2500),
        calls: CALLERS,
        concurrent: CALLERS,
        rate: CALLERS,
        capture: true,
        timeoutMs: 60_000,
      });
      // Every call's message is stored once the calls are over.
      messages = await server.messages('801');
      for (let i = 0; i < 100 && messages.length < CALLERS; i++) {
        await new Promise((r) => setTimeout(r, 50));
        messages = await server.messages('801');
      }
    });

    after(async () => {
      await server?.close();
      await killChildren();
      removeAudio(hum);
    });

    test(`${String(CALLERS)} separate messages, one per call, each sample-exact`, () => {
      assertSippOk(run.sipp, CALLERS);
      assert.equal(run.callIds.length, CALLERS, 'SIPp placed 50 calls with distinct Call-IDs');
      assert.equal(messages.length, CALLERS, `${String(messages.length)} messages for ${String(CALLERS)} calls`);
      assert.deepEqual([...new Set(messages.map((m) => m.callId))].sort(), [...run.callIds].sort(), 'one message per call');
      assert.equal(new Set(messages.map((m) => m.id)).size, CALLERS);
      assert.equal(new Set(messages.map((m) => m.audioKey)).size, CALLERS, 'each message has its own audio');
      for (const m of messages) {
        const audio = server.readAudio(m);
        const what = `Call-ID ${m.callId!}`;
        assert.equal(m.durationMs, Math.floor(audio.length / 8), `${what}: durationMs matches the stored audio`);
        assert.ok(m.durationMs >= 1500, `${what}: message of ${String(m.durationMs)} ms for ~2.5 s spoken`);
        assertSameAudio(audio, hum.pcm, what);
      }
    });

    test(
      'each message holds everything its caller sent between the beep and the BYE (±100 ms)',
      () => {
        assert.equal(messages.length, CALLERS);
        const problems: string[] = [];
        for (const m of messages) {
          const audio = server.readAudio(m);
          const k = assertSameAudio(audio, hum.pcm, `Call-ID ${m.callId!}`);
          const t = callTimeline(run.datagrams, server, m.callId!);
          if (Math.abs(m.durationMs - t.sentAfterIntroMs) > 100) {
            problems.push(`Call-ID ${m.callId!}: message of ${String(m.durationMs)} ms, sent ${String(t.sentAfterIntroMs)} ms after the beep; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`);
          }
        }
        assert.deepEqual(problems, [], 'every message holds what its caller sent after the beep, ±100 ms');
      },
    );

    if (o.more) o.more(() => ({ server, run }));
  });
}
