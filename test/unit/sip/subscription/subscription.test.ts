import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SubscriptionEndReason } from '../../../../src/sip/index.js';
import { bodyOf, Harness, header, statusOf, T1, toTagOf } from './harness.js';

/** A harness whose state reader returns `state.body` (changeable by the test). */
function counting(limits = {}): { h: Harness; state: { body: string; reads: number }; ends: SubscriptionEndReason[] } {
  const state = { body: 'Messages-Waiting: no\r\nVoice-Message: 0/0\r\n', reads: 0 };
  const ends: SubscriptionEndReason[] = [];
  const h = new Harness((s) => {
    s.on('terminated', (r) => ends.push(r));
    s.accept(() => {
      state.reads++;
      return state.body;
    });
  }, limits);
  return { h, state, ends };
}

describe('SUBSCRIBE → 200 → NOTIFY (RFC 6665 §4.2.1)', () => {
  test('accepted: 200 with Expires, Contact, Record-Route; an immediate in-dialog NOTIFY', async () => {
    const { h, state } = counting();
    assert.equal(h.request({ expires: 600 }), null, 'no answer before the state was read');
    await h.flush();
    const ok = h.sent.find((s) => s.text.startsWith('SIP/2.0 200'))!.text;
    assert.equal(header(ok, 'Expires'), '600');
    assert.equal(header(ok, 'Contact'), '<sip:100@127.0.0.1:5060>');
    assert.equal(header(ok, 'Record-Route'), '<sip:proxy.example;lr>');
    const tag = toTagOf(ok);
    const [n, ...more] = h.distinctNotifies();
    assert.ok(n);
    assert.equal(more.length, 0);
    // §12.2.1.1: remote target in the Request-URI, the route set as Route, sent to the first route.
    assert.match(n, /^NOTIFY sip:phone@192\.0\.2\.10:5062 SIP\/2\.0\r\n/);
    assert.equal(header(n, 'Route'), '<sip:proxy.example;lr>');
    assert.equal(header(n, 'From'), `<sip:100@127.0.0.1>;tag=${tag}`);
    assert.equal(header(n, 'To'), '<sip:phone@192.0.2.10>;tag=ph1');
    assert.equal(header(n, 'Call-ID'), 'sub-1');
    assert.match(header(n, 'CSeq')!, /^\d+ NOTIFY$/);
    assert.equal(header(n, 'Event'), 'message-summary');
    assert.equal(header(n, 'Subscription-State'), 'active;expires=600');
    assert.equal(header(n, 'Content-Type'), 'application/simple-message-summary');
    assert.equal(header(n, 'Contact'), '<sip:100@127.0.0.1:5060>');
    assert.equal(bodyOf(n), state.body);
    assert.equal(h.subs[0]!.status, 'active');
    assert.equal(h.manager.size, 1);
    await h.answerLast(200);
    assert.equal(h.layer.clientCount, 1, 'the NOTIFY transaction lingers in Completed (Timer K) only');
  });

  test('Expires: absent → 3600 (RFC 3842 §3.4); too long → shortened; too short → 423; junk → 400', async () => {
    const { h } = counting();
    h.request({ callId: 'a' });
    h.request({ callId: 'b', expires: 86400 });
    await h.flush();
    const oks = h.sent.filter((s) => s.text.startsWith('SIP/2.0 200')).map((s) => header(s.text, 'Expires'));
    assert.deepEqual(oks, ['3600', '3600']);
    const tooShort = h.request({ callId: 'c', expires: 30 });
    assert.equal(statusOf(tooShort), 423);
    assert.match(tooShort!, /^SIP\/2\.0 423 Interval Too Brief\r\n/);
    assert.equal(header(tooShort!, 'Min-Expires'), '60');
    assert.equal(statusOf(h.request({ callId: 'd', expires: 'soon' })), 400);
    assert.equal(h.subs.length, 2, 'refused before the application saw them');
  });

  test('not refreshed: NOTIFY terminated;reason=timeout at expiry, then the dialog is freed', async () => {
    const { h, ends } = counting();
    h.request({ expires: 120 });
    await h.flush();
    await h.answerLast();
    h.clock.advance(119_000);
    assert.equal(h.distinctNotifies().length, 1);
    h.clock.advance(1000);
    await h.flush();
    const last = h.distinctNotifies().at(-1)!;
    assert.equal(header(last, 'Subscription-State'), 'terminated;reason=timeout');
    assert.match(bodyOf(last), /Voice-Message: 0\/0/);
    assert.equal(h.subs[0]!.status, 'terminating', 'ends once the final NOTIFY is answered');
    assert.equal(statusOf(h.request({ toTag: h.subs[0]!.localTag, cseq: 2 })), 481, 'no refresh while ending');
    await h.answerLast();
    assert.equal(h.subs[0]!.status, 'terminated');
    assert.deepEqual(ends, ['timeout']);
    assert.equal(h.manager.size, 0);
    assert.equal(h.manager.find(`sub-1|${h.subs[0]!.localTag}|ph1`), undefined);
  });

  test('refresh in the dialog re-arms the expiry and sends the current state', async () => {
    const { h, state, ends } = counting();
    const ok = (h.request({ expires: 120 }), await h.flush(), h.sent.find((s) => s.text.startsWith('SIP/2.0 200'))!.text);
    const tag = toTagOf(ok);
    await h.answerLast();
    h.clock.advance(100_000);
    state.body = 'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n';
    const refreshed = h.request({ toTag: tag, cseq: 2, expires: 300, contact: '<sip:phone@192.0.2.10:5999>' });
    assert.equal(statusOf(refreshed), 200);
    assert.equal(header(refreshed!, 'Expires'), '300');
    await h.flush();
    const n = h.distinctNotifies().at(-1)!;
    assert.equal(header(n, 'Subscription-State'), 'active;expires=300');
    assert.match(n, /^NOTIFY sip:phone@192\.0\.2\.10:5999 /, 'SUBSCRIBE is a target refresh request');
    assert.equal(bodyOf(n), state.body);
    await h.answerLast();
    h.clock.advance(299_000);
    assert.equal(h.subs[0]!.status, 'active', 'the old expiry (120 s) no longer applies');
    h.clock.advance(1000);
    await h.flush();
    await h.answerLast();
    assert.deepEqual(ends, ['timeout']);
  });

  test('unsubscribe (Expires: 0): 200 with Expires: 0, then a final NOTIFY with the state', async () => {
    const { h, ends } = counting();
    h.request();
    await h.flush();
    const tag = toTagOf(h.sent.find((s) => s.text.startsWith('SIP/2.0 200'))!.text);
    await h.answerLast();
    const res = h.request({ toTag: tag, cseq: 2, expires: 0 });
    assert.equal(statusOf(res), 200);
    assert.equal(header(res!, 'Expires'), '0');
    await h.flush();
    const n = h.distinctNotifies().at(-1)!;
    assert.equal(header(n, 'Subscription-State'), 'terminated;reason=timeout');
    assert.match(bodyOf(n), /Messages-Waiting: no/);
    await h.answerLast();
    assert.deepEqual(ends, ['unsubscribed']);
    assert.equal(h.request({ toTag: tag, cseq: 3 }), 'no dialog', 'the stack then answers 481');
  });

  test('a fetch (initial Expires: 0, §4.4.3): 200, one terminated NOTIFY with the state, done', async () => {
    const { h, ends } = counting();
    h.request({ expires: 0 });
    await h.flush();
    assert.equal(header(h.sent.find((s) => s.text.startsWith('SIP/2.0 200'))!.text, 'Expires'), '0');
    const [n] = h.distinctNotifies();
    assert.equal(header(n!, 'Subscription-State'), 'terminated;reason=timeout');
    assert.match(bodyOf(n!), /Voice-Message: 0\/0/);
    await h.answerLast();
    assert.deepEqual(ends, ['fetched']);
    assert.equal(h.manager.size, 0);
  });
});

