import { randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { SipRequest } from '../message/types.js';
import { decodeUriPart, parseUri, type Uri } from '../message/uri.js';
import { parseDigestCredentials, quote, type DigestCredentials } from './credentials.js';
import { DIGEST_ALGORITHMS, DIGEST_HEX_LENGTH, digestAlgorithmOf, digestResponse, type DigestAlgorithm } from './digest-algorithm.js';
import { NonceIssuer } from './nonce.js';
import { ReplayGuard } from './replay-guard.js';

export interface DigestAuthenticatorOptions {
  /** The protection space, shown to users by phones. Printable ASCII. */
  readonly realm: string;
  /** HMAC key for nonces (at least 16 bytes); random when absent. */
  readonly secret?: Buffer;
  /**
   * The password of a user, or null when there is no such user. Unknown users and
   * wrong passwords get the same answer after the same work.
   */
  readonly lookup: (username: string) => { readonly password: string } | null;
  /** How long a nonce is accepted; older ones get `stale`. Default 300 000 (5 min). */
  readonly nonceTtlMs?: number;
  /** Algorithms offered, most preferred first (one WWW-Authenticate each). Default SHA-256, MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Nonces whose counts are remembered for replay detection. Default 10 000. */
  readonly replayCapacity?: number;
  readonly clock?: Clock;
}

export type DigestFailure = 'missing' | 'stale' | 'invalid';

export type DigestVerifyResult =
  | { readonly ok: true; readonly username: string }
  /** `detail` is for logs only: never send it to the peer. */
  | { readonly ok: false; readonly reason: DigestFailure; readonly detail: string };

/** How many Authorization fields of one request we look at. */
const MAX_AUTHORIZATION_FIELDS = 8;

/**
 * SIP digest authentication for a UAS (RFC 3261 §22, updated by RFC 8760): builds the
 * 401 challenge and verifies the Authorization of the retried request.
 *
 * - Challenge: one `WWW-Authenticate` per algorithm, SHA-256 first then MD5, each with
 *   qop="auth" and the same stateless nonce (RFC 8760 §2.3: a UAS lists its
 *   algorithms in its order of preference).
 * - Verify: credentials for our realm, qop=auth with cnonce and nc, a supported
 *   algorithm, a `uri` that is the Request-URI (RFC 3261 §22.4), then the response
 *   compared in constant time. Only when the response is right do we look at the
 *   nonce: expired, unknown (e.g. from before a restart) or replayed (nc not above the
 *   last one seen) give `stale`, so the 401 says `stale=true` and the phone retries
 *   without asking its user (RFC 7616 §3.3: stale only "with a valid digest").
 *
 * The application decides what to do with a failure: typically 401 with
 * `challenge(reason === 'stale')`, and 403 after repeated `invalid` answers.
 */
export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly lookup: DigestAuthenticatorOptions['lookup'];
  private readonly clock: Clock;
  private readonly nonces: NonceIssuer;
  private readonly replay: ReplayGuard;
  /** Hashed for unknown users, so they cost what a wrong password costs. */
  private readonly dummyPassword = randomBytes(12).toString('base64');

  constructor(options: DigestAuthenticatorOptions) {
    if (!/^[\x20-\x7e]{1,128}$/.test(options.realm)) throw new RangeError('realm must be 1–128 printable ASCII characters');
    if (options.secret !== undefined && options.secret.length < 16) throw new RangeError('secret must be at least 16 bytes');
    const algorithms = options.algorithms ?? DIGEST_ALGORITHMS;
    if (algorithms.length === 0 || new Set(algorithms).size !== algorithms.length) {
      throw new RangeError('algorithms must list each algorithm at most once, and at least one');
    }
    const ttl = options.nonceTtlMs ?? 300_000;
    if (!(ttl > 0)) throw new RangeError('nonceTtlMs must be positive');
    this.realm = options.realm;
    this.algorithms = [...algorithms];
    this.lookup = options.lookup;
    this.clock = options.clock ?? systemClock;
    this.nonces = new NonceIssuer(options.secret ?? randomBytes(32), this.clock, ttl);
    this.replay = new ReplayGuard(options.replayCapacity ?? 10_000, ttl);
  }

  /**
   * Header fields for a 401: `WWW-Authenticate` once per algorithm, best first.
   * @see RFC 3261 §22.1, §20.44; RFC 8760 §2.3; RFC 7616 §3.3
   */
  challenge(stale = false): Array<[string, string]> {
    const nonce = this.nonces.issue();
    return this.algorithms.map((a) => [
      'WWW-Authenticate',
      `Digest realm=${quote(this.realm)}, nonce="${nonce}", algorithm=${a}, qop="auth"${stale ? ', stale=true' : ''}`,
    ]);
  }

  /** Check the request's credentials. Never throws on anything the peer sent. */
  verify(request: SipRequest): DigestVerifyResult {
    const fields = request.headers.getAll('authorization');
    let creds: DigestCredentials | null = null;
    let problem: string | null = null;
    for (const field of fields.slice(0, MAX_AUTHORIZATION_FIELDS)) {
      const c = parseDigestCredentials(field);
      if (!c.ok) {
        if (c.error !== 'not-digest') problem ??= `unparseable Authorization: ${c.error}`;
        continue;
      }
      // Credentials for another realm (a proxy's) are not for us (RFC 3261 §22.3).
      if (c.value.realm === this.realm) {
        creds = c.value;
        break;
      }
    }
    if (!creds) return problem ? fail('invalid', problem) : fail('missing', fields.length === 0 ? 'no Authorization' : 'no credentials for our realm');

    const algorithm = digestAlgorithmOf(creds.algorithm);
    if (algorithm === null || !this.algorithms.includes(algorithm)) return fail('invalid', `algorithm ${creds.algorithm} is not offered`);
    if (creds.userhash) return fail('invalid', 'userhash is not offered');
    if (creds.qop?.toLowerCase() !== 'auth') return fail('invalid', 'qop must be auth');
    if (creds.cnonce === null || creds.cnonce.length === 0) return fail('invalid', 'cnonce is missing');
    const ncText = creds.nc ?? '';
    const nc = parseNonceCount(ncText);
    if (nc === null) return fail('invalid', 'nc is not 8 hex digits above zero');
    const given = creds.response.toLowerCase();
    if (given.length !== DIGEST_HEX_LENGTH[algorithm] || !/^[0-9a-f]+$/.test(given)) return fail('invalid', 'response is not a digest of that algorithm');
    if (!sameUri(creds.uri, request.uri)) return fail('invalid', 'uri is not the Request-URI');

    // From here on the work is the same whether or not the user exists.
    const username = wireText(creds.username);
    const user = this.lookup(username);
    const expected = digestResponse({
      algorithm,
      username: creds.username,
      realm: creds.realm,
      password: user?.password ?? this.dummyPassword,
      method: request.method,
      uri: creds.uri,
      nonce: creds.nonce,
      nc: ncText,
      cnonce: creds.cnonce,
      qop: 'auth',
    });
    const match = timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(given, 'latin1'));
    if (!match || user === null) return fail('invalid', 'wrong username or password');

    const n = this.nonces.check(creds.nonce);
    if (n.status !== 'fresh') return fail('stale', `nonce is ${n.status}`);
    if (!this.replay.accept(creds.nonce, n.issuedAt, nc, this.clock.now())) return fail('stale', 'nonce count replayed');
    return { ok: true, username };
  }
}

