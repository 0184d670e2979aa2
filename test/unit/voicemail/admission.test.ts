import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { systemClock } from '../../../src/shared/clock.js';
import { parseMessage } from '../../../src/sip/message/parser.js';
import type { SipRequest } from '../../../src/sip/message/types.js';
import { DEFAULT_SIP_LIMITS, type IncomingCall } from '../../../src/sip/index.js';
import { DepositAdmission, type AdmissionOptions } from '../../../src/voicemail/call/admission.js';
import { rawRequest } from '../../support/raw-request.js';

function invite(user: string, extra = ''): SipRequest {
  const text = rawRequest({ method: 'INVITE', host: '192.0.2.1', port: 5060, clientPort: 5070, callId: 'c1', branch: 'z9hG4bK1', cseq: 1, extra }).replace('sip:100@', `sip:${user}@`);
  const r = parseMessage(Buffer.from(text, 'utf8'), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

/** Admission reads only the source address and the request of a call. */
function callFrom(address: string, request = invite('100')): IncomingCall {
  return { source: { transport: 'udp', remoteAddress: address, remotePort: 5070, localAddress: '192.0.2.1', localPort: 5060, connectionId: null }, request } as unknown as IncomingCall;
}

const base: AdmissionOptions = {
  networks: [
    { cidr: '10.1.0.0/16', tenant: 'acme' },
    { cidr: '10.0.0.0/8', tenant: 'other' },
    { cidr: '2001:db8::/32', tenant: 'v6' },
    { cidr: '192.0.2.7', tenant: 'host' },
  ],
  realm: 'voxmail',
  accounts: [],
  clock: systemClock,
};

describe('DepositAdmission', () => {
  test('a trusted network admits into its tenant; the first matching rule wins', () => {
    const a = new DepositAdmission(base);
    assert.deepEqual(a.admit(callFrom('10.1.2.3')), { ok: true, tenantId: 'acme', by: 'network' });
    assert.deepEqual(a.admit(callFrom('10.9.9.9')), { ok: true, tenantId: 'other', by: 'network' });
    assert.deepEqual(a.admit(callFrom('2001:db8::5')), { ok: true, tenantId: 'v6', by: 'network' });
    assert.deepEqual(a.admit(callFrom('192.0.2.7')), { ok: true, tenantId: 'host', by: 'network' });
    assert.deepEqual(a.admit(callFrom('::ffff:10.1.0.1')), { ok: true, tenantId: 'acme', by: 'network' }, 'IPv4-mapped IPv6 matches as IPv4');
  });

  test('an untrusted source gets the same 403 whatever mailbox it names', () => {
    const a = new DepositAdmission(base);
    const r1 = a.admit(callFrom('192.0.2.8', invite('100')));
    const r2 = a.admit(callFrom('192.0.2.8', invite('no-such-box')));
    assert.deepEqual(r1, { ok: false, status: 403, headers: [] });
    assert.deepEqual(r2, r1);
  });

  test('with digest accounts: a challenge (SHA-256 first, then MD5), then the account\'s tenant', () => {
    const a = new DepositAdmission({ ...base, accounts: [{ username: 'pbx1', password: 'secret-pass', tenant: 'acme' }] });
    const r = a.admit(callFrom('198.51.100.1'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.status, 401);
    const challenges = r.headers.filter(([n]) => n.toLowerCase() === 'www-authenticate').map(([, v]) => v);
    assert.match(challenges[0] ?? '', /algorithm=SHA-256/);
    assert.match(challenges[1] ?? '', /algorithm=MD5/);
    const nonce = /nonce="([^"]+)"/.exec(challenges[1]!)![1]!;
    const uri = 'sip:100@192.0.2.1:5060';
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const ha1 = md5('pbx1:voxmail:secret-pass');
    const ha2 = md5(`INVITE:${uri}`);
    const response = md5(`${ha1}:${nonce}:00000001:abcdef:auth:${ha2}`);
    const auth = `Authorization: Digest username="pbx1", realm="voxmail", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"\r\n`;
    assert.deepEqual(a.admit(callFrom('198.51.100.1', invite('100', auth))), { ok: true, tenantId: 'acme', by: 'digest', username: 'pbx1' });
    const wrong = auth.replace(response, md5('nope'));
    const w = a.admit(callFrom('198.51.100.1', invite('100', wrong)));
    assert.equal(w.ok ? 0 : w.status, 401);
  });
});
