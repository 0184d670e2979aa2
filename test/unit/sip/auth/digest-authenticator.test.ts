/**
 * DigestAuthenticator (RFC 3261 §22 with RFC 8760 / RFC 7616): the RFC example
 * vectors, then challenge/verify round trips on parsed SIP requests with a manual
 * clock: stale nonces, replayed nonce counts, wrong realm/uri/password, garbage.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../../src/shared/clock.js';
import { parseDigestCredentials } from '../../../../src/sip/auth/credentials.js';
import { digestResponse, type DigestAlgorithm } from '../../../../src/sip/auth/digest-algorithm.js';
import { DigestAuthenticator, type DigestAuthenticatorOptions } from '../../../../src/sip/auth/digest-authenticator.js';
import { ReplayGuard } from '../../../../src/sip/auth/replay-guard.js';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import type { SipRequest } from '../../../../src/sip/message/types.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';

describe('digest computations: RFC example vectors', () => {
  // RFC 7616 §3.9.1: the same request under SHA-256 and MD5 (password "Circle of Life").
  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    qop: 'auth',
  } as const;

  test('RFC 7616 §3.9.1, SHA-256', () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  test('RFC 7616 §3.9.1, MD5', () => {
    assert.equal(digestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  });

  test('RFC 2617 §3.5, MD5 with qop=auth', () => {
    const r = digestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      nc: '00000001',
      cnonce: '0a4f113b',
      qop: 'auth',
    });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });

  test('the RFC 7616 Authorization header parses to those directives', () => {
    const c = parseDigestCredentials(
      'Digest username="Mufasa",\t realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
        'qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    assert.ok(c.ok, c.ok ? '' : c.error);
    assert.equal(c.value.username, 'Mufasa');
    assert.equal(c.value.algorithm, 'SHA-256');
    assert.equal(c.value.nc, '00000001');
    assert.equal(c.value.qop, 'auth');
    assert.equal(c.value.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  });

  test('quoted-pair escapes are undone; duplicates and junk are refused', () => {
    const c = parseDigestCredentials('Digest username="a\\"b", realm="r", nonce="n", uri="sip:x@y", response="00"');
    assert.ok(c.ok);
    assert.equal(c.value.username, 'a"b');
    assert.equal(c.value.algorithm, 'MD5', 'RFC 7616 §3.4: MD5 when algorithm is absent');
    assert.equal(parseDigestCredentials('Digest realm="a", realm="b", username="u", nonce="n", uri="u", response="r"').ok, false);
    assert.equal(parseDigestCredentials('Digest username="u" realm="r"').ok, false);
    assert.equal(parseDigestCredentials('Digest username="unterminated').ok, false);
    const basic = parseDigestCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(basic.ok ? '' : basic.error, 'not-digest');
  });
});

const REALM = 'voxmail.test';
const USERS: Record<string, string> = { '100': 'secret-100', Иван: 'пароль' };

function authenticator(extra: Partial<DigestAuthenticatorOptions> = {}): { auth: DigestAuthenticator; clock: ManualClock; lookups: string[] } {
  const clock = new ManualClock();
  clock.advance(1_000_000);
  const lookups: string[] = [];
  const auth = new DigestAuthenticator({
    realm: REALM,
    clock,
    nonceTtlMs: 60_000,
    lookup: (u) => {
      lookups.push(u);
      const p = USERS[u];
      return p === undefined ? null : { password: p };
    },
    ...extra,
  });
  return { auth, clock, lookups };
}

const REQUEST_URI = 'sip:100@127.0.0.1:5070';

/** An INVITE (or another method) as the parser gives it, with these Authorization values. */
function request(authorization: readonly string[], method = 'INVITE', uri = REQUEST_URI): SipRequest {
  const text =
    `${method} ${uri} SIP/2.0\r\n` +
    'Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-auth-1;rport\r\n' +
    'From: <sip:caller@127.0.0.1>;tag=abc\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: auth-test@127.0.0.1\r\n' +
    `CSeq: 2 ${method}\r\nMax-Forwards: 70\r\n` +
    authorization.map((a) => `Authorization: ${a}\r\n`).join('') +
    'Content-Length: 0\r\n\r\n';
  // Header text is wire bytes as latin1 chars (credentials() writes UTF-8 that way).
  const r = parseMessage(Buffer.from(text, 'latin1'), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok && r.value.kind === 'request', r.ok ? 'not a request' : r.error.reason);
  return r.value;
}

