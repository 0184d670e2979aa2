import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor } from '../../../src/http/cursor.js';
import { parseRange } from '../../../src/http/range.js';

test('Range: one byte range of a 1000-byte file (RFC 9110 §14.1.2)', () => {
  const cases: [string | undefined, ReturnType<typeof parseRange>][] = [
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=0-0', { kind: 'partial', start: 0, end: 0 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['BYTES = 1 - 2', { kind: 'partial', start: 1, end: 2 }],
    ['bytes=999-999', { kind: 'partial', start: 999, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=5000-6000', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    // Ignored (answered with the whole file): syntax errors, other units, several ranges.
    ['bytes=100-50', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['bytes=a-b', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['bytes=99999999999999999999-', { kind: 'full' }],
    [`bytes=${'1'.repeat(300)}-`, { kind: 'full' }],
  ];
  for (const [header, want] of cases) assert.deepEqual(parseRange(header, 1000), want, String(header));
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' }, 'nothing to send of an empty file');
  assert.deepEqual(parseRange('bytes=-1', 0), { kind: 'unsatisfiable' });
});

test('cursors round-trip and refuse anything else', () => {
  const c = { receivedAt: '2026-01-10T09:00:00.000Z', id: 'a100-0' };
  assert.deepEqual(decodeCursor(encodeCursor(c)), c);
  for (const bad of ['', '!!', 'eA', Buffer.from('2026-01-10|x').toString('base64url'), Buffer.from('2026-01-10T09:00:00.000Z|../x').toString('base64url'), Buffer.from(`${c.receivedAt}|a|b`).toString('base64url'), 'x'.repeat(300)]) {
    assert.equal(decodeCursor(bad), null, bad);
  }
});
