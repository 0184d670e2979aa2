/**
 * The SMS channel against real servers over real sockets: an SMPP server (the `smpp`
 * package's, test/support/smsc.ts) and a local HTTP server standing in for a gateway.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino, type Logger } from 'pino';
import { HttpSmsSender, SmppSender, smsText, type SmppSenderOptions, type SmsReceipt } from '../../../src/notify/sms/index.js';
import type { Notification } from '../../../src/voicemail/model.js';
import type { MessageEventPayload, MissedCallPayload, NotificationPayload } from '../../../src/voicemail/notifications/payload.js';
import { TestSmsc } from '../../support/smsc.js';
import { waitFor } from '../../support/wait.js';

const NOW = new Date('2025-11-26T11:05:00Z');
const now = (): Date => NOW;

function mailbox(language: 'ru' | 'en'): MessageEventPayload['mailbox'] {
  return { tenantId: 't1', id: '100', name: 'Продажи', language, timeZone: 'Europe/Moscow' };
}

function created(language: 'ru' | 'en', callerName: string | null = null): MessageEventPayload {
  return {
    kind: 'message',
    event: 'message.created',
    mailbox: mailbox(language),
    message: { id: 'm1', callerNumber: '+74951234567', callerName, calledNumber: '+74951110000', reason: 'no-answer', receivedAt: '2025-11-26T11:02:00.000Z', durationMs: 42_000, audioKey: 'messages/t1/100/m1.wav', sizeBytes: 1, recovered: false, heard: false },
    link: 'https://vm.example/m1?token=T',
    occurredAt: '2025-11-26T11:02:42.000Z',
  };
}

function missed(language: 'ru' | 'en', at: string, callerName: string | null = null): MissedCallPayload {
  return {
    kind: 'missed_call',
    event: 'missed_call',
    mailbox: mailbox(language),
    missedCall: { id: 'c1', callerNumber: '+74951234567', callerName, calledNumber: null, reason: 'no-answer', cause: 'hangup-before-beep', at },
    occurredAt: at,
  };
}

let seq = 0;
function notification(payload: NotificationPayload, recipient = '+79161234567'): Notification {
  const id = `n${String(++seq)}`;
  return {
    id,
    tenantId: 't1',
    mailboxId: '100',
    channel: 'sms',
    event: payload.event,
    subjectId: 's1',
    recipient,
    payload: JSON.stringify(payload),
    deliveryKey: `${payload.event}:s1:sms:${recipient}:${id}`,
    status: 'pending',
    attempts: 1,
    nextAttemptAt: NOW.toISOString(),
    giveUpAt: NOW.toISOString(),
    lastError: null,
    providerId: null,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
}

function expectedText(p: NotificationPayload): string {
  const r = smsText(p, NOW);
  assert.ok(r.ok);
  return r.value;
}

/** A logger whose lines the test can read. */
function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) }) };
}

const signal = (): AbortSignal => new AbortController().signal;

