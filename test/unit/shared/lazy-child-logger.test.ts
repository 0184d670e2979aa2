/**
 * lazyChild: the same lines as pino's child (bindings, nesting, redaction, levels), with
 * the bindings read only when the child first writes a line.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, REDACTED } from '../../../src/compose/logger.js';
import { bindingsOf, lazyChild } from '../../../src/shared/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

/** Drops the fields that differ between two lines written at different moments. */
const stable = (l: Record<string, unknown>): Record<string, unknown> => ({ ...l, time: 0 });

test('a lazy child writes exactly the line pino.child writes: bindings, nesting, redaction', () => {
  const a = capture();
  const b = capture();
  const eager = createLogger('info', a.stream);
  const lazy = createLogger('info', b.stream);
  const bindings = { callId: 'abc@host', user: { pin: '1234' } };
  eager.child(bindings).warn({ x: 1 }, 'hello');
  lazyChild(lazy, bindings).warn({ x: 1 }, 'hello');
  eager.child(bindings).child({ mailbox: '100' }).info('nested');
  lazyChild(lazy, bindings).child({ mailbox: '100' }).info('nested');
  lazyChild(lazyChild(lazy, bindings), { mailbox: '100' }).info('nested');
  const [e1, e2] = a.lines();
  const [l1, l2, l3] = b.lines();
  assert.deepEqual(stable(l1!), stable(e1!));
  assert.deepEqual(stable(l2!), stable(e2!));
  assert.deepEqual(stable(l3!), stable(e2!), 'a lazy child of a lazy child');
  assert.equal(l1!.callId, 'abc@host');
  assert.deepEqual(l1!.user, { pin: REDACTED }, 'secrets in the bindings are redacted');
  assert.equal(l2!.mailbox, '100');
  assert.deepEqual(lazyChild(lazy, bindings).bindings(), eager.child(bindings).bindings());
});

test('the bindings are read only when the child first writes (not for a level that is off), once', () => {
  const out = capture();
  const root = createLogger('info', out.stream);
  let reads = 0;
  const bindings = {
    get callId(): string {
      reads++;
      return 'c1';
    },
  };
  const log = lazyChild(root, bindings);
  assert.equal(reads, 0, 'made: not read');
  log.debug('off at info');
  assert.equal(reads, 0, 'a line below the level: not read');
  assert.equal(log.isLevelEnabled('warn'), true);
  log.warn('first');
  log.warn('second');
  assert.equal(reads, 1, 'read for the first line, and only then');
  assert.deepEqual(
    out.lines().map((l) => [l.msg, l.callId]),
    [
      ['first', 'c1'],
      ['second', 'c1'],
    ],
  );
});

test("the parent's level applies, and a level set on the lazy child applies to it alone", () => {
  const out = capture();
  const root = createLogger('warn', out.stream);
  const log = lazyChild(root, { callId: 'c2' });
  log.info('hidden');
  root.level = 'info';
  log.info('shown after the parent went to info');
  log.level = 'error';
  log.warn('hidden by its own level');
  root.warn('the parent still writes warn');
  assert.deepEqual(
    out.lines().map((l) => l.msg),
    ['shown after the parent went to info', 'the parent still writes warn'],
  );
});

test('bindingsOf: what bindings() returns, without serialising a lazy child (the media worker pool sends it per call)', () => {
  const out = capture();
  const root = createLogger('info', out.stream);
  const eager = root.child({ callId: 'c3' }).child({ tenant: 'acme', mailbox: '100', port: 20000, muted: false, note: null });
  // Every serialisation of a lazy child goes through its parent's child().
  let serialised = 0;
  const counting = Object.create(root) as typeof root;
  (counting as { child: (b: Record<string, unknown>) => unknown }).child = (b: Record<string, unknown>) => {
    serialised++;
    return root.child(b);
  };
  const lazy = lazyChild(lazyChild(counting, { callId: 'c3' }), { tenant: 'acme', mailbox: '100', port: 20000, muted: false, note: null });
  assert.deepEqual(bindingsOf(lazy), eager.bindings());
  assert.deepEqual(bindingsOf(root), root.bindings(), 'an eager logger: its own bindings()');
  assert.equal(serialised, 0, 'nothing serialised');
  lazy.warn('now it writes');
  assert.ok(serialised > 0, 'the first line serialises');
  assert.deepEqual(bindingsOf(lazy), eager.bindings(), 'the same afterwards');
});

test('bindingsOf: a value that is not a string, number, boolean or null falls back to bindings() (redacted, JSON-safe)', () => {
  const root = createLogger('info', capture().stream);
  const lazy = lazyChild(root, { callId: 'c4', user: { pin: '1234' } });
  const b = bindingsOf(lazy);
  assert.deepEqual(b, root.child({ callId: 'c4', user: { pin: '1234' } }).bindings());
  assert.deepEqual(b['user'], { pin: REDACTED });
  // After pino's setBindings the lazy child's own object is stale: bindings() answers.
  const set = lazyChild(root, { callId: 'c5' });
  set.setBindings({ callId: 'c6' });
  assert.equal(bindingsOf(set)['callId'], 'c6');
});