interface ClientOptions {
  algorithm?: DigestAlgorithm;
  username?: string;
  password?: string;
  realm?: string;
  uri?: string;
  method?: string;
  nc?: string;
  nonce: string;
  cnonce?: string;
}

/** What a phone sends back: the Authorization value for a nonce (username/password as UTF-8). */
function credentials(o: ClientOptions): string {
  const algorithm = o.algorithm ?? 'SHA-256';
  const username = Buffer.from(o.username ?? '100', 'utf8').toString('latin1');
  const realm = o.realm ?? REALM;
  const uri = o.uri ?? REQUEST_URI;
  const nc = o.nc ?? '00000001';
  const cnonce = o.cnonce ?? 'c0ffee42';
  const response = digestResponse({
    algorithm,
    username,
    realm,
    password: o.password ?? USERS['100']!,
    method: o.method ?? 'INVITE',
    uri,
    nonce: o.nonce,
    nc,
    cnonce,
    qop: 'auth',
  });
  return `Digest username="${username}", realm="${realm}", nonce="${o.nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}, cnonce="${cnonce}", qop=auth, nc=${nc}`;
}

function nonceOf(auth: DigestAuthenticator, stale = false): string {
  const h = auth.challenge(stale);
  const m = /nonce="([^"]+)"/.exec(h[0]![1]);
  assert.ok(m);
  return m[1]!;
}