describe('SMS over SMPP (real SMPP server)', () => {
  let smsc: TestSmsc;
  const senders: SmppSender[] = [];

  function sender(over: Partial<SmppSenderOptions> = {}): SmppSender {
    const s = new SmppSender({ url: smsc.url(), sourceAddr: 'Voxmail', logger: captureLogger().logger, enquireLinkMs: 5_000, connectTimeoutMs: 3_000, submitTimeoutMs: 3_000, reconnectMinMs: 100, reconnectMaxMs: 400, now, ...over });
    senders.push(s);
    return s;
  }

  before(async () => {
    smsc = await TestSmsc.start({ systemId: 'voxmail', password: 's3cr3t' });
  });

  after(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await smsc.stop();
  });

  test('a Cyrillic message.created SMS arrives intact as one UCS2 submit_sm', async () => {
    const s = sender();
    const payload = created('ru', 'Иван Петров');
    const before = smsc.submits.length;
    const r = await s.send(notification(payload), signal());
    assert.equal(r.ok, true, JSON.stringify(r));
    const sub = smsc.submits.at(-1)!;
    assert.equal(smsc.submits.length, before + 1);
    assert.deepEqual(r, { ok: true, providerId: sub.messageId, detail: '1 part(s), UCS2' });
    assert.equal(sub.text, 'Новое голосовое сообщение от +7 495 123-45-67, Иван Петров (0:42)');
    assert.equal(sub.text, expectedText(payload));
    assert.equal(sub.dataCoding, 0x08);
    assert.equal(sub.esmClass, 0x00);
    assert.equal(sub.concat, null);
    assert.equal(sub.registeredDelivery, 1);
    assert.deepEqual([sub.destinationAddr, sub.destAddrTon, sub.destAddrNpi], ['79161234567', 1, 1]);
    assert.deepEqual([sub.sourceAddr, sub.sourceAddrTon, sub.sourceAddrNpi], ['Voxmail', 5, 0]);
    assert.ok(sub.userDataSeptetsOrOctets <= 140);
  });

  test('a long text arrives in correctly numbered parts that reassemble to the exact text', async () => {
    const s = sender();
    const text = 'Проверка длинного сообщения 😀: ' + 'съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(3) + '🎉 конец';
    const r = await s.sendText('+79161234567', text);
    assert.equal(r.ok, true, JSON.stringify(r));
    const msg = smsc.messages().find((m) => m.text === text);
    assert.ok(msg, 'the reassembled text is the text sent');
    const n = msg.parts.length;
    assert.ok(n >= 3);
    assert.deepEqual(
      msg.parts.map((p) => p.concat!.seq),
      Array.from({ length: n }, (_, i) => i + 1),
    );
    for (const p of msg.parts) {
      assert.equal(p.concat!.total, n);
      assert.equal(p.concat!.ref, msg.parts[0]!.concat!.ref);
      assert.equal(p.esmClass, 0x40);
      assert.equal(p.dataCoding, 0x08);
      assert.equal(p.udhOctets, 6);
      assert.ok(p.userDataSeptetsOrOctets <= 140, `part ${String(p.concat!.seq)}: ${String(p.userDataSeptetsOrOctets)} octets`);
    }
    assert.ok(r.ok && r.providerId === msg.parts.map((p) => p.messageId).join(','));
    // The next long message gets another reference.
    const r2 = await s.sendText('+79161234567', text.toUpperCase());
    assert.equal(r2.ok, true);
    const msg2 = smsc.messages().find((m) => m.text === text.toUpperCase());
    assert.notEqual(msg2?.parts[0]?.concat?.ref, msg.parts[0]!.concat!.ref);
  });

  test('a missed call the day before, with a caller name: the Russian text in parts, reassembled exactly', async () => {
    const s = sender();
    const payload = missed('ru', '2025-11-25T20:30:00.000Z', 'Иван Петров');
    const text = expectedText(payload);
    assert.equal(text, '+7 495 123-45-67 (Иван Петров) звонил(а) вам 25.11 в 23:30 и не оставил(а) сообщения');
    const r = await s.send(notification(payload), signal());
    assert.equal(r.ok, true, JSON.stringify(r));
    const msg = smsc.messages().find((m) => m.text === text);
    assert.ok(msg);
    assert.equal(msg.parts.length, 2);
  });

  test('missed-call text in English goes as GSM 7-bit (data_coding 0)', async () => {
    const s = sender();
    const payload = missed('en', '2025-11-26T11:02:00.000Z');
    const r = await s.send(notification(payload, '+7 (916) 765-43-21'), signal());
    assert.equal(r.ok, true, JSON.stringify(r));
    const sub = smsc.submits.at(-1)!;
    assert.equal(sub.text, '+7 495 123-45-67 tried to reach you at 14:02 and left no message');
    assert.equal(sub.dataCoding, 0x00);
    assert.equal(sub.destinationAddr, '79167654321');
    // Extension-table characters survive (ESC sequences decoded by the server's GSM decoder).
    const r2 = await s.sendText('+79161234567', 'Total: 5€ [ok] {a|b} ~^\\');
    assert.equal(r2.ok, true);
    assert.equal(smsc.submits.at(-1)!.text, 'Total: 5€ [ok] {a|b} ~^\\');
  });

  test('a wrong password: retry with a clear bind error, the password in neither the error nor the log', async () => {
    const { logger, lines } = captureLogger();
    const s = sender({ url: smsc.url({ password: 'WrongPw9' }), logger });
    const started = Date.now();
    const r = await s.send(notification(created('en')), signal());
    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.permanent);
    assert.match(!r.ok ? r.error : '', /bind_transceiver .* refused: ESME_RINVPASWD \(0x0000000E, invalid password\)/);
    assert.ok(Date.now() - started < 2_000, 'reported at once, not after the timeout');
    assert.ok(smsc.binds.some((b) => !b.accepted));
    const all = lines.join('\n') + (!r.ok ? r.error : '');
    assert.ok(!all.includes('WrongPw9'), 'password leaked');
    assert.ok(lines.some((l) => l.includes('VM_SMS_SMPP_BIND_FAILED')));
    await s.close();
  });

  test('SMSC restart: a send while it is down is retried; after it is back the sender rebinds and delivers', async () => {
    const s = sender();
    assert.equal((await s.sendText('+79161234567', 'before')).ok, true);
    const binds = smsc.binds.filter((b) => b.accepted).length;
    await smsc.stop();
    const down = await s.sendText('+79161234567', 'while down');
    assert.equal(down.ok, false);
    assert.ok(!down.ok && !down.permanent, JSON.stringify(down));
    await smsc.restart();
    const r = await s.sendText('+79161234567', 'after restart');
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(smsc.submits.at(-1)!.text, 'after restart');
    assert.ok(smsc.binds.filter((b) => b.accepted).length > binds);
    assert.equal(s.state, 'bound');
  });

  test('an enquire_link left unanswered tears the link down and the sender rebinds', async () => {
    const s = sender({ enquireLinkMs: 50, connectTimeoutMs: 200 });
    s.start();
    await waitFor(() => s.state === 'bound', 2_000, () => 'the bind');
    const binds = smsc.binds.length;
    smsc.ignoreEnquireLinks = true;
    await waitFor(() => s.state !== 'bound', 2_000, () => 'the dead link to be noticed');
    smsc.ignoreEnquireLinks = false;
    await waitFor(() => s.state === 'bound' && smsc.binds.length > binds, 3_000, () => 'the rebind');
    assert.equal((await s.sendText('+79161234567', 'after rebind')).ok, true);
  });

  test('reconnection backs off exponentially up to the maximum', async () => {
    const probe = await TestSmsc.start();
    const url = probe.url();
    await probe.stop(); // nothing listens there now
    const { logger, lines } = captureLogger();
    const s = sender({ url, logger, reconnectMinMs: 20, reconnectMaxMs: 80 });
    s.start();
    const delays = (): number[] => lines.map((l) => JSON.parse(l) as { inMs?: number }).flatMap((l) => (l.inMs !== undefined ? [l.inMs] : []));
    await waitFor(() => delays().length >= 5, 3_000, () => 'five reconnection attempts');
    const d = delays();
    // 20, 40, 80, 80... each up to 20 % more (jitter), never above the maximum.
    assert.ok(d[0]! >= 20 && d[0]! <= 24, String(d));
    assert.ok(d[1]! >= 40 && d[1]! <= 48, String(d));
    for (const x of d.slice(2)) assert.equal(x, 80, String(d));
    assert.ok(lines.some((l) => l.includes('ECONNREFUSED')));
    await s.close();
  });

  test('invalid destination is permanent; throttling and a failed second part are retried', async () => {
    const s = sender();
    smsc.refuseNextSubmits(0x0b);
    const r = await s.send(notification(created('en')), signal());
    assert.ok(!r.ok && r.permanent, JSON.stringify(r));
    assert.match(r.error, /ESME_RINVDSTADR/);
    smsc.refuseNextSubmits(0x58);
    const t = await s.send(notification(created('en')), signal());
    assert.ok(!t.ok && !t.permanent, JSON.stringify(t));
    assert.match(t.error, /ESME_RTHROTTLED/);
    // Part 1 accepted, part 2 refused with a system error: retry the whole text.
    const long = 'x'.repeat(200);
    const before = smsc.submits.length;
    smsc.refuseNextSubmits(0, 1);
    smsc.refuseNextSubmits(0x08, 1);
    const p = await s.sendText('+79161234567', long);
    assert.ok(!p.ok && !p.permanent);
    assert.match(p.error, /part 2\/2.*ESME_RSYSERR/);
    assert.equal(smsc.submits.length, before + 2);
  });

  test('an event not sent by SMS fails permanently without touching the SMSC', async () => {
    const s = sender();
    const binds = smsc.binds.length;
    const r = await s.send(notification({ ...created('en'), event: 'message.heard' }), signal());
    assert.ok(!r.ok && r.permanent);
    assert.equal(smsc.binds.length, binds);
    assert.equal(s.state, 'idle');
  });

  test('delivery receipts come back on the transceiver bind and are recorded', async () => {
    const s = sender();
    const receipts: SmsReceipt[] = [];
    s.onReceipt((r) => receipts.push(r));
    const r = await s.send(notification(created('ru')), signal());
    assert.ok(r.ok && r.providerId !== null);
    assert.equal(await smsc.sendReceipt(r.providerId, 'DELIVRD'), 0, 'deliver_sm_resp OK');
    await waitFor(() => receipts.length === 1, 2_000, () => 'the receipt');
    assert.deepEqual(receipts[0], { messageId: r.providerId, state: 'delivered', final: true, errorCode: null, recipient: '79161234567', doneDate: '2511261403' });
    assert.equal(await smsc.sendReceipt(r.providerId, 'UNDELIV'), 0);
    await waitFor(() => receipts.length === 2, 2_000, () => 'the second receipt');
    assert.equal(receipts[1]!.state, 'undeliverable');
  });

  test('bind=transmitter from the URL; enquire_link on its timer; close() unbinds', async () => {
    const s = sender({ url: smsc.url({}, '?bind=transmitter'), enquireLinkMs: 50 });
    s.start();
    await waitFor(() => s.state === 'bound', 2_000, () => 'the bind');
    assert.equal(smsc.binds.at(-1)!.command, 'bind_transmitter');
    const links = smsc.enquireLinks;
    await waitFor(() => smsc.enquireLinks >= links + 2, 2_000, () => 'two enquire_link');
    const unbinds = smsc.unbinds;
    await s.close();
    assert.equal(smsc.unbinds, unbinds + 1);
    assert.equal(s.state, 'closed');
    const r = await s.sendText('+79161234567', 'after close');
    assert.ok(!r.ok && !r.permanent);
  });
});

