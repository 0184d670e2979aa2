import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, REDACTED } from '../../../src/compose/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  return {
    stream,
    raw: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('one JSON line per event, with level, time, name and message', () => {
  const out = capture();
  const log = createLogger('info', out.stream);
  log.info({ a: 1 }, 'first');
  log.warn('second');
  log.debug('hidden at info');
  const lines = out.lines();
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.msg, 'first');
  assert.equal(lines[0]!.a, 1);
  assert.equal(lines[0]!.name, 'voxmail');
  assert.equal(lines[0]!.level, 30);
  assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(lines[1]!.level, 40);
});

test('PINs, passwords and tokens are redacted at any of the first three levels', () => {
  const out = capture();
  const log = createLogger('trace', out.stream);
  log.info({ pin: '1234', mailbox: { number: '100', pin: '4321', owner: { password: 'hunter2' } }, token: 't' }, 'login');
  log.child({ callId: 'c1' }).info({ user: { newPin: '9999', apiKey: 'k' }, req: { headers: { authorization: 'Basic x' } } }, 'x');
  const raw = out.raw();
  for (const secret of ['1234', '4321', 'hunter2', '9999', 'Basic x', '"t"', '"k"']) {
    assert.ok(!raw.includes(secret), `${secret} leaked: ${raw}`);
  }
  const [first, second] = out.lines();
  assert.equal(first!.pin, REDACTED);
  assert.deepEqual(first!.mailbox, { number: '100', pin: REDACTED, owner: { password: REDACTED } });
  assert.equal(second!.callId, 'c1');
  assert.deepEqual(second!.user, { newPin: REDACTED, apiKey: REDACTED });
});

test('level silent logs nothing', () => {
  const out = capture();
  createLogger('silent', out.stream).fatal('nothing');
  assert.equal(out.raw(), '');
});
