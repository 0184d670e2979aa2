/**
 * The caller speaks the moment the beep ends, whatever the server's SIP thread is doing.
 * With `media.workers`, the beep and the start of the recording happen in the worker on
 * its own clock (the recording is armed before the greeting plays): here the main thread
 * — SIP and the call flow — is blocked for 600 ms across the end of the beep, and the
 * recording must still start with the first audio that arrived after the beep, hold
 * everything up to the BYE, sample for sample. (Before, the worker waited for the main
 * thread to say "beep done, record now", and the blocked time was lost.)
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MediaEngine } from '../../../src/media/index.js';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk } from '../../support/sipp.js';
import {
  assertSameAudio,
  callServer,
  callTimeline,
  introMs,
  placeRecording,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
} from '../../support/voxmail.js';
import { waitFor } from '../../support/wait.js';

const INTRO_MS = introMs('greeting-default');
const BLOCK_BEFORE_MS = 300;
const BLOCK_MS = 600;

describe('media.workers 1: the recording starts at the end of the beep while the SIP thread is busy', () => {
  let server: VoxmailServer;
  let hum: CallerAudio;
  let run: CallerRun;
  let blocked: { from: number; to: number };

  before(async () => {
    hum = speechWithHum('I start talking right after the beep, while the server is busy with something else.');
    server = await VoxmailServer.start({ mediaWorkers: 1 });
    await server.mailbox('310', { name: 'busy server' });
    // When the call's media opens (INVITE, just before our 200): the intro ends INTRO_MS after the ACK.
    const media: MediaEngine = server.app.media;
    const open = media.open.bind(media);
    let openedAt = NaN;
    media.open = (request) => {
      openedAt = Date.now();
      return open(request);
    };
    const call = callServer(server, { service: '310', audio: hum, durationMs: Math.round(INTRO_MS + 3000), capture: true });
    await waitFor(() => !Number.isNaN(openedAt), 15_000, () => 'the call never reached the media engine');
    await new Promise((r) => setTimeout(r, Math.max(0, openedAt + INTRO_MS - BLOCK_BEFORE_MS - Date.now())));
    const from = Date.now();
    while (Date.now() < from + BLOCK_MS) {
      // busy: no SIP message, no worker message is handled on this thread meanwhile
    }
    blocked = { from, to: Date.now() };
    run = await call;
  });

  after(async () => {
    await server?.close();
    await killChildren();
    removeAudio(hum);
  });

  test('no audio after the beep is lost and the message is sample-exact to the BYE', async () => {
    assertSippOk(run.sipp);
    const callId = run.callIds[0]!;
    const m = await server.messageOf('310', callId);
    const audio = server.readAudio(m);
    const t = callTimeline(run.datagrams, server, callId);
    assert.ok(
      blocked.from < t.introEndAt - 50 && blocked.to > t.introEndAt + 100,
      `the main thread was blocked ${String(blocked.from - t.introEndAt)}…${String(blocked.to - t.introEndAt)} ms around the beep's end: the test did not block across it`,
    );
    const k = assertSameAudio(audio, hum.pcm, 'busy server');
    const placed = placeRecording(run.datagrams, t, k, audio.length, hum.pcm.length);
    if (typeof placed === 'string') assert.fail(`the recording on the wire: ${placed}`);
    // The next caller packet after the beep arrives within a frame or two; the reorder
    // window may hold one or two from before it (negative).
    assert.ok(
      placed.firstAfterIntroMs <= 40,
      `the first recorded sample arrived ${placed.firstAfterIntroMs.toFixed(0)} ms after the beep's last packet: the audio of the busy moment was lost`,
    );
    assert.ok(Math.abs(m.durationMs - t.sentAfterIntroMs) <= 60, `message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms after the beep`);
  });
});
