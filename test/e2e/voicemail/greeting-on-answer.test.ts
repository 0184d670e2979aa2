/**
 * The greeting starts with our answer, not at the ACK: when the INVITE carried the offer,
 * the caller has been ready to receive since it sent it, and we may send as soon as our
 * 200 is out (RFC 3264 §5.1, §6.1), as Asterisk and FreeSWITCH do. What needs the
 * caller to be there waits for the ACK: the recording, and so the message. A call whose
 * 200 is never ACKed (64×T1, then our BYE) plays its greeting and leaves no message.
 * (The delayed offer, where the ACK brings the caller's address, is delayed-offer.test.ts.)
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
} from '../../support/voxmail.js';

const INTRO_MS = introMs('greeting-default');
/** How long the caller waits after our 200 before it ACKs. */
const ACK_DELAY_MS = 400;
/** sip.timers.t1 of the no-ACK server: it gives up after 64×T1 = 6.4 s, after the intro. */
const T1_MS = 100;

/** Insert a pause before the caller's ACK (the scenario's only `<send>` of an ACK). */
const LATE_ACK: [string, string] = ['  <send>\n    <![CDATA[\n\n      ACK', `  <pause milliseconds="${String(ACK_DELAY_MS)}"/>\n\n  <send>\n    <![CDATA[\n\n      ACK`];

describe('the greeting starts with our 200, the recording waits for the ACK', () => {
  let server: VoxmailServer;
  let shortT1: VoxmailServer;
  let hum: CallerAudio;

  before(async () => {
    hum = speechWithHum('I answer slowly, and still my whole message is kept.');
    server = await VoxmailServer.start();
    await server.mailbox('330', { name: 'late ack' });
    shortT1 = await VoxmailServer.start({ sipT1Ms: T1_MS });
    await shortT1.mailbox('331', { name: 'no ack' });
  });

  after(async () => {
    await server?.close();
    await shortT1?.close();
    await killChildren();
    removeAudio(hum);
  });

  test('a late ACK: the greeting left right after our 200, and the message is whole and sample-exact', async () => {
    const run = await callServer(server, { service: '330', audio: hum, durationMs: Math.round(INTRO_MS + 3000), capture: true, edits: [LATE_ACK] });
    assertSippOk(run.sipp);
    const callId = run.callIds[0]!;
    const t = callTimeline(run.datagrams, server, callId);
    const ack = t.requests.find((r) => r.method === 'ACK' && !r.fromServer);
    assert.ok(ack, 'the ACK is in the capture');
    assert.ok(t.finalStatus === 200, `final response ${String(t.finalStatus)}`);
    const afterOk = t.firstPromptAt - t.finalAt;
    assert.ok(afterOk >= 0 && afterOk < ACK_DELAY_MS / 2, `our first RTP left ${afterOk.toFixed(0)} ms after our 200 (the ACK came ${(ack.timeMs - t.finalAt).toFixed(0)} ms after it)`);
    assert.ok(t.firstPromptAt < ack.timeMs, 'the greeting started before the ACK');
    // The whole intro reached the caller.
    const heardMs = run.heardPackets * 20;
    assert.ok(Math.abs(heardMs - INTRO_MS) <= 40, `the caller got ${String(heardMs)} ms of prompts for ${INTRO_MS.toFixed(0)} ms of intro`);
    const m = await server.messageOf('330', callId);
    const audio = server.readAudio(m);
    const k = assertSameAudio(audio, hum.pcm, 'late ACK');
    assert.ok(
      Math.abs(m.durationMs - t.sentAfterIntroMs) <= 100,
      `message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms after the beep; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`,
    );
  });

  test('no ACK at all: the intro plays, nothing is recorded, the call ends with our BYE and a missed call', async () => {
    const run = await callServer(shortT1, { scenario: 'vm-deposit-no-ack', service: '331', audio: hum, capture: true, timeoutMs: 30_000 });
    assertSippOk(run.sipp);
    const callId = run.callIds[0]!;
    const t = callTimeline(run.datagrams, shortT1, callId);
    const bye = t.requests.find((r) => r.method === 'BYE' && r.fromServer);
    assert.ok(bye, 'the server ended the call with a BYE');
    assert.ok(bye.timeMs - t.finalAt >= 64 * T1_MS - 50, `the BYE came ${(bye.timeMs - t.finalAt).toFixed(0)} ms after the 200, before 64×T1`);
    // The greeting played (the caller may have been there); the beep ended before the BYE.
    const heardMs = run.heardPackets * 20;
    assert.ok(Math.abs(heardMs - INTRO_MS) <= 40, `the caller got ${String(heardMs)} ms of prompts for ${INTRO_MS.toFixed(0)} ms of intro`);
    const missed = await shortT1.missedCallOf('331', callId);
    assert.equal(missed.cause, 'hangup-before-beep');
    assert.deepEqual(await shortT1.messages('331'), []);
  });
});
