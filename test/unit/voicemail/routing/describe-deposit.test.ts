/**
 * describeDeposit on INVITEs shaped like those of real PBXs sending calls to an
 * external voicemail: Asterisk (chan_pjsip), FreeSWITCH, Cisco CUCM / Broadsoft,
 * a MANGO-like cloud PBX (Cyrillic names, +7 numbers), and RFC 4458 / RFC 7044 ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import type { SipRequest } from '../../../../src/sip/index.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import { describeDeposit } from '../../../../src/voicemail/routing/index.js';

/** An INVITE with these headers (UTF-8 text, as a PBX writes it). */
function invite(requestUri: string, headers: Record<string, string | string[]>): SipRequest {
  const lines = [`INVITE ${requestUri} SIP/2.0`, 'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-routing;rport'];
  const h: Record<string, string | string[]> = {
    From: '<sip:+74957654321@10.0.0.2>;tag=f1',
    To: '<sip:100@10.0.0.9>',
    'Call-ID': 'routing-test@10.0.0.2',
    CSeq: '1 INVITE',
    'Max-Forwards': '70',
    ...headers,
  };
  for (const [name, v] of Object.entries(h)) for (const value of Array.isArray(v) ? v : [v]) lines.push(`${name}: ${value}`);
  const r = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'utf8'), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok && r.value.kind === 'request', r.ok ? 'not a request' : r.error.reason);
  return r.value;
}

