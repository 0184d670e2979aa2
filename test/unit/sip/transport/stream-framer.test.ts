import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamFramer } from '../../../../src/sip/transport/stream-framer.js';

const msg = (body = '') =>
  Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: ${body.length}\r\n\r\n${body}`);

test('messages split across and packed into chunks come out whole', () => {
  const f = new StreamFramer(65535);
  const two = Buffer.concat([msg('hello'), msg('')]);
  const out = [];
  for (let i = 0; i < two.length; i += 7) out.push(...f.push(two.subarray(i, i + 7)));
  assert.deepEqual(out.map((o) => o.kind), ['message', 'message']);
  assert.ok(out[0]!.kind === 'message' && out[0]!.data.equals(msg('hello')));
  assert.equal(f.buffered, 0);
});

test('CRLF CRLF keep-alive is a ping; single CRLFs between messages are skipped', () => {
  const f = new StreamFramer(65535);
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n')).map((o) => o.kind), ['ping']);
  assert.deepEqual(f.push(Buffer.concat([Buffer.from('\r\n'), msg()])).map((o) => o.kind), ['message']);
});

test('missing or repeated Content-Length, or an oversize message, is a framing error', () => {
  const noCl = new StreamFramer(65535).push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'));
  assert.equal(noCl[0]!.kind, 'error');
  const two = new StreamFramer(65535).push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n'));
  assert.ok(two[0]!.kind === 'error' && two[0]!.status === 400);
  const big = new StreamFramer(1000).push(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nl: 5000\r\n\r\n`));
  assert.ok(big[0]!.kind === 'error' && big[0]!.status === 513);
  const f = new StreamFramer(1000);
  const endless = f.push(Buffer.alloc(1500, 0x41));
  assert.ok(endless[0]!.kind === 'error' && endless[0]!.status === 513, 'a header without end is cut at the size limit');
  assert.deepEqual(f.push(msg()), [], 'nothing more after a framing error');
});

test('a keep-alive split across reads is still a ping', () => {
  const f = new StreamFramer(65535);
  assert.deepEqual(f.push(Buffer.from('\r\n\r')), []);
  assert.deepEqual(f.push(Buffer.from('\n')).map((o) => o.kind), ['ping']);
});

test('cost stays linear when a peer sends a large header one byte at a time', () => {
  // 60 KB of header without its end, one byte per read: work must be ~linear.
  const f = new StreamFramer(65535);
  const line = Buffer.from('X-Filler: ' + 'a'.repeat(100) + '\r\n');
  const head = Buffer.concat([Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n'), ...Array.from({ length: 560 }, () => line)]);
  const t0 = performance.now();
  for (let i = 0; i < head.length; i++) assert.deepEqual(f.push(head.subarray(i, i + 1)), []);
  const ms = performance.now() - t0;
  assert.ok(ms < 400, `took ${ms.toFixed(0)} ms for ${head.length} one-byte reads`);
  const done = f.push(Buffer.from('l: 0\r\n\r\n'));
  assert.equal(done[0]!.kind, 'message');
});

test('pipelined messages in one read, then a body split over reads', () => {
  const f = new StreamFramer(65535);
  const many = Buffer.concat(Array.from({ length: 50 }, (_, i) => msg(`body-${i}`)));
  const out = f.push(many);
  assert.equal(out.length, 50);
  assert.ok(out[49]!.kind === 'message' && out[49]!.data.equals(msg('body-49')));
  const m = msg('x'.repeat(3000));
  assert.deepEqual(f.push(m.subarray(0, 1000)), []);
  assert.deepEqual(f.push(m.subarray(1000, 2000)), []);
  const last = f.push(m.subarray(2000));
  assert.ok(last[0]!.kind === 'message' && last[0]!.data.equals(m));
});
