/**
 * What the caller gets in each greeting mode, set per mailbox and per reason, with SIPp
 * as the PBX (a Diversion header gives the reason) and the real server behind it:
 *
 * - call-later: 183 Session Progress with SDP, the greeting and "please call later" as
 *   early media, then 480 — never a 200, so the caller is not charged — and a missed
 *   call "call-later"; the same mailbox still takes messages for another reason;
 * - stay-on-line / wait-operator with an operator: 183 + greeting + the phrase, then
 *   302 with `Contact: <operator URI>`;
 * - stay-on-line without an operator: falls back to leaving a message (200, message);
 * - leave-a-message with an operator: `0` during the recording keeps the message and
 *   transfers the caller with REFER to the operator, then hangs up.
 *
 * All six calls run at once. Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/modes.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk, received, regexpChecks } from '../../support/sipp.js';
import {
  assertHeardInOrder,
  assertSameAudio,
  callIdOf,
  callServer,
  callTimeline,
  DEFAULT_CALLER,
  heardPrompt,
  inParallel,
  introMs,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
} from '../../support/voxmail.js';

const OPERATOR = 'sip:operator@pbx.example';
const N_CALL_LATER = '+74951110001';
const N_OPERATOR = '+74951110002';
const N_NO_OPERATOR = '+74951110003';
const N_REFER = '+74951110004';

const diversion = (number: string, reason: string): string => `Diversion: <sip:${number}@pbx.example>;reason=${reason};counter=1`;

/** Edits that make vm-early-media.xml expect a 302 whose Contact is the operator. */
const EXPECT_302 = [['response="480"', 'response="302"'] as const, ...regexpChecks('extra-final-checks', [{ name: 'operator', header: 'Contact:', regexp: 'sip:operator@pbx\\.example' }])];

type Case = 'call-later' | 'other-reason' | 'stay-on-line' | 'wait-operator' | 'no-operator' | 'key-zero';