describe('DigestAuthenticator', () => {
  test('challenge: one WWW-Authenticate per algorithm, SHA-256 first, same nonce, qop="auth"', () => {
    const { auth } = authenticator();
    const h = auth.challenge();
    assert.equal(h.length, 2);
    assert.deepEqual(h.map(([n]) => n), ['WWW-Authenticate', 'WWW-Authenticate']);
    assert.match(h[0]![1], /^Digest realm="voxmail\.test", nonce="[A-Za-z0-9_-]{42}", algorithm=SHA-256, qop="auth"$/);
    assert.match(h[1]![1], /^Digest realm="voxmail\.test", nonce="[A-Za-z0-9_-]{42}", algorithm=MD5, qop="auth"$/);
    assert.equal(/nonce="([^"]+)"/.exec(h[0]![1])![1], /nonce="([^"]+)"/.exec(h[1]![1])![1]);
    assert.match(auth.challenge(true)[0]![1], /, stale=true$/);
    assert.notEqual(nonceOf(auth), nonceOf(auth), 'every challenge has a new nonce');
  });

  test('valid SHA-256 and MD5 credentials are accepted', () => {
    const { auth } = authenticator();
    for (const algorithm of ['SHA-256', 'MD5'] as const) {
      const v = auth.verify(request([credentials({ algorithm, nonce: nonceOf(auth) })]));
      assert.deepEqual(v, { ok: true, username: '100' });
    }
  });

  test('a UTF-8 username reaches lookup as text', () => {
    const { auth, lookups } = authenticator();
    const v = auth.verify(request([credentials({ username: 'Иван', password: 'пароль', nonce: nonceOf(auth) })]));
    assert.deepEqual(v, { ok: true, username: 'Иван' });
    assert.deepEqual(lookups, ['Иван']);
  });

  test('no Authorization, another realm, another scheme: missing', () => {
    const { auth } = authenticator();
    const nonce = nonceOf(auth);
    for (const a of [[], [credentials({ nonce, realm: 'pbx.example.com' })]]) {
      const v = auth.verify(request(a));
      assert.equal(v.ok ? 'ok' : v.reason, 'missing');
    }
    // Credentials for a proxy's realm next to ours: ours are found.
    const both = auth.verify(request([credentials({ nonce, realm: 'pbx.example.com' }), credentials({ nonce })]));
    assert.equal(both.ok, true);
  });

  test('wrong password and unknown user are the same answer, after the same lookup', () => {
    const { auth, lookups } = authenticator();
    const wrong = auth.verify(request([credentials({ nonce: nonceOf(auth), password: 'guess' })]));
    const unknown = auth.verify(request([credentials({ nonce: nonceOf(auth), username: '999', password: 'guess' })]));
    assert.deepEqual(wrong, unknown);
    assert.equal(wrong.ok ? '' : wrong.reason, 'invalid');
    assert.deepEqual(lookups, ['100', '999']);
  });

  test('uri other than the Request-URI: invalid; the same URI respelled: accepted', () => {
    const { auth } = authenticator();
    const other = auth.verify(request([credentials({ nonce: nonceOf(auth), uri: 'sip:200@127.0.0.1:5070' })]));
    assert.equal(other.ok ? '' : other.reason, 'invalid');
    // The digest is over what the client wrote; the comparison is RFC 3261 §19.1.4's.
    const uri = 'sip:100@127.0.0.1:5070;Transport=UDP';
    const respelled = auth.verify(request([credentials({ nonce: nonceOf(auth), uri: 'sip:%31%30%30@127.0.0.1:5070;transport=udp' })], 'INVITE', uri));
    assert.equal(respelled.ok, true, JSON.stringify(respelled));
  });

  test('the digest covers the method: credentials made for another method are invalid', () => {
    const { auth } = authenticator();
    const v = auth.verify(request([credentials({ nonce: nonceOf(auth), method: 'REGISTER' })]));
    assert.equal(v.ok ? '' : v.reason, 'invalid');
  });

  test('an expired nonce with a right digest is stale; with a wrong one, invalid', () => {
    const { auth, clock } = authenticator();
    const nonce = nonceOf(auth);
    clock.advance(60_001);
    const stale = auth.verify(request([credentials({ nonce })]));
    assert.equal(stale.ok ? '' : stale.reason, 'stale');
    const wrong = auth.verify(request([credentials({ nonce, password: 'guess' })]));
    assert.equal(wrong.ok ? '' : wrong.reason, 'invalid');
    // Just within the lifetime is fine.
    const n2 = nonceOf(auth);
    clock.advance(60_000);
    assert.equal(auth.verify(request([credentials({ nonce: n2 })])).ok, true);
  });

  test('nonces are bound to their issuer: another instance (same secret) or a forged nonce is stale', () => {
    const secret = Buffer.alloc(32, 7);
    const a = authenticator({ secret });
    const b = authenticator({ secret });
    const fromA = nonceOf(a.auth);
    const v = b.auth.verify(request([credentials({ nonce: fromA })]));
    assert.equal(v.ok ? '' : v.reason, 'stale');
    const forged = fromA.slice(0, 20) + (fromA[20] === 'A' ? 'B' : 'A') + fromA.slice(21);
    const f = a.auth.verify(request([credentials({ nonce: forged })]));
    assert.equal(f.ok ? '' : f.reason, 'stale');
    const garbage = a.auth.verify(request([credentials({ nonce: 'not-a-nonce-of-ours' })]));
    assert.equal(garbage.ok ? '' : garbage.reason, 'stale');
  });

  test('replayed or non-increasing nonce counts are refused (stale), increasing ones accepted', () => {
    const { auth } = authenticator();
    const nonce = nonceOf(auth);
    const first = request([credentials({ nonce, nc: '00000001' })]);
    assert.equal(auth.verify(first).ok, true);
    const replay = auth.verify(first);
    assert.equal(replay.ok ? '' : replay.reason, 'stale');
    assert.equal(auth.verify(request([credentials({ nonce, nc: '00000003', cnonce: 'x' })])).ok, true);
    const back = auth.verify(request([credentials({ nonce, nc: '00000002', cnonce: 'y' })]));
    assert.equal(back.ok ? '' : back.reason, 'stale');
    assert.equal(auth.verify(request([credentials({ nonce, nc: '0000000a', cnonce: 'z' })])).ok, true);
  });

  test('what we never offer is invalid: no qop, auth-int, MD5-sess, SHA-256 when only MD5 is offered, nc 0', () => {
    const { auth } = authenticator();
    const nonce = nonceOf(auth);
    const good = credentials({ nonce });
    const variants = [
      good.replace(', qop=auth', ''),
      good.replace('qop=auth', 'qop=auth-int'),
      good.replace('algorithm=SHA-256', 'algorithm=SHA-256-sess'),
      good.replace('nc=00000001', 'nc=00000000'),
      good.replace('nc=00000001', 'nc=1'),
      good.replace(/cnonce="[^"]*"/, 'cnonce=""'),
      good.replace(/response="([0-9a-f]+)"/, 'response="$1aa"'),
      `${good}, userhash=true`,
    ];
    for (const a of variants) {
      const v = auth.verify(request([a]));
      assert.equal(v.ok ? '' : v.reason, 'invalid', a);
    }
    const md5only = authenticator({ algorithms: ['MD5'] });
    assert.equal(md5only.auth.challenge().length, 1);
    const v = md5only.auth.verify(request([credentials({ nonce: nonceOf(md5only.auth) })]));
    assert.equal(v.ok ? '' : v.reason, 'invalid');
  });

  test('upper-case hex in response is tolerated', () => {
    const { auth } = authenticator();
    const a = credentials({ nonce: nonceOf(auth), algorithm: 'MD5' }).replace(/response="([0-9a-f]+)"/, (_m, h: string) => `response="${h.toUpperCase()}"`);
    assert.equal(auth.verify(request([a])).ok, true);
  });

  test('garbage Authorization values never throw and never authenticate', () => {
    const { auth } = authenticator();
    const nonce = nonceOf(auth);
    const good = credentials({ nonce });
    const arbText = fc.string({ unit: 'binary', maxLength: 600 }).map((s) => s.replace(/[\r\n]/g, ' '));
    fc.assert(
      fc.property(
        fc.oneof(
          arbText,
          arbText.map((s) => `Digest ${s}`),
          fc.tuple(fc.nat({ max: good.length }), arbText).map(([at, s]) => good.slice(0, at) + s + good.slice(at)),
          fc.tuple(fc.nat({ max: good.length }), fc.nat({ max: 40 })).map(([at, n]) => good.slice(0, at) + good.slice(at + n + 1)),
        ),
        (value) => {
          // Straight through the credentials parser (any string), then through verify().
          parseDigestCredentials(value);
          let req: SipRequest;
          try {
            req = request([value.trim() === '' ? 'x' : value]);
          } catch {
            return; // not a header the SIP parser accepts: it never reaches us
          }
          const v = auth.verify(req);
          // A mutation may leave a valid header (e.g. whitespace); it must then be the real one.
          if (v.ok) assert.equal(v.username, '100');
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('oversized values are refused quickly', () => {
    const { auth } = authenticator();
    const huge = `Digest username="${'a'.repeat(5000)}", realm="${REALM}"`;
    const t0 = performance.now();
    const v = auth.verify(request([huge]));
    assert.equal(v.ok ? '' : v.reason, 'invalid');
    assert.ok(performance.now() - t0 < 50);
  });

  test('options are checked', () => {
    assert.throws(() => authenticator({ realm: 'bad"\r\nrealm' }), RangeError);
    assert.throws(() => authenticator({ secret: Buffer.alloc(4) }), RangeError);
    assert.throws(() => authenticator({ algorithms: [] }), RangeError);
    assert.throws(() => authenticator({ algorithms: ['MD5', 'MD5'] }), RangeError);
  });
});

describe('ReplayGuard', () => {
  test('keeps the highest nc per nonce', () => {
    const g = new ReplayGuard(10, 1000);
    assert.equal(g.accept('n', 0, 1, 0), true);
    assert.equal(g.accept('n', 0, 1, 0), false);
    assert.equal(g.accept('n', 0, 5, 0), true);
    assert.equal(g.accept('n', 0, 4, 0), false);
  });

  test('bounded; a dropped live nonce cannot be replayed (watermark)', () => {
    const g = new ReplayGuard(2, 1000);
    assert.equal(g.accept('a', 10, 1, 20), true);
    assert.equal(g.accept('b', 11, 1, 20), true);
    assert.equal(g.accept('c', 12, 1, 20), true); // drops 'a' (live): watermark 10
    assert.equal(g.size, 2);
    assert.equal(g.accept('a', 10, 2, 20), false, 'a forgotten live nonce is refused');
    assert.equal(g.accept('d', 13, 1, 20), true, 'newer nonces are fine');
  });

  test('dropping an expired nonce does not move the watermark', () => {
    const g = new ReplayGuard(1, 100);
    assert.equal(g.accept('a', 0, 1, 0), true);
    assert.equal(g.accept('b', 500, 1, 500), true); // drops 'a', expired at 500
    assert.equal(g.accept('c', 400, 1, 500), true, 'issued after a only, which had expired');
  });
});
