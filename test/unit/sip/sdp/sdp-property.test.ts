/**
 * Property tests: whatever bytes arrive, the parser and the negotiation never throw,
 * finish quickly, and anything the parser accepts survives serialize -> parse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import {
  acceptAnswer,
  answerOffer,
  answerReoffer,
  createOffer,
  parseSdp,
  SDP_LIMITS,
  serializeSdp,
} from '../../../../src/sip/sdp/index.js';
import { ASTERISK, BARESIP, CISCO, IPV6, LINPHONE, LOCAL, POLYCOM, SIPP, tortureFilesWithSdp, tortureSdp } from './fixtures.js';

/**
 * Generous on purpose: a linear parse of 64 KiB takes about a millisecond; this only
 * catches super-linear blow-ups (regex backtracking, quadratic loops), not slowness on
 * a busy shared machine.
 */
const BOUND_MS = 250;

const CORPUS: string[] = [
  SIPP,
  BARESIP,
  ASTERISK,
  LINPHONE,
  CISCO,
  POLYCOM,
  IPV6,
  ...tortureFilesWithSdp().map((f) => tortureSdp(f)!.toString('latin1')),
];

const OUR_OFFER = createOffer(LOCAL);

/** Parses `input` and checks every invariant; returns whether it parsed. */
function checkInput(input: string | Buffer): boolean {
  const started = performance.now();
  const result = parseSdp(input);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < BOUND_MS, `parse took ${elapsed.toFixed(1)} ms`);
  if (!result.ok) {
    assert.equal(typeof result.error, 'string');
    assert.ok(!result.error.startsWith('internal'), result.error);
    return false;
  }
  const sd = result.value;

  // Round trip (inputs here are far below the limits, so the longer CRLF output fits).
  const text = serializeSdp(sd);
  const again = parseSdp(text);
  if (!again.ok) assert.fail(`serialized SDP does not parse: ${again.error}\n${text}`);
  assert.deepEqual(again.value, sd);
  assert.equal(serializeSdp(again.value), text);

  // Negotiation on hostile but parseable input: a result, never an exception.
  const answered = answerOffer(sd, LOCAL);
  if (answered.ok) {
    assert.equal(answered.value.answer.media.length, sd.media.length);
    assert.ok(parseSdp(serializeSdp(answered.value.answer)).ok);
    const { ptime, remotePort, direction } = answered.value.media;
    assert.ok(ptime >= 10 && ptime <= 60);
    assert.ok(remotePort > 0 && remotePort <= 65535);
    assert.ok(['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(direction));
    const again2 = answerReoffer(answered.value.answer, sd, LOCAL);
    assert.ok(again2.ok && again2.value.answer === answered.value.answer);
  } else {
    assert.equal(answered.error.status, 488);
  }
  const accepted = acceptAnswer(OUR_OFFER, sd);
  assert.equal(typeof accepted.ok, 'boolean');
  assert.equal(typeof acceptAnswer(sd, sd).ok, 'boolean');
  return true;
}

/** Tokens that reach the interesting branches far more often than random text does. */
const TOKEN = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(
    '0', '8', '18', '96', '101', '127', '128', '65535', '65536', '-1', '00', '20.5', '1e3',
    'IN', 'IP4', 'IP6', 'ip4', 'X25', '0.0.0.0', '::', '192.0.2.1', '2001:db8::1', 'example.com',
    '224.2.1.1/127/3', 'ff15::1/3', '1.2.3.4/', '/', '/0', '6000/2',
    'audio', 'video', 'AUDIO', 'RTP/AVP', 'RTP/SAVP', 'rtpmap:0', 'rtpmap:96', 'rtpmap:101', 'PCMU/8000',
    'PCMA/8000', 'pcmu/8000/1', 'PCMU/8000/2', 'telephone-event/8000', 'telephone-event/48000',
    'fmtp:101', '0-15', 'ptime:20', 'ptime:', 'maxptime:5', 'sendrecv', 'sendonly', 'recvonly',
    'inactive', 'rtcp:5001', 'rtcp:99999', 'rtcp-mux', 'AS:64', 'AS:', ':', '', '\u00e9', '\uFFFD',
  ) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

const VALUE = fc
  .tuple(fc.array(TOKEN, { maxLength: 8 }), fc.constantFrom(' ', ' ', '  ', '\t', '/', ':', ''))
  .map(([tokens, sep]) => tokens.join(sep));

const LINE = fc
  .tuple(
    fc.constantFrom(
      ...['a', 'a', 'a', 'a', 'a', 'm', 'm', 'c', 'c', 'b', 't', 's', 'i', 'u', 'e', 'p', 'r', 'z', 'k'],
      ...['v', 'o', 'x', 'M', '1', ' '],
    ),
    fc.constantFrom('=', '=', '=', '=', '=', '=', '=', '= ', ' =', ''),
    VALUE,
    fc.constantFrom('', '', ' ', '\t', '\r'),
  )
  .map(([type, eq, value, tail]) => `${type}${eq}${value}${tail}`);

/** SDP-shaped documents: usually a valid head, then random lines. */
const SDP_LIKE = fc
  .tuple(
    fc.constantFrom(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.1'], ['v=0', 'o=a b c d e f'], ['v=0'], []),
    fc.array(LINE, { maxLength: 30 }),
    fc.constantFrom('\r\n', '\r\n', '\n', '\n', '\r'),
  )
  .map(([head, lines, eol]) => [...head, ...lines].join(eol));

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'replaceLine'; line: number; text: string };

const MUTATION: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(LINE, fc.string({ unit: 'binary', maxLength: 6 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('replaceLine' as const), line: fc.nat(), text: LINE }),
);

function mutate(text: string, mutation: Mutation): string {
  const lines = text.split('\n');
  const pick = (n: number): number => n % Math.max(1, lines.length);
  switch (mutation.kind) {
    case 'insert': {
      const at = mutation.at % (text.length + 1);
      return text.slice(0, at) + mutation.text + text.slice(at);
    }
    case 'delete': {
      const at = mutation.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + mutation.length);
    }
    case 'duplicateLine': {
      const i = pick(mutation.line);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 'swapLines': {
      const a = pick(mutation.a);
      const b = pick(mutation.b);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'replaceLine':
      lines[pick(mutation.line)] = mutation.text;
      return lines.join('\n');
  }
}

describe('SDP properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (s) => {
        checkInput(s);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        checkInput(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on SDP-shaped documents, and round-trips those it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(SDP_LIKE, (s) => {
        if (checkInput(s)) accepted++;
      }),
      { numRuns: 2000 },
    );
    // Make sure the generator reaches past the first lines, or the property says little.
    assert.ok(accepted > 100, `only ${accepted} generated documents parsed`);
  });

  it('never throws on mutated real offers, and round-trips those it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...CORPUS), fc.array(MUTATION, { minLength: 1, maxLength: 6 }), (base, mutations) => {
        const text = mutations.reduce(mutate, base);
        if (checkInput(text)) accepted++;
        checkInput(Buffer.from(text, 'latin1'));
      }),
      { numRuns: 2000 },
    );
    assert.ok(accepted > 400, `only ${accepted} mutated offers parsed`);
  });

  it('keeps the real corpus valid under the same checks', () => {
    for (const text of CORPUS) {
      if (text.includes('m =video')) assert.equal(checkInput(text), false);
      else assert.equal(checkInput(text), true, text);
    }
  });
});

