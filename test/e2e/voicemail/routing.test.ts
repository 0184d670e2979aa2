/**
 * A PBX sends an unanswered call to voicemail and says why: a Diversion header with each
 * reason (RFC 5806), History-Info with `cause=486` in the targeted-to URI (RFC 7044),
 * and an RFC 4458 Request-URI (`sip:voicemail@HOST;target=+7...;cause=486`). For each,
 * with SIPp as the PBX and the real server (startVoxmail) behind it:
 *
 * - the caller heard the standard greeting for that reason, then "please leave your
 *   message after the tone", then the 1 kHz beep, in the mailbox's language (201
 *   English, 202 Russian) — taken off the wire with dumpcap and matched against
 *   prompts/<lang>/*.wav (and a different greeting, or the other language, does NOT match);
 * - the message lands in the mailbox that owns the diverted number (two mailboxes with
 *   different numbers: it must pick the right one) with the caller's number and name
 *   (From, or P-Asserted-Identity when there is one), the called number and the reason;
 * - its audio is what the caller sent, sample for sample, and as long as the time the
 *   caller sent after the beep and before hanging up (counted on the wire).
 *
 * The six calls run at once (the analysis waits until all are over). Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/routing.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DiversionReason } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk } from '../../support/sipp.js';
import {
  assertBeepIs1kHz,
  assertHeardInOrder,
  assertNotHeard,
  assertSameAudio,
  callIdOf,
  callTimeline,
  inParallel,
  callServer,
  DEFAULT_CALLER,
  heardPrompt,
  introMs,
  recordingOnTheWire,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
  type CallerRun,
} from '../../support/voxmail.js';

const NUMBER_A = '+74951234567';
const NUMBER_B = '+74957654321';
/** How long the caller speaks after the beep. */
const SPEAK_MS = 2500;

interface Case {
  readonly name: string;
  readonly mailbox: '201' | '202';
  readonly number: string;
  readonly headers?: readonly string[];
  readonly uriParams?: string;
  readonly reason: DiversionReason;
  readonly greeting: string;
  /** A greeting that must not be heard instead (in the mailbox's language unless given). */
  readonly notGreeting: string | { readonly name: string; readonly language: 'en' | 'ru' };
  /** The caller the message must name. */
  readonly caller: { readonly number: string; readonly name: string };
  /** Who the From header says is calling (default DEFAULT_CALLER). */
  readonly from?: { readonly number: string; readonly name: string };
}

const PAI = { number: '+79161112233', name: 'Anna Smirnova' };
const CYRILLIC = { number: '+74991234500', name: 'Иван Петров' };

const CASES: readonly Case[] = [
  {
    name: 'Diversion reason=user-busy',
    mailbox: '201',
    number: NUMBER_A,
    headers: [`Diversion: <sip:${NUMBER_A}@pbx.example;user=phone>;reason=user-busy;counter=1`],
    reason: 'busy',
    greeting: 'greeting-busy',
    notGreeting: 'greeting-no-answer',
    caller: DEFAULT_CALLER,
  },
  {
    name: 'Diversion reason=no-answer',
    mailbox: '202',
    number: NUMBER_B,
    headers: [`Diversion: <sip:${NUMBER_B}@pbx.example>;reason=no-answer;counter=1`],
    reason: 'no-answer',
    greeting: 'greeting-no-answer',
    notGreeting: { name: 'greeting-no-answer', language: 'en' },
    caller: DEFAULT_CALLER,
  },
  {
    name: 'Diversion reason=unavailable',
    mailbox: '201',
    number: NUMBER_A,
    headers: [`Diversion: <sip:${NUMBER_A}@pbx.example>;reason=unavailable`],
    reason: 'unavailable',
    greeting: 'greeting-unavailable',
    notGreeting: 'greeting-busy',
    caller: DEFAULT_CALLER,
  },
  {
    name: 'Diversion reason=unconditional',
    mailbox: '202',
    number: NUMBER_B,
    headers: [`Diversion: <tel:${NUMBER_B}>;reason=unconditional;counter=1`],
    reason: 'unconditional',
    greeting: 'greeting-unconditional',
    notGreeting: 'greeting-unavailable',
    caller: DEFAULT_CALLER,
  },
  {
    name: 'History-Info with cause=486 in the targeted-to URI, caller from P-Asserted-Identity',
    mailbox: '201',
    number: NUMBER_A,
    headers: [
      `History-Info: <sip:${NUMBER_A}@pbx.example>;index=1,<sip:voicemail@vm.example;cause=486>;index=1.1;mp=1`,
      `P-Asserted-Identity: "${PAI.name}" <sip:${PAI.number}@pbx.example>`,
    ],
    reason: 'busy',
    greeting: 'greeting-busy',
    notGreeting: 'greeting-default',
    caller: PAI,
  },
  {
    name: 'RFC 4458 Request-URI sip:voicemail@HOST;target=...;cause=486',
    mailbox: '202',
    number: NUMBER_B,
    uriParams: `;target=${NUMBER_B};cause=486`,
    reason: 'busy',
    greeting: 'greeting-busy',
    notGreeting: 'greeting-default',
    // A Cyrillic display name, as UTF-8 on the wire.
    caller: CYRILLIC,
    from: CYRILLIC,
  },
];

