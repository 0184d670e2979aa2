/**
 * SMS from end to end: SIPp callers reach Russian mailboxes of the real server
 * (startVoxmail in this process, `notify.smppUrl` pointing at a real SMPP 3.4 server,
 * the `smpp` package's, over TCP), and the SMSC's view is what the owner's phone shows:
 *
 * - a message from "Иван Петров": one UCS2 submit_sm to the owner's number whose text
 *   is the Cyrillic sentence, intact (the caller's name came through SIP as UTF-8);
 * - a message from a caller with a long name: the text no longer fits 70 UCS2
 *   characters, so it arrives in concatenated parts (UDH, same reference, numbered
 *   1..n, each ≤ 140 octets) that reassemble to exactly the sentence;
 * - a caller who hangs up during the greeting (before the beep): a missed-call record
 *   and the missed-call SMS ("… звонил(а) вам в HH:MM и не оставил(а) сообщения", the
 *   time in the mailbox's zone), and NO message — nor any message notification.
 *
 * The three callers call at once. Needs sipp, espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/notify/pipeline-sms.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message, MissedCall } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { deposit, describeOutbox, eventually, notificationsAbout, NotifyServer, QUICK_MAILBOX } from '../../support/notify-harness.js';
import { TestSmsc, type ReassembledSms } from '../../support/smsc.js';
import { inParallel, removeAudio, speechWithHum, TENANT, type CallerAudio } from '../../support/voxmail.js';

const OWNER = '+79161234567';
const CALLER = '+74997654321';
const CALLER_SHOWN = '+7 499 765-43-21';
const SHORT_NAME = 'Иван Петров';
/** 24 letters and a space: the longest name an SMS shows. */
const LONG_NAME = 'Александра Константинова';
const RU_MAILBOX = { ...QUICK_MAILBOX, language: 'ru', timeZone: 'Europe/Moscow', smsNumber: OWNER } as const;

let smsc: TestSmsc;
let server: NotifyServer;
let hum: CallerAudio;
type Case = 'short' | 'long' | 'missed';
let calls: (c: Case) => Promise<Message | MissedCall>;