describe('SDP worst cases stay linear', () => {
  const head = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
  const room = SDP_LIMITS.maxBytes - head.length - 40;
  const cases: Array<[string, string]> = [
    ['blanks inside a line', `${head}a=x${' '.repeat(room)}y`],
    ['blanks at the end of a line', `${head}a=x${' '.repeat(room)}`],
    ['tabs inside rtpmap', `${head}a=rtpmap:0${'\t'.repeat(room)}PCMU/8000 x`],
    ['a long rtpmap name', `${head}a=rtpmap:0 ${'P'.repeat(room)}`],
    ['a long fmtp', `${head}a=fmtp:0 ${'; a'.repeat(room / 3)}`],
    ['slashes in c=', `${head}c=IN IP4 ${'/'.repeat(room)}`],
    ['many formats', `${head}m=audio 1 RTP/AVP ${'0 '.repeat(room / 2)}`],
    ['a long o= line', `v=0\r\no=${'a '.repeat(room / 2)}1 1 IN IP4 1.2.3.4`],
    ['digits in t=', `v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nt=${'1'.repeat(room)} 0`],
    ['colons in b=', `${head}b=${':'.repeat(room)}`],
    ['max lines of attributes', head + 'a=rtpmap:96 PCMU/8000\r\n'.repeat(SDP_LIMITS.maxLines - 7)],
    ['max m-lines', `${head}${'m=audio 0 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n'.repeat(63)}`],
    ['line breaks only', '\n'.repeat(SDP_LIMITS.maxBytes)],
  ];
  for (const [name, text] of cases) {
    it(`${name} (${text.length} chars)`, () => {
      assert.ok(Buffer.byteLength(text) <= SDP_LIMITS.maxBytes, 'case must stay within the size limit');
      const started = performance.now();
      const parsed = parseSdp(text);
      if (parsed.ok) answerOffer(parsed.value, LOCAL);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 4 * BOUND_MS, `took ${elapsed.toFixed(1)} ms`);
    });
  }
});