const languageOf = (c: Case): 'en' | 'ru' => (c.mailbox === '202' ? 'ru' : 'en');

function talkMs(c: Case): number {
  return Math.round(introMs(c.greeting, 'warning-standard', languageOf(c)) + SPEAK_MS);
}

describe('deposits routed by Diversion, History-Info and RFC 4458', () => {
  let server: VoxmailServer;
  let audio: CallerAudio;
  let call: (name: string) => Promise<CallerRun>;

  before(async () => {
    audio = speechWithHum('Hello, this is Ivan from the warehouse. The order for twelve boxes is ready, please call me back today.');
    server = await VoxmailServer.start();
    await server.mailbox('201', { name: 'Sales', numbers: [NUMBER_A] });
    // Mailbox 202 speaks Russian: its callers hear prompts/ru.
    await server.mailbox('202', { name: 'Support', numbers: [NUMBER_B], language: 'ru' });
    // All six calls at once; each test looks at its own once every call is over.
    call = inParallel(
      Object.fromEntries(
        CASES.map((c) => [
          c.name,
          () =>
            callServer(server, {
              scenario: 'vm-deposit',
              service: 'voicemail',
              ...(c.headers ? { headers: c.headers } : {}),
              ...(c.uriParams ? { uriParams: c.uriParams } : {}),
              caller: (c.from ?? DEFAULT_CALLER).number,
              callerName: (c.from ?? DEFAULT_CALLER).name,
              audio,
              durationMs: talkMs(c),
              capture: true,
            }),
        ]),
      ),
    );
  });

  after(async () => {
    await server?.close();
    await killChildren();
    removeAudio(audio);
  });

  for (const c of CASES) {
    test(`${c.name}: greeting for "${c.reason}" heard (${languageOf(c)}), message in mailbox ${c.mailbox} with caller, called number, reason and the exact audio`, async () => {
      const run = await call(c.name);
      assertSippOk(run.sipp);
      const callId = callIdOf(run.sipp);

      // What the caller heard: greeting for the reason, the warning, the beep — in that order.
      const what = `${c.name} (Call-ID ${callId}, ${String(run.heardPackets)} RTP packets heard)`;
      const lang = languageOf(c);
      const [, , beepAt] = assertHeardInOrder(run.heard, [heardPrompt(c.greeting, lang), heardPrompt('warning-standard', lang), heardPrompt('beep')], what);
      assertBeepIs1kHz(run.heard, beepAt!, what);
      const not = typeof c.notGreeting === 'string' ? heardPrompt(c.notGreeting, lang) : heardPrompt(c.notGreeting.name, c.notGreeting.language);
      assertNotHeard(run.heard, { ...not, name: `${not.name} (${typeof c.notGreeting === 'string' ? lang : c.notGreeting.language})` }, what);

      // The message: right mailbox, right fields.
      const m = await server.messageOf(c.mailbox, callId);
      const other = c.mailbox === '201' ? '202' : '201';
      assert.equal((await server.messages(other)).filter((x) => x.callId === callId).length, 0, `the message also landed in ${other}`);
      assert.equal(m.tenantId, 'acme');
      assert.equal(m.mailboxId, c.mailbox);
      assert.equal(m.callerNumber, c.caller.number);
      assert.equal(m.callerName, c.caller.name);
      assert.equal(m.calledNumber, c.number);
      assert.equal(m.reason, c.reason);
      assert.equal(m.folder, 'inbox');
      assert.equal(m.heard, false);
      assert.equal(m.recovered, false);

      // Its audio: what was sent, sample for sample, for as long as the caller spoke after the beep.
      const recorded = server.readAudio(m);
      assert.equal(m.durationMs, Math.floor(recorded.length / 8), 'durationMs matches the stored audio');
      const k = assertSameAudio(recorded, audio.pcm, what);
      // Complete: every packet the caller sent between the beep and its BYE is in the message.
      const t = callTimeline(run.datagrams, server, callId);
      assert.ok(
        Math.abs(m.durationMs - t.sentAfterIntroMs) <= 100,
        `${what}: message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms of audio after the beep; ${recordingOnTheWire(run.datagrams, t, k, recorded.length, audio.pcm.length)}`,
      );
    });
  }
});