/** m:ss, rounded to the second. */
function mss(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60))}:${String(s % 60).padStart(2, '0')}`;
}

function moscowTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

async function smsWithText(text: string): Promise<ReassembledSms> {
  return eventually(
    () => smsc.messages().find((m) => m.text === text),
    8000,
    () => `the SMS "${text}"; the SMSC has: ${JSON.stringify(smsc.messages().map((m) => m.text))}`,
  );
}

describe('SMS after SIPp calls (real server, real SMPP server)', () => {
  before(async () => {
    hum = speechWithHum('Здравствуйте, это Иван. Перезвоните мне, пожалуйста.', 'ru');
    smsc = await TestSmsc.start({ systemId: 'voxmail', password: 'smpp-pw' });
    server = await NotifyServer.start({ notify: { smppUrl: smsc.url(), smsFrom: 'Voxmail' } });
    await server.mailbox('501', { ...RU_MAILBOX, name: 'Короткое имя' });
    await server.mailbox('502', { ...RU_MAILBOX, name: 'Длинное имя' });
    await server.mailbox('503', { ...RU_MAILBOX, name: 'Пропущенный' });
    const message = (box: string, name: string) => async (): Promise<Message> => {
      const { callId } = await deposit(server, box, { audio: hum, language: 'ru', caller: CALLER, callerName: name });
      return server.messageOf(box, callId);
    };
    calls = inParallel<Case, Message | MissedCall>({
      short: message('501', SHORT_NAME),
      long: message('502', LONG_NAME),
      // Hang up 1.5 s into the 2.5 s greeting: before the beep.
      missed: async () => {
        const { callId } = await deposit(server, '503', { audio: hum, language: 'ru', caller: CALLER, callerName: SHORT_NAME, hangUpAfterMs: 1500 });
        return server.missedCallOf('503', callId);
      },
    });
  });

  after(async () => {
    await server?.close();
    await smsc?.stop();
    await killChildren();
    removeAudio(hum);
  });

  test('a message into a Russian mailbox: the Cyrillic text arrives intact, one UCS2 submit_sm to the owner', async () => {
    const m = (await calls('short')) as Message;
    assert.equal(m.callerName, SHORT_NAME, "the caller's Cyrillic display name as stored");
    const text = `Новое голосовое сообщение от ${CALLER_SHOWN}, ${SHORT_NAME} (${mss(m.durationMs)})`;
    const sms = await smsWithText(text);
    assert.equal(sms.parts.length, 1, 'one part');
    const [p] = sms.parts;
    assert.equal(p!.dataCoding, 0x08, 'UCS2');
    assert.equal(p!.concat, null);
    assert.equal(p!.destinationAddr, OWNER.slice(1));
    assert.equal(p!.sourceAddr, 'Voxmail');
    assert.ok(p!.userDataSeptetsOrOctets <= 140);
    const sms501 = (await notificationsAbout(server.stores, m.id)).filter((x) => x.n.channel === 'sms');
    assert.equal(sms501.length, 1, describeOutbox(sms501));
    await eventually(async () => (await notificationsAbout(server.stores, m.id)).find((x) => x.n.channel === 'sms' && x.n.status === 'sent'), 3000, () => 'the SMS marked sent');
    const sent = (await notificationsAbout(server.stores, m.id)).find((x) => x.n.channel === 'sms')!;
    assert.equal(sent.n.recipient, OWNER);
    assert.equal(sent.n.providerId, p!.messageId, "the provider id is the SMSC's message_id");
  });

  test('a long caller name: the text is split into UCS2 parts (UDH) that reassemble exactly', async () => {
    const m = (await calls('long')) as Message;
    assert.equal(m.callerName, LONG_NAME);
    const text = `Новое голосовое сообщение от ${CALLER_SHOWN}, ${LONG_NAME} (${mss(m.durationMs)})`;
    assert.ok(text.length > 70, 'longer than one UCS2 SMS');
    const sms = await smsWithText(text);
    const n = sms.parts.length;
    assert.equal(n, 2, `${String(n)} parts`);
    assert.deepEqual(
      sms.parts.map((p) => p.concat?.seq),
      [1, 2],
    );
    for (const p of sms.parts) {
      assert.equal(p.dataCoding, 0x08);
      assert.equal(p.concat?.total, n);
      assert.equal(p.concat?.ref, sms.parts[0]!.concat?.ref);
      assert.equal(p.esmClass & 0x40, 0x40, 'UDH indicator');
      assert.ok(p.userDataSeptetsOrOctets <= 140, `part ${String(p.concat?.seq)}: ${String(p.userDataSeptetsOrOctets)} octets`);
      assert.equal(p.destinationAddr, OWNER.slice(1));
    }
  });

  test('a caller who hangs up before the beep: the missed-call SMS, and no message', async () => {
    const missed = (await calls('missed')) as MissedCall;
    assert.equal(missed.cause, 'hangup-before-beep');
    assert.equal(missed.callerName, SHORT_NAME);
    const text = `${CALLER_SHOWN} (${SHORT_NAME}) звонил(а) вам в ${moscowTime(missed.at)} и не оставил(а) сообщения`;
    const sms = await smsWithText(text);
    assert.equal(sms.parts.length, 2, 'longer than 70 UCS2 characters: two parts');
    for (const p of sms.parts) assert.equal(p.dataCoding, 0x08);
    assert.deepEqual(await server.stores.store.messages.list({ tenantId: TENANT, mailboxId: '503' }), [], 'no message');
    const about = await notificationsAbout(server.stores, missed.id);
    assert.deepEqual(
      about.map((x) => `${x.n.channel} ${x.n.event}`),
      ['sms missed_call'],
      `only the missed-call SMS is queued about it\n${describeOutbox(about)}`,
    );
    const all = await server.stores.store.outbox.list({ tenantId: TENANT, limit: 1000 });
    assert.equal(all.filter((x) => x.mailboxId === '503' && x.event === 'message.created').length, 0, 'no message.created for mailbox 503');
    // Only what was asked for reached the SMSC: three texts, nothing twice.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(smsc.messages().length, 3, JSON.stringify(smsc.messages().map((x) => x.text)));
  });
});