describe('NOTIFY outcomes (RFC 6665 §4.2.2)', () => {
  test('481 ends the subscription; later notify() answers 481 without sending', async () => {
    const { h, ends } = counting();
    h.request();
    await h.flush();
    await h.answerLast();
    const sub = h.subs[0]!;
    const p = sub.notify('Messages-Waiting: yes\r\n');
    await h.flush();
    await h.answerLast(481);
    assert.deepEqual(await p, { status: 481 });
    assert.deepEqual(ends, ['notify-failed']);
    const before = h.notifies().length;
    assert.deepEqual(await sub.notify('x'), { status: 481 });
    assert.equal(h.notifies().length, before);
    assert.equal(h.manager.size, 0);
  });

  test('a 500 with or without Retry-After keeps it; 489 and 404 end it', async () => {
    for (const [status, ends] of [
      [500, false],
      [503, false],
      [489, true],
      [404, true],
    ] as const) {
      const { h } = counting();
      h.request();
      await h.flush();
      await h.answerLast();
      const p = h.subs[0]!.notify();
      await h.flush();
      await h.answerLast(status);
      assert.deepEqual(await p, { status });
      assert.equal(h.subs[0]!.status, ends ? 'terminated' : 'active', String(status));
    }
  });

  test('no answer: retransmitted (Timer E), then Timer F (64×T1) ends the subscription', async () => {
    const { h, ends } = counting();
    h.request();
    await h.flush();
    h.clock.advance(64 * T1 - 1);
    assert.ok(h.notifies().length > 3, 'retransmitted over UDP');
    assert.deepEqual(ends, []);
    h.clock.advance(1);
    await h.flush();
    assert.deepEqual(ends, ['notify-failed']);
    assert.equal(h.manager.size, 0);
  });

  test('NOTIFYs go one at a time; the waiting one is replaced by the newest state', async () => {
    const { h, state } = counting();
    h.request();
    await h.flush();
    const sub = h.subs[0]!;
    const a = sub.notify('A\r\n');
    const b = sub.notify('B\r\n');
    const c = sub.notify();
    state.body = 'C\r\n';
    await h.flush();
    assert.equal(h.distinctNotifies().length, 1, 'the first is still unanswered');
    await h.answerLast();
    const second = h.distinctNotifies().at(-1)!;
    assert.equal(h.distinctNotifies().length, 2);
    assert.equal(bodyOf(second), 'C\r\n', 'read when its turn came');
    await h.answerLast();
    assert.deepEqual(await Promise.all([a, b, c]), [{ status: 200 }, { status: 200 }, { status: 200 }]);
    const cseqs = h.distinctNotifies().map((n) => Number(header(n, 'CSeq')!.split(' ')[0]));
    assert.equal(cseqs[1], cseqs[0]! + 1);
  });

  test('terminate(): a final NOTIFY with the given reason', async () => {
    const { h, ends } = counting();
    h.request();
    await h.flush();
    await h.answerLast();
    const p = h.subs[0]!.terminate('deactivated');
    await h.flush();
    assert.equal(header(h.distinctNotifies().at(-1)!, 'Subscription-State'), 'terminated;reason=deactivated');
    await h.answerLast();
    assert.deepEqual(await p, { status: 200 });
    assert.deepEqual(ends, ['local']);
  });
});