interface Recorded {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

describe('SMS over an HTTP gateway (local HTTP server)', () => {
  let server: http.Server;
  let base: string;
  const requests: Recorded[] = [];
  /** Responses for the next requests, in order; then 200 {"message_id":"gw-N"}. */
  const replies: { status: number; body?: string; delayMs?: number }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const reply = replies.shift() ?? { status: 200, body: JSON.stringify({ status: 'OK', message_id: `gw-${String(requests.length)}` }) };
        setTimeout(() => {
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(reply.body ?? '');
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('GET with a URL template and basic auth: the Cyrillic text arrives exactly', async () => {
    const s = new HttpSmsSender({ url: `${base}/send?to={to}&text={text}&from={from}&key=API`, basicAuth: { user: 'acme', password: 'p@ss' }, from: 'Voxmail', logger: captureLogger().logger, timeoutMs: 2_000, now });
    const payload = created('ru', 'Иван Петров');
    const r = await s.send(notification(payload), signal());
    const req = requests.at(-1)!;
    assert.deepEqual(r, { ok: true, providerId: `gw-${String(requests.length)}`, detail: 'HTTP 200' });
    assert.equal(req.method, 'GET');
    assert.equal(req.url.pathname, '/send');
    assert.equal(req.url.searchParams.get('to'), '+79161234567');
    assert.equal(req.url.searchParams.get('text'), expectedText(payload));
    assert.equal(req.url.searchParams.get('from'), 'Voxmail');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('acme:p@ss').toString('base64')}`);
  });

  test('POST with a JSON body template: values JSON-escaped, the body parses to the exact text', async () => {
    const s = new HttpSmsSender({
      url: `${base}/api/sms`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'k' },
      body: '{"phone":"{msisdn}","message":"{text}","ref":"{id}"}',
      logger: captureLogger().logger,
      timeoutMs: 2_000,
      now,
    });
    const text = 'Quotes "and" \\ backslash,\nnewline & ampersand — Привет 😀';
    const r = await s.sendText('+79161234567', text, { id: 'n-42' });
    assert.equal(r.ok, true, JSON.stringify(r));
    const req = requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-api-key'], 'k');
    assert.deepEqual(JSON.parse(req.body), { phone: '79161234567', message: text, ref: 'n-42' });
    const n = await s.send(notification(missed('en', '2025-11-26T11:02:00.000Z')), signal());
    assert.equal(n.ok, true);
    assert.equal((JSON.parse(requests.at(-1)!.body) as { message: string }).message, '+7 495 123-45-67 tried to reach you at 14:02 and left no message');
  });

  test('500, 429, 408 and a timeout are retried; 400 fails for good; the API key is not in the error', async () => {
    const s = new HttpSmsSender({ url: `${base}/send?to={to}&text={text}&key=SECRETKEY`, logger: captureLogger().logger, timeoutMs: 300, now });
    replies.push({ status: 500, body: '{"error":"internal"}' }, { status: 429 }, { status: 408 }, { status: 400, body: '{"error":"bad number"}' }, { status: 200, delayMs: 1_000 });
    const r500 = await s.sendText('+79161234567', 'x');
    assert.ok(!r500.ok && !r500.permanent);
    assert.match(r500.error, /^GET http:\/\/127\.0\.0\.1:\d+\/send answered 500 Internal Server Error: \{"error":"internal"\}$/);
    const r429 = await s.sendText('+79161234567', 'x');
    assert.ok(!r429.ok && !r429.permanent);
    const r408 = await s.sendText('+79161234567', 'x');
    assert.ok(!r408.ok && !r408.permanent);
    const r400 = await s.sendText('+79161234567', 'x');
    assert.ok(!r400.ok && r400.permanent);
    assert.match(r400.error, /400 Bad Request: \{"error":"bad number"\}/);
    const slow = await s.sendText('+79161234567', 'x');
    assert.ok(!slow.ok && !slow.permanent);
    assert.match(slow.error, /no response within 300 ms/);
    for (const r of [r500, r400, slow]) assert.ok(!r.ok && !r.error.includes('SECRETKEY'));
  });

  test('a gateway that refuses connections is retried', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s = new HttpSmsSender({ url: `http://127.0.0.1:${String(port)}/send?to={to}&text={text}`, logger: captureLogger().logger, timeoutMs: 2_000, now });
    const r = await s.sendText('+79161234567', 'x');
    assert.ok(!r.ok && !r.permanent);
    assert.match(r.error, /ECONNREFUSED/);
  });
});