describe('describeDeposit', () => {
  test('Asterisk: Request-URI is the mailbox; Diversion with no-answer; caller from P-Asserted-Identity', () => {
    const req = invite('sip:101@10.0.0.9:5060', {
      From: '"Reception" <sip:200@10.0.0.2>;tag=as58f4201b',
      To: '<sip:101@10.0.0.9:5060>',
      Diversion: '<sip:101@10.0.0.2>;reason=no-answer;privacy=off;screen=no',
      'P-Asserted-Identity': '"Alice Smith" <sip:+442071234567@10.0.0.2>',
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['101']);
    assert.equal(r.reason, 'no-answer');
    assert.equal(r.calledNumber, '101');
    assert.equal(r.callerNumber, '+442071234567');
    assert.equal(r.callerName, 'Alice Smith');
    assert.deepEqual(r.problems, []);
  });

  test('FreeSWITCH: service Request-URI, mailbox in Diversion (user-busy, counter)', () => {
    const req = invite('sip:voicemail@10.0.0.9', {
      From: '"Extension 1001" <sip:1001@fs.example.com>;tag=8Q3rX',
      To: '<sip:voicemail@10.0.0.9>',
      Diversion: '<sip:1000@fs.example.com>;reason=user-busy;counter=1',
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['1000']);
    assert.equal(r.reason, 'busy');
    assert.equal(r.calledNumber, '1000');
    assert.equal(r.callerNumber, '1001');
    assert.equal(r.callerName, 'Extension 1001');
  });

  test('Cisco CUCM: pilot number in the Request-URI, redirect chain, original called number last', () => {
    const req = invite('sip:8000@10.1.1.20;user=phone', {
      From: '"Bob" <sip:2001@10.1.1.10>;tag=1234',
      To: '<sip:1001@10.1.1.10>',
      Diversion: [
        '"Dave" <sip:1002@10.1.1.10>;reason=no-answer;privacy=off;screen=yes',
        '"Carol" <sip:1001@10.1.1.10>;reason=unconditional;privacy=off;screen=yes',
      ],
      'Remote-Party-ID': '"Bob" <sip:2001@10.1.1.10>;party=calling;screen=yes;privacy=off',
    });
    const r = describeDeposit(req);
    // 8000 is tried first (the router chose it), then the original called party, then the last diverting one.
    assert.deepEqual(r.candidates, ['8000', '1001', '1002']);
    assert.equal(r.reason, 'no-answer', 'from the newest diversion');
    assert.equal(r.calledNumber, '1001');
    assert.deepEqual(describeDeposit(req, { mailboxFrom: 'last-diverting' }).candidates, ['8000', '1002', '1001']);
  });

  test('Broadsoft: tel URIs with visual separators and phone-context', () => {
    const req = invite('sip:vm@vm.example.com', {
      From: '<tel:+1-212-555-0199>;tag=bs1',
      To: '<sip:+12125550100@as.example.com;user=phone>',
      Diversion: '<tel:555-0100;phone-context=+1-212>;reason=unavailable;counter=1',
      'P-Asserted-Identity': ['<sip:+12125550199@as.example.com;user=phone>', '<tel:+12125550199>'],
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['+12125550100']);
    assert.equal(r.reason, 'unavailable');
    assert.equal(r.calledNumber, '+12125550100');
    assert.equal(r.callerNumber, '+12125550199');
  });

  test('MANGO-like cloud PBX: Cyrillic UTF-8 names, +7 numbers, IVR then extension', () => {
    const req = invite('sip:voicemail@vm.example.ru', {
      From: '"Иван Петров" <sip:+79161234567@pbx.example.ru;user=phone>;tag=mg-7',
      To: '<sip:+74951234567@pbx.example.ru;user=phone>',
      Diversion: ['"Отдел продаж" <sip:101@pbx.example.ru>;reason=no-answer;counter=1', '<sip:+74951234567@pbx.example.ru;user=phone>;reason=unconditional;counter=1'],
    });
    const r = describeDeposit(req);
    assert.equal(r.callerName, 'Иван Петров');
    assert.equal(r.callerNumber, '+79161234567');
    assert.equal(r.calledNumber, '+74951234567', 'the company number the caller dialled');
    assert.deepEqual(r.candidates, ['+74951234567', '101']);
    assert.equal(r.reason, 'no-answer');
  });

  test('RFC 4458: target and cause in the Request-URI win over the headers', () => {
    const req = invite('sip:voicemail@example.com;target=sip:+15555551002%40example.com;user=phone;cause=486', {
      From: 'Alice <sip:+15555551001@example.com;user=phone>;tag=9fxced76sl',
      To: '<sip:+15555551002@example.com;user=phone>',
      Diversion: '<sip:+15555551003@example.com>;reason=no-answer',
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['+15555551002', '+15555551003']);
    assert.equal(r.reason, 'busy');
    assert.equal(r.callerName, 'Alice');
  });

  test('RFC 4458 fully escaped target, RFC 4458 cause table', () => {
    const cases: [string, string][] = [
      ['486', 'busy'],
      ['408', 'no-answer'],
      ['302', 'unconditional'],
      ['487', 'deflection'],
      ['480', 'deflection'],
      ['503', 'unavailable'],
      ['404', 'unknown'],
    ];
    for (const [cause, reason] of cases) {
      const r = describeDeposit(invite(`sip:vm@vm.example;target=sip%3A%2B1234%40example.com;cause=${cause}`, {}));
      assert.equal(r.reason, reason, `cause=${cause}`);
      assert.deepEqual(r.candidates, ['+1234']);
    }
  });

  test('RFC 7044 History-Info only: diverted-from entry and cause of the last entry', () => {
    const req = invite('sip:voicemail@example.com;target=sip:bob%40example.com', {
      To: '<sip:bob@example.com>',
      'History-Info': [
        '<sip:bob@example.com>;index=1',
        '<sip:bob@192.0.2.5?Reason=SIP%3Bcause%3D408>;index=1.1;rc=1',
        '<sip:voicemail@example.com;target=sip:bob%40example.com;cause=408>;index=1.2;mp=1',
      ],
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['bob']);
    assert.equal(r.reason, 'no-answer');
    assert.equal(r.calledNumber, 'bob');
  });

  test('History-Info without cause: the escaped Reason of the failed branch', () => {
    const req = invite('sip:vm@10.0.0.9', {
      To: '<sip:vm@10.0.0.9>',
      'History-Info': '<sip:2000@pbx>;index=1, <sip:2000@10.0.0.31?Reason=SIP%3Bcause%3D486%3Btext%3D%22Busy%20Here%22>;index=1.1;rc=1, <sip:vm@10.0.0.9>;index=1.2;mp=1',
    });
    const r = describeDeposit(req);
    assert.deepEqual(r.candidates, ['2000']);
    assert.equal(r.reason, 'busy');
    assert.equal(r.calledNumber, '2000');
  });

  test('Diversion reason tokens map onto our reasons', () => {
    const table: [string, string][] = [
      ['user-busy', 'busy'],
      ['no-answer', 'no-answer'],
      ['unavailable', 'unavailable'],
      ['unconditional', 'unconditional'],
      ['time-of-day', 'time-of-day'],
      ['do-not-disturb', 'do-not-disturb'],
      ['deflection', 'deflection'],
      ['out-of-service', 'unavailable'],
      ['away', 'unavailable'],
      ['follow-me', 'unknown'],
      ['unknown', 'unknown'],
      ['send_to_vm', 'unknown'],
      ['"486"', 'busy'],
    ];
    for (const [token, reason] of table) {
      const r = describeDeposit(invite('sip:vm@10.0.0.9', { Diversion: `<sip:100@pbx>;reason=${token}` }));
      assert.equal(r.reason, reason, token);
    }
  });

  test('privacy: Privacy: id hides the asserted identity; anonymous From gives nothing', () => {
    const req = invite('sip:100@10.0.0.9', {
      From: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=x',
      'P-Asserted-Identity': '"Secret Caller" <sip:+79160000000@pbx>',
      Privacy: 'id',
    });
    const r = describeDeposit(req);
    assert.equal(r.callerNumber, null);
    assert.equal(r.callerName, null);
    const open = describeDeposit(invite('sip:100@10.0.0.9', { 'P-Asserted-Identity': '"Known" <sip:+79160000000@pbx>' }));
    assert.equal(open.callerNumber, '+79160000000');
    assert.equal(open.callerName, 'Known');
  });

  test('display names that are not UTF-8 stay readable as latin1', () => {
    const text = 'INVITE sip:100@10.0.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-l1\r\n' + 'From: "Ren\xe9" <sip:300@10.0.0.2>;tag=a\r\nTo: <sip:100@10.0.0.9>\r\nCall-ID: l1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    const r = parseMessage(Buffer.from(text, 'latin1'), { limits: DEFAULT_SIP_LIMITS, datagram: true });
    assert.ok(r.ok && r.value.kind === 'request');
    assert.equal(describeDeposit(r.value).callerName, 'René');
  });

  test('malformed Diversion / History-Info are reported and skipped, never thrown', () => {
    const r = describeDeposit(
      invite('sip:100@10.0.0.9', {
        Diversion: '<sip:200@pbx;reason=no-answer',
        'History-Info': '<sip:300@pbx>;index=x',
      }),
    );
    assert.deepEqual(r.candidates, ['100']);
    assert.equal(r.reason, 'unknown');
    assert.equal(r.problems.length, 2);
  });

  test('service names are never candidates; no mailbox at all gives an empty list', () => {
    const r = describeDeposit(invite('sip:VoiceMail@10.0.0.9', { To: '<sip:vm@10.0.0.9>' }));
    assert.deepEqual(r.candidates, []);
    assert.equal(r.calledNumber, null);
    const custom = describeDeposit(invite('sip:8000@10.0.0.9', {}), { serviceNames: ['8000'] });
    assert.deepEqual(custom.candidates, []);
  });

  test('never throws on arbitrary Diversion / History-Info / P-Asserted-Identity text', () => {
    const value = fc.string({ maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, ' ').trim() || 'x');
    fc.assert(
      fc.property(value, value, value, (d, h, p) => {
        let req: SipRequest;
        try {
          req = invite('sip:100@10.0.0.9', { Diversion: d, 'History-Info': h, 'P-Asserted-Identity': p });
        } catch {
          return;
        }
        const r = describeDeposit(req);
        assert.ok(r.candidates.includes('100'));
      }),
      { numRuns: 800 },
    );
  });
});
