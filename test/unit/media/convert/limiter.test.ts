/** The converter's limiter: at most `max` running, at most `maxWaiting` waiting, FIFO, aborts leave the queue. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONVERTER_BUSY, Limiter } from '../../../../src/media/convert/limiter.js';

function gate(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('runs at most max at once, in order; a task beyond maxWaiting is refused at once', async () => {
  const limiter = new Limiter(2, 2);
  const gates = [gate(), gate(), gate(), gate()];
  const started: number[] = [];
  const runs = gates.map((g, i) =>
    limiter.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual([limiter.running, limiter.waiting], [2, 2]);
  await assert.rejects(
    limiter.run(() => Promise.resolve(99)),
    (e: Error & { code?: string }) => e.code === CONVERTER_BUSY && /2 conversions are running and 2 waiting/.test(e.message),
  );
  gates[0]!.open();
  await runs[0];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1, 2], 'the first waiter took the free slot');
  for (const g of gates) g.open();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
  assert.deepEqual([limiter.running, limiter.waiting], [0, 0]);
});

test('a waiter whose signal aborts leaves the queue', async () => {
  const limiter = new Limiter(1, 4);
  const g = gate();
  const first = limiter.run(() => g.promise);
  const abort = new AbortController();
  const waiting = limiter.run(() => Promise.resolve('never'), abort.signal);
  assert.equal(limiter.waiting, 1);
  abort.abort();
  await assert.rejects(waiting);
  assert.equal(limiter.waiting, 0);
  g.open();
  await first;
});
