import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import { serializeMessage } from '../../../../src/sip/message/serializer.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import { TORTURE_DIR } from '../../../support/torture.js';

/** Valid messages to mutate: the accepted torture messages plus typical traffic. */
const seeds: Buffer[] = ['rfc4475', 'rfc5118-wire'].flatMap((d) =>
  readdirSync(path.join(TORTURE_DIR, d)).map((f) => readFileSync(path.join(TORTURE_DIR, d, f))),
);

const LIMIT_MS = 50;

function parseWithinBound(buf: Buffer, datagram: boolean): void {
  const t0 = performance.now();
  let r;
  try {
    r = parseMessage(buf, { limits: DEFAULT_SIP_LIMITS, datagram });
  } catch (e) {
    assert.fail(`parser threw on ${JSON.stringify(buf.toString('latin1').slice(0, 200))}: ${String(e)}`);
  }
  let ms = performance.now() - t0;
  // Super-linear parsing is deterministic, a GC pause or a busy machine is not: a slow
  // parse counts only if it is slow every time.
  for (let i = 0; i < 3 && ms >= LIMIT_MS; i++) {
    const t = performance.now();
    parseMessage(buf, { limits: DEFAULT_SIP_LIMITS, datagram });
    ms = Math.min(ms, performance.now() - t);
  }
  assert.ok(ms < LIMIT_MS, `parse took ${ms.toFixed(1)} ms`);
  if (r.ok) {
    // Whatever parses must serialize and parse again to the same key fields.
    const m = r.value;
    const wire = serializeMessage({
      startLine: m.kind === 'request' ? `${m.method} ${m.uri.raw} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`,
      headers: m.headers.clone(),
      body: m.body,
    });
    const again = parseMessage(wire, { limits: { ...DEFAULT_SIP_LIMITS, maxMessageBytes: wire.length + 1 }, datagram: true });
    assert.ok(again.ok, `re-parse failed: ${again.ok ? '' : again.error.reason}`);
    assert.equal(again.value.callId, m.callId);
    assert.deepEqual(again.value.cseq, m.cseq);
    assert.equal(again.value.via.length, m.via.length);
    assert.ok(again.value.body.equals(m.body));
  }
}

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'dup'; at: number; len: number }
  | { kind: 'special'; at: number; text: string };

/** A mutation: flip, insert, delete or duplicate bytes at random places. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('special' as const), at: fc.nat(), text: fc.constantFrom('\r\n', '\n', ' ', ':', ';', ',', '"', '\\', '<', '>', '[', ']', '%', '\r\n ', 'Content-Length: 99999\r\n', 'l: -1\r\n', '\0') }),
);

function apply(buf: Buffer, muts: Mutation[]): Buffer {
  let b = buf;
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b = Buffer.from(b);
        if (b.length > 0) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'dup':
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
      case 'special':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'latin1'), b.subarray(at)]);
        break;
    }
  }
  return b;
}

test('mutated valid messages never make the parser throw, and it stays fast', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.boolean(), (i, muts, datagram) => {
      parseWithinBound(apply(seeds[i]!, muts), datagram);
    }),
    { numRuns: 5000 },
  );
});

test('random bytes and random header-like text never make the parser throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => parseWithinBound(Buffer.from(bytes), true)),
    { numRuns: 2000 },
  );
  const line = fc.stringMatching(/^[A-Za-z-]{1,12}:[ -~]{0,60}$/);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
      const msg = 'INVITE sip:a@b SIP/2.0\r\n' + lines.join('\r\n') + '\r\n\r\n';
      parseWithinBound(Buffer.from(msg, 'latin1'), true);
    }),
    { numRuns: 2000 },
  );
});

test('pathological sizes are refused quickly, not processed', () => {
  const many = 'INVITE sip:a@b SIP/2.0\r\n' + 'X-A: b\r\n'.repeat(10_000) + '\r\n';
  const r1 = parseMessage(Buffer.from(many), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(!r1.ok);
  const long = 'INVITE sip:a@b SIP/2.0\r\nX-A: ' + 'a'.repeat(60_000) + '\r\n\r\n';
  const r2 = parseMessage(Buffer.from(long), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(!r2.ok && /too long/.test(r2.error.reason));
  const huge = Buffer.alloc(70_000, 0x41);
  const r3 = parseMessage(huge, { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(!r3.ok && r3.error.status === 513);
});