describe('greeting modes', () => {
  let server: VoxmailServer;
  let hum: CallerAudio;
  let call: (c: Case) => Promise<CallerRun>;

  before(async () => {
    hum = speechWithHum('Hi, this is Sergey. I wanted to ask about the delivery time. Thanks.');
    server = await VoxmailServer.start();
    await server.mailbox('401', { numbers: [N_CALL_LATER], greetings: { 'no-answer': { mode: 'call-later', audioKey: null } } });
    await server.mailbox('402', {
      numbers: [N_OPERATOR],
      operatorUri: OPERATOR,
      greetings: { busy: { mode: 'stay-on-line', audioKey: null }, 'no-answer': { mode: 'wait-operator', audioKey: null } },
    });
    await server.mailbox('403', { numbers: [N_NO_OPERATOR], greetings: { busy: { mode: 'stay-on-line', audioKey: null } } });
    await server.mailbox('404', { numbers: [N_REFER], operatorUri: OPERATOR });
    const deposit = (number: string, reason: string, greeting: string) => () =>
      callServer(server, { headers: [diversion(number, reason)], audio: hum, durationMs: Math.round(introMs(greeting) + 2000), capture: true });
    call = inParallel<Case, CallerRun>({
      'call-later': () => callServer(server, { scenario: 'vm-early-media', headers: [diversion(N_CALL_LATER, 'no-answer')], capture: true }),
      'other-reason': deposit(N_CALL_LATER, 'user-busy', 'greeting-busy'),
      'stay-on-line': () => callServer(server, { scenario: 'vm-early-media', headers: [diversion(N_OPERATOR, 'user-busy')], edits: EXPECT_302, capture: true }),
      'wait-operator': () => callServer(server, { scenario: 'vm-early-media', headers: [diversion(N_OPERATOR, 'no-answer')], edits: EXPECT_302, capture: true }),
      'no-operator': deposit(N_NO_OPERATOR, 'user-busy', 'greeting-busy'),
      'key-zero': () =>
        callServer(server, {
          scenario: 'vm-deposit-refer',
          headers: [diversion(N_REFER, 'user-busy')],
          audio: hum,
          durationMs: Math.round(introMs('greeting-busy') + 2000),
          edits: regexpChecks('extra-refer-checks', [{ name: 'operator', header: 'Refer-To:', regexp: 'sip:operator@pbx\\.example' }]),
          capture: true,
        }),
    });
  });

  after(async () => {
    await server?.close();
    await killChildren();
    removeAudio(hum);
  });

  /** Checks for a call that must never be answered: 183 with SDP, the announcement as early media, then `status`. */
  function assertNeverAnswered(run: CallerRun, status: number, phrase: string, greeting: string, what: string): void {
    assertSippOk(run.sipp);
    const callId = callIdOf(run.sipp);
    const responses = received(run.sipp, /^SIP\/2\.0 /).map((m) => m.startLine);
    assert.ok(!responses.some((l) => /^SIP\/2\.0 2\d\d/.test(l)), `${what}: answered (${responses.join(', ')})`);
    const t = callTimeline(run.datagrams, server, callId);
    assert.equal(t.finalStatus, status, `${what}: final response on the wire`);
    assertHeardInOrder(run.heard, [heardPrompt(greeting), heardPrompt(phrase)], what);
    // The final response comes once the announcement is over (within a frame or two).
    const announcementMs = (heardPrompt(greeting).pcm.length + heardPrompt(phrase).pcm.length) / 8;
    assert.ok(t.finalAt - t.firstPromptAt >= announcementMs - 100, `${what}: ${String(status)} sent ${(t.finalAt - t.firstPromptAt).toFixed(0)} ms into a ${String(announcementMs)} ms announcement`);
  }

  test('call-later: 183 with SDP, greeting + "please call later" as early media, 480, never a 200; a missed call "call-later"', async () => {
    const run = await call('call-later');
    assertNeverAnswered(run, 480, 'call-later', 'greeting-no-answer', 'call-later');
    const callId = callIdOf(run.sipp);
    const missed = await server.missedCallOf('401', callId);
    assert.equal(missed.cause, 'call-later');
    assert.equal(missed.callerNumber, DEFAULT_CALLER.number);
    assert.equal(missed.calledNumber, N_CALL_LATER);
    assert.equal(missed.reason, 'no-answer');
    assert.equal((await server.messages('401')).filter((m) => m.callId === callId).length, 0);
  });

  test('the mode is per reason: the call-later mailbox still takes a message when the reason is busy', async () => {
    const run = await call('other-reason');
    assertSippOk(run.sipp);
    assertHeardInOrder(run.heard, [heardPrompt('greeting-busy'), heardPrompt('warning-standard'), heardPrompt('beep')], 'busy into the call-later mailbox');
    const m = await server.messageOf('401', callIdOf(run.sipp));
    assert.equal(m.reason, 'busy');
    assertSameAudio(server.readAudio(m), hum.pcm, 'busy into the call-later mailbox');
  });

  for (const [mode, reason, phrase] of [
    ['stay-on-line', 'busy', 'stay-on-line'],
    ['wait-operator', 'no-answer', 'wait-operator'],
  ] as const) {
    test(`${mode} with an operator: 183 + greeting + "${phrase}", then 302 to the operator`, async () => {
      const run = await call(mode);
      assertNeverAnswered(run, 302, phrase, `greeting-${reason}`, mode);
      const redirect = received(run.sipp, /^SIP\/2\.0 302/)[0];
      assert.ok(redirect, run.sipp.summary());
      assert.deepEqual(redirect.header('Contact'), [`<${OPERATOR}>`]);
      assert.equal((await server.messages('402')).length, 0, 'no message');
    });
  }

  test('stay-on-line without an operator falls back to leaving a message: 200, greeting, warning, beep, message', async () => {
    const run = await call('no-operator');
    assertSippOk(run.sipp);
    assert.ok(received(run.sipp, /^SIP\/2\.0 200/).length > 0, 'answered');
    assertHeardInOrder(run.heard, [heardPrompt('greeting-busy'), heardPrompt('warning-standard'), heardPrompt('beep')], 'no operator');
    const m = await server.messageOf('403', callIdOf(run.sipp));
    assert.equal(m.reason, 'busy');
    assert.equal(m.calledNumber, N_NO_OPERATOR);
    assertSameAudio(server.readAudio(m), hum.pcm, 'no operator');
    assert.ok(m.durationMs >= 1500, `message of ${String(m.durationMs)} ms`);
  });

  test('"0" during the recording: the message is kept, the caller is transferred to the operator with REFER', async () => {
    const run = await call('key-zero');
    assertSippOk(run.sipp);
    const refer = run.sipp.messages.find((m) => m.direction === 'received' && m.startLine.startsWith('REFER '));
    assert.ok(refer, run.sipp.summary());
    assert.deepEqual(refer.header('Refer-To'), [`<${OPERATOR}>`]);
    assertHeardInOrder(run.heard, [heardPrompt('greeting-busy'), heardPrompt('warning-standard'), heardPrompt('beep')], 'key 0');
    const callId = callIdOf(run.sipp);
    const m = await server.messageOf('404', callId);
    assertSameAudio(server.readAudio(m), hum.pcm, 'key 0');
    const t = callTimeline(run.datagrams, server, callId);
    const info = t.requests.find((r) => r.method === 'INFO' && !r.fromServer);
    assert.ok(info, 'the capture has the INFO "0"');
    const sentUntilZero = callTimeline(run.datagrams, server, callId, info.timeMs).sentAfterIntroMs;
    assert.ok(Math.abs(m.durationMs - sentUntilZero) <= 100, `message of ${String(m.durationMs)} ms; the caller sent ${String(sentUntilZero)} ms between the beep and "0"`);
    const referAt = t.requests.find((r) => r.method === 'REFER')?.timeMs;
    const byeAt = t.requests.find((r) => r.method === 'BYE' && r.fromServer)?.timeMs;
    assert.ok(referAt !== undefined && byeAt !== undefined && byeAt > referAt, 'the server hangs up after the REFER');
  });
});
