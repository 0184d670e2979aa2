import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import { TORTURE_CASES, TORTURE_DIR } from '../../../support/torture.js';

const opts = { limits: DEFAULT_SIP_LIMITS, datagram: true };

describe('RFC 4475 / RFC 5118 torture messages: parser verdicts', () => {
  test('the table covers all 61 messages exactly once', () => {
    const files = [
      ...readdirSync(path.join(TORTURE_DIR, 'rfc4475')).map((f) => `rfc4475/${f}`),
      ...readdirSync(path.join(TORTURE_DIR, 'rfc5118-wire')).map((f) => `rfc5118-wire/${f}`),
    ].sort();
    assert.equal(files.length, 61);
    assert.deepEqual(TORTURE_CASES.map((c) => c.file).sort(), files);
  });

  for (const tc of TORTURE_CASES) {
    test(`${tc.file} (§${tc.rfc}) → ${tc.parse}: ${tc.why}`, () => {
      const r = parseMessage(readFileSync(path.join(TORTURE_DIR, tc.file)), opts);
      if (tc.parse === 'accept') {
        // "Semantic" failures (415, 416, 420 ...) are decided by the UAS checks after parsing.
        assert.ok(r.ok, `expected accept, got: ${r.ok ? '' : r.error.reason}`);
      } else {
        assert.ok(!r.ok, 'expected the parser to refuse this message');
        const expected = tc.reply.find((x) => typeof x === 'number') ?? 0;
        if (r.error.status !== 0) assert.equal(r.error.status, expected, r.error.reason);
      }
    });
  }
});

describe('RFC 5118 archive form (bare LF, no closing blank line)', () => {
  const dir = path.join(TORTURE_DIR, 'rfc5118');
  for (const f of readdirSync(dir)) {
    // Two archive files print a Content-Length larger than their body: like clerr.dat
    // (RFC 4475 §3.1.2.2) that is refused. Every other one must parse despite bare LFs.
    const clTooLarge = f === 'ipv6-in-sdp.dat' || f === 'mult-ip-in-sdp.dat';
    const expectOk = f !== 'ipv6-bad.dat' && !clTooLarge;
    test(`${f} → ${expectOk ? 'accept' : 'reject'}`, () => {
      const r = parseMessage(readFileSync(path.join(dir, f)), opts);
      assert.equal(r.ok, expectOk, r.ok ? 'accepted' : r.error.reason);
      if (clTooLarge && !r.ok) assert.match(r.error.reason, /Content-Length/);
    });
  }
});

describe('details the torture messages pin down', () => {
  const parse = (f: string) => {
    const r = parseMessage(readFileSync(path.join(TORTURE_DIR, f)), opts);
    assert.ok(r.ok, r.ok ? '' : r.error.reason);
    return r.value;
  };

  test('wsinv: folded headers, compact forms, LWS around / : ; =', () => {
    const m = parse('rfc4475/wsinv.dat');
    assert.equal(m.kind, 'request');
    assert.equal(m.callId, 'wsinv.ndaksdj@192.0.2.1');
    assert.deepEqual(m.cseq, { seq: 9, method: 'INVITE' });
    assert.equal(m.via.length, 3);
    assert.equal(m.via[0]!.transport, 'UDP');
    assert.equal(m.via[0]!.host, '192.0.2.2');
    assert.equal(m.via[1]!.transport, 'TCP');
    assert.equal(m.via[2]!.branch, 'z9hG4bK30239');
    assert.equal(m.from.displayName, 'J Rosenberg \\"');
    assert.equal(m.from.params.get('tag'), '98asjd8');
    assert.equal(m.to.params.get('tag'), '1918181833n');
    assert.equal(m.headers.get('newfangledheader'), 'newfangled value continued newfangled value');
    assert.equal(m.body.length, 150);
    if (m.kind === 'request') assert.equal(m.maxForwards, 68);
  });

  test('intmeth: unusual tokens and a user part full of reserved characters', () => {
    const m = parse('rfc4475/intmeth.dat');
    assert.ok(m.kind === 'request' && m.uri.kind === 'sip');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(m.uri.host, 'example.com');
  });

  test('dblreq: only the first request of the datagram, body cut at Content-Length', () => {
    const m = parse('rfc4475/dblreq.dat');
    assert.equal(m.body.length, 0);
    assert.equal(m.cseq.method, 'REGISTER');
  });

  test('longreq: many Via spellings, long values', () => {
    const m = parse('rfc4475/longreq.dat');
    assert.ok(m.via.length >= 30);
    assert.ok(m.to.displayName!.length > 60);
  });

  test('port-ambiguous: [2001:db8::10:5070] is all address, no port', () => {
    const m = parse('rfc5118-wire/port-ambiguous.dat');
    assert.ok(m.kind === 'request' && m.uri.kind === 'sip');
    assert.equal(m.uri.host, '[2001:db8::10:5070]');
    assert.equal(m.uri.port, null);
    const u = parse('rfc5118-wire/port-unambiguous.dat');
    assert.ok(u.kind === 'request' && u.uri.kind === 'sip');
    assert.equal(u.uri.host, '[2001:db8::10]');
    assert.equal(u.uri.port, 5070);
  });

  test('via received with and without IPv6 brackets', () => {
    const a = parse('rfc5118-wire/via-received-param-with-delim.dat');
    assert.match(a.via[0]!.params.get('received') ?? '', /^\[2001:db8::9:255\]$/);
    const b = parse('rfc5118-wire/via-received-param-no-delim.dat');
    assert.equal(b.via[0]!.params.get('received'), '2001:db8::9:255');
  });

  test('unreason: a UTF-8 reason phrase survives byte for byte', () => {
    const m = parse('rfc4475/unreason.dat');
    assert.ok(m.kind === 'response');
    assert.equal(m.status, 200);
    const bytes = Buffer.from(m.reason, 'latin1');
    assert.ok(readFileSync(path.join(TORTURE_DIR, 'rfc4475/unreason.dat')).includes(bytes));
  });
});
