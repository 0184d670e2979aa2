/**
 * A PBX that sends its INVITE without SDP (delayed offer, RFC 3261 §13.2.1): our 200
 * carries the offer, its ACK the answer — only then do we know where to send. The greeting
 * must start after the ACK (not be sent into the void), be heard whole, and the message
 * must hold what the caller said after the beep, sample for sample.
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk } from '../../support/sipp.js';
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
} from '../../support/voxmail.js';

const INTRO_MS = introMs('greeting-default');

describe('deposit with a delayed offer (INVITE without SDP)', () => {
  let server: VoxmailServer;
  let hum: CallerAudio;
  let run: CallerRun;

  before(async () => {
    hum = speechWithHum('My phone system sends its offer late, and I still leave a whole message.');
    server = await VoxmailServer.start();
    await server.mailbox('320', { name: 'late offer' });
    run = await callServer(server, { scenario: 'vm-deposit-no-sdp', service: '320', audio: hum, durationMs: Math.round(INTRO_MS + 3000), capture: true });
  });

  after(async () => {
    await server?.close();
    await killChildren();
    removeAudio(hum);
  });

  test('the greeting starts after the ACK and the message holds the caller’s words after the beep', async () => {
    assertSippOk(run.sipp);
    const callId = run.callIds[0]!;
    const t = callTimeline(run.datagrams, server, callId);
    const ack = t.requests.find((r) => r.method === 'ACK' && !r.fromServer);
    assert.ok(ack, 'the ACK is in the capture');
    assert.ok(t.firstPromptAt >= ack.timeMs, `our first RTP left ${(ack.timeMs - t.firstPromptAt).toFixed(0)} ms before the ACK told us where to send`);
    // The whole intro reached the caller: greeting + warning + beep, as long as the prompts.
    const heardMs = run.heardPackets * 20;
    assert.ok(Math.abs(heardMs - INTRO_MS) <= 40, `the caller got ${String(heardMs)} ms of prompts for ${INTRO_MS.toFixed(0)} ms of intro`);
    const m = await server.messageOf('320', callId);
    const audio = server.readAudio(m);
    const k = assertSameAudio(audio, hum.pcm, 'delayed offer');
    assert.ok(
      Math.abs(m.durationMs - t.sentAfterIntroMs) <= 100,
      `message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms after the beep; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`,
    );
  });
});