describe('refusals and limits', () => {
  test('reject(403) / unknown event 489 with Allow-Events / no Event (PINT) 489 / Accept 406 / no Contact 400', async () => {
    const h = new Harness((s) => s.reject(403));
    const refused = h.request();
    assert.equal(statusOf(refused), 403);
    assert.ok(header(refused!, 'To')!.includes(';tag='));
    const bad = h.request({ callId: 'e', event: 'presence' });
    assert.equal(statusOf(bad), 489);
    assert.equal(header(bad!, 'Allow-Events'), 'message-summary');
    assert.equal(statusOf(h.request({ callId: 'f', event: null })), 489);
    assert.equal(statusOf(h.request({ callId: 'g', extra: 'Accept: application/pidf+xml' })), 406);
    assert.equal(statusOf(h.request({ callId: 'g2', extra: 'Accept: application/*' })), 403, 'a wildcard is fine');
    assert.equal(statusOf(h.request({ callId: 'h', contact: null })), 400);
    await h.flush();
    assert.equal(h.manager.size, 0);
  });

  test('the application does not decide: 480 after answerTimeoutMs; a failing state read: 500', async () => {
    const silent = new Harness(() => undefined, { answerTimeoutMs: 2000 });
    silent.request();
    silent.clock.advance(1999);
    assert.equal(silent.sent.length, 0);
    silent.clock.advance(1);
    assert.equal(statusOf(silent.sent[0]!.text), 480);
    assert.equal(silent.manager.size, 0);

    const failing = new Harness((s) =>
      s.accept(() => {
        throw new Error('store down');
      }),
    );
    failing.request();
    await failing.flush();
    assert.equal(statusOf(failing.sent[0]!.text), 500);
    assert.equal(header(failing.sent[0]!.text, 'Retry-After'), '60');
    assert.equal(failing.manager.size, 0);
  });

  test('at most maxSubscriptions (503); a place is freed when one ends', async () => {
    const { h } = counting({ maxSubscriptions: 2 });
    h.request({ callId: 'x1' }, '192.0.2.1');
    h.request({ callId: 'x2' }, '192.0.2.2');
    const third = h.request({ callId: 'x3' }, '192.0.2.3');
    assert.equal(statusOf(third), 503);
    assert.equal(header(third!, 'Retry-After'), '60');
    await h.flush();
    for (const n of h.distinctNotifies()) h.answer(n, 200);
    await h.flush();
    const ended = h.subs[0]!.terminate();
    await h.flush();
    await h.answerLast();
    assert.deepEqual(await ended, { status: 200 });
    h.request({ callId: 'x4' }, '192.0.2.3');
    await h.flush();
    assert.equal(h.manager.size, 2);
    assert.equal(h.subs.length, 3);
  });

  test('at most maxPerSource from one IP address', async () => {
    const { h } = counting({ maxPerSource: 1 });
    h.request({ callId: 'y1' }, '192.0.2.1');
    assert.equal(statusOf(h.request({ callId: 'y2' }, '192.0.2.1')), 503);
    h.request({ callId: 'y3' }, '192.0.2.2');
    await h.flush();
    assert.equal(h.manager.size, 2);
  });

  test('in the dialog: CSeq out of order 500; other id 481; BYE 481; OPTIONS 200; another package 489', async () => {
    const { h } = counting();
    h.request({ cseq: 5 });
    await h.flush();
    const tag = toTagOf(h.sent.find((s) => s.text.startsWith('SIP/2.0 200'))!.text);
    await h.answerLast();
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 5 })), 500);
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 6, event: 'message-summary;id=7' })), 481);
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 7, method: 'BYE' })), 481);
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 8, method: 'OPTIONS' })), 200);
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 9, event: 'presence' })), 489);
    assert.equal(statusOf(h.request({ toTag: tag, cseq: 10, expires: 10 })), 423);
    assert.equal(h.subs[0]!.status, 'active');
  });

  test('an Event id is kept and echoed in NOTIFY', async () => {
    const { h } = counting();
    h.request({ event: 'message-summary;id=42' });
    await h.flush();
    assert.equal(header(h.distinctNotifies()[0]!, 'Event'), 'message-summary;id=42');
  });

  test('close(): undecided ones 503, active ones terminated;reason=probation;retry-after=30', async () => {
    const h = new Harness((s, self) => {
      if (self.subs.length === 1) s.accept(() => 'Messages-Waiting: no\r\n');
    });
    h.request({ callId: 'p1' });
    await h.flush();
    await h.answerLast();
    h.request({ callId: 'p2' });
    h.manager.close();
    await h.flush();
    const res = h.sent.filter((s) => s.text.startsWith('SIP/2.0')).map((s) => statusOf(s.text));
    assert.deepEqual(res, [200, 503]);
    assert.equal(header(h.distinctNotifies().at(-1)!, 'Subscription-State'), 'terminated;reason=probation;retry-after=30');
    assert.equal(h.manager.size, 0);
  });
});
