/**
 * A SubscriptionManager over a real TransactionLayer whose transport only records what
 * is sent, with a ManualClock: SUBSCRIBEs go in as parsed requests, NOTIFYs come out as
 * text, and the test answers them. No sockets, no sleeping.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/shared/clock.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/types.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import type { IncomingSubscription } from '../../../../src/sip/subscription/incoming-subscription.js';
import { SubscriptionManager } from '../../../../src/sip/subscription/subscription-manager.js';
import type { SubscriptionApplication, SubscriptionHost, SubscriptionLimits } from '../../../../src/sip/subscription/types.js';
import { transactionTimers } from '../../../../src/sip/transaction/timers.js';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.js';
import type { Destination, MessageSource } from '../../../../src/sip/transport/types.js';

export const T1 = 500;

export interface SubscribeOptions {
  readonly callId?: string;
  readonly cseq?: number;
  readonly expires?: number | string | null;
  readonly event?: string | null;
  readonly toTag?: string;
  readonly user?: string;
  readonly method?: string;
  readonly from?: string;
  readonly contact?: string | null;
  readonly extra?: string;
}

export class Harness {
  readonly clock = new ManualClock();
  readonly sent: { text: string; dest: Destination }[] = [];
  readonly subs: IncomingSubscription[] = [];
  readonly layer: TransactionLayer;
  readonly manager: SubscriptionManager;
  private branch = 0;

  /** `decide` runs for each new subscription (default: accept with a counter body). */
  constructor(
    decide: (s: IncomingSubscription, h: Harness) => void = (s) => s.accept(() => 'Messages-Waiting: no\r\n'),
    limits: Partial<SubscriptionLimits> = {},
  ) {
    const timers = transactionTimers({ t1: T1, t2: 4000, t4: 5000 });
    this.layer = new TransactionLayer({
      transport: { send: (d, dest) => this.sent.push({ text: d.toString('latin1'), dest }) },
      clock: this.clock,
      timers,
      log: silentLogger(),
      maxTransactions: 10_000,
    });
    const host: SubscriptionHost = {
      clock: this.clock,
      timers,
      userAgent: 'UT',
      sendRequest: (r, d, h) => void this.layer.sendRequest(r, d, h),
      localContactAddress: () => ({ transport: 'udp', host: '127.0.0.1', port: 5060 }),
    };
    const app: SubscriptionApplication = {
      onSubscribe: (s) => {
        this.subs.push(s);
        decide(s, this);
      },
    };
    this.manager = new SubscriptionManager(host, app, limits, silentLogger());
  }

  /** Send a SUBSCRIBE (or another method) from `ip`; routes in-dialog ones like the stack does. Returns the text of our response, if any. */
  request(o: SubscribeOptions = {}, ip = '192.0.2.10'): string | null {
    const callId = o.callId ?? 'sub-1';
    const method = o.method ?? 'SUBSCRIBE';
    const branch = `z9hG4bK-h${String(++this.branch)}`;
    const headers = [
      `${method} sip:${o.user ?? '100'}@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP ${ip}:5062;branch=${branch}`,
      `From: ${o.from ?? '<sip:phone@192.0.2.10>;tag=ph1'}`,
      `To: <sip:${o.user ?? '100'}@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${String(o.cseq ?? 1)} ${method}`,
      'Max-Forwards: 70',
      'Record-Route: <sip:proxy.example;lr>',
    ];
    if (o.contact !== null) headers.push(`Contact: ${o.contact ?? `<sip:phone@${ip}:5062>`}`);
    if (o.event !== null) headers.push(`Event: ${o.event ?? 'message-summary'}`);
    if (o.expires !== null && o.expires !== undefined) headers.push(`Expires: ${String(o.expires)}`);
    if (o.extra) headers.push(o.extra);
    const r = parse(headers.join('\r\n') + '\r\nContent-Length: 0\r\n\r\n');
    assert.equal(r.kind, 'request');
    const dest: Destination = { transport: 'udp', address: ip, port: 5062 };
    const m = this.layer.matchRequest(r, r.via[0]!, dest);
    assert.equal(m.kind, 'new');
    if (m.kind !== 'new') return null;
    const before = this.sent.length;
    const source: MessageSource = { transport: 'udp', remoteAddress: ip, remotePort: 5062, localAddress: '127.0.0.1', localPort: 5060, connectionId: null };
    if (o.toTag) {
      const sub = this.manager.find(`${callId}|${o.toTag}|${r.from.params.get('tag') ?? ''}`);
      if (sub) sub.receiveInDialog(r, m.tx);
      else return 'no dialog';
    } else this.manager.receive(r, source, m.tx);
    return this.sent.slice(before).find((s) => s.text.startsWith('SIP/2.0'))?.text ?? null;
  }

  /** Let promise callbacks (state reads) run. */
  async flush(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }

  /** NOTIFY requests sent so far (retransmissions included). */
  notifies(): string[] {
    return this.sent.filter((s) => s.text.startsWith('NOTIFY ')).map((s) => s.text);
  }

  /** Distinct NOTIFYs (by CSeq). */
  distinctNotifies(): string[] {
    const seen = new Map<string, string>();
    for (const n of this.notifies()) seen.set(header(n, 'CSeq')!, n);
    return [...seen.values()];
  }

  /** Answer a NOTIFY we sent. */
  answer(notify: string, status: number): void {
    const copy = (name: string): string => notify.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).join('\r\n');
    const text = `SIP/2.0 ${String(status)} X\r\n${copy('Via')}\r\n${copy('From')}\r\n${copy('To')}\r\n${copy('Call-ID')}\r\n${copy('CSeq')}\r\nContent-Length: 0\r\n\r\n`;
    const res = parse(text);
    assert.equal(res.kind, 'response');
    assert.ok(this.layer.matchResponse(res), 'the response matched no NOTIFY transaction');
  }

  /** Answer the last distinct NOTIFY and let its result run. */
  async answerLast(status = 200): Promise<string> {
    const n = this.distinctNotifies().at(-1);
    assert.ok(n, 'no NOTIFY was sent');
    this.answer(n, status);
    await this.flush();
    return n;
  }
}

export function parse(text: string): SipRequest | SipResponse {
  const r = parseMessage(Buffer.from(text, 'latin1'), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok, `parse failed: ${r.ok ? '' : r.error.reason}\n${text}`);
  return r.value;
}

/** First value of a header in a message's text. */
export function header(text: string, name: string): string | undefined {
  const line = text.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(line.indexOf(':') + 1).trim();
}

export function statusOf(text: string | null): number {
  const m = /^SIP\/2\.0 (\d{3})/.exec(text ?? '');
  assert.ok(m, `not a response: ${String(text)}`);
  return Number(m[1]);
}

export function bodyOf(text: string): string {
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

/** The To tag of our response (our dialog tag). */
export function toTagOf(response: string): string {
  const m = /;tag=([^;\s]+)/.exec(header(response, 'To') ?? '');
  assert.ok(m, 'no To tag');
  return m[1]!;
}