function fail(reason: DigestFailure, detail: string): DigestVerifyResult {
  return { ok: false, reason, detail };
}

/** nc-value = 8LHEX, above zero (RFC 7616 §3.4). */
function parseNonceCount(nc: string): number | null {
  if (!/^[0-9a-fA-F]{8}$/.test(nc)) return null;
  const n = parseInt(nc, 16);
  return n > 0 ? n : null;
}

/**
 * The digest `uri` must be the Request-URI (RFC 3261 §22.4 / RFC 7616 §3.4.6): the
 * same text, or the same SIP URI by RFC 3261 §19.1.4 for what a UA may respell
 * (case of scheme and host, escaping of the user, parameter order and case).
 */
function sameUri(digestUri: string, requestUri: Uri): boolean {
  if (digestUri === requestUri.raw) return true;
  if (requestUri.kind !== 'sip') return false;
  const d = parseUri(digestUri);
  if (!d.ok || d.value.kind !== 'sip') return false;
  const a = d.value;
  const b = requestUri;
  if (a.scheme !== b.scheme || a.port !== b.port || a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (decodeUriPart(a.user ?? '') !== decodeUriPart(b.user ?? '') || a.password !== b.password) return false;
  if (a.params.size !== b.params.size || a.headers !== b.headers) return false;
  for (const [k, v] of a.params) {
    if (!b.params.has(k)) return false;
    const w = b.params.get(k) ?? null;
    if ((v === null) !== (w === null) || (v !== null && w !== null && decodeUriPart(v).toLowerCase() !== decodeUriPart(w).toLowerCase())) return false;
  }
  return true;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Wire bytes (latin1 string) as text: UTF-8 when they are valid UTF-8, else latin1. */
function wireText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  try {
    return UTF8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}
