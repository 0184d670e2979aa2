/**
 * The media worker host's tick-start hook: messages that wait in the worker's port are
 * taken at the start of every media-clock tick (media-worker-main.ts passes
 * `receiveMessageOnPort`), at most MESSAGES_PER_TICK per tick, in order — so that a
 * greeting to start waits for the tick in progress, not for the whole event-loop turn.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { MESSAGES_PER_TICK, MediaWorkerHost } from '../../../src/media/worker/media-worker-host.js';
import type { FromWorker, ToWorker } from '../../../src/media/worker/protocol.js';

/** A host on a manual clock that records what it posts; `takeMessage` as the worker would pass it. */
function hostFor(time: ManualClock, posted: FromWorker[], takeMessage?: () => ToWorker | undefined): MediaWorkerHost {
  return new MediaWorkerHost({
    portMin: 40000,
    portMax: 40099,
    sockets: 'auto',
    clock: time,
    logger: silentLogger(),
    post: (m) => posted.push(m),
    ...(takeMessage !== undefined ? { takeMessage } : {}),
  });
}

describe('MediaWorkerHost: messages taken at the start of each tick', () => {
  test(`waiting messages are handled in the next tick, in order, at most ${String(MESSAGES_PER_TICK)} per tick`, () => {
    const time = new ManualClock();
    const waiting: ToWorker[] = [];
    const posted: FromWorker[] = [];
    const host = hostFor(time, posted, () => waiting.shift());
    // A play for a call this worker does not hold is answered 'aborted' at once: enough to
    // see when and in which order each message was handled.
    const total = MESSAGES_PER_TICK + 8;
    for (let i = 0; i < total; i++) waiting.push({ t: 'play', call: 7, play: i, prompt: 1, bargeIn: false });
    const stop = host.mediaClock.subscribe(() => undefined); // a call playing: the clock runs
    time.advance(19);
    assert.equal(posted.length, 0, 'nothing is taken between ticks');
    time.advance(1);
    assert.equal(posted.length, MESSAGES_PER_TICK, 'a flood is cut at the bound');
    time.advance(20);
    assert.equal(posted.length, total, 'the rest in the next tick');
    assert.equal(waiting.length, 0, 'all taken');
    const plays = posted.map((m) => (m.t === 'played' ? m.play : -1));
    assert.deepEqual(
      plays,
      Array.from({ length: total }, (_, i) => i),
      'in the order they were sent',
    );
    assert.ok(
      posted.every((m) => m.t === 'played' && m.outcome === 'aborted'),
      'each answered',
    );
    stop();
    host.mediaClock.close();
  });

  test('takeWaiting() between ticks (a worker calls it after each receive batch): in order, bounded, not re-entered', () => {
    const time = new ManualClock();
    const waiting: ToWorker[] = [];
    const posted: FromWorker[] = [];
    let host: MediaWorkerHost | undefined;
    let nested = 0;
    host = hostFor(time, posted, () => {
      // A message whose handling led back here must not be handled twice or out of order.
      nested++;
      host?.takeWaiting();
      return waiting.shift();
    });
    const total = MESSAGES_PER_TICK + 3;
    for (let i = 0; i < total; i++) waiting.push({ t: 'play', call: 9, play: i, prompt: 1, bargeIn: false });
    host.takeWaiting();
    assert.equal(posted.length, MESSAGES_PER_TICK, 'at most the bound at once');
    host.takeWaiting();
    assert.equal(posted.length, total, 'the rest at the next call');
    assert.ok(nested > total, 'the nested calls happened');
    assert.deepEqual(
      posted.map((m) => (m.t === 'played' ? m.play : -1)),
      Array.from({ length: total }, (_, i) => i),
      'each once, in the order sent',
    );
    host.mediaClock.close();
    host = undefined;
  });

  test('without takeMessage, ticks take nothing (the port listener handles every message)', () => {
    const time = new ManualClock();
    const posted: FromWorker[] = [];
    const host = hostFor(time, posted);
    let ticks = 0;
    const stop = host.mediaClock.subscribe(() => ticks++);
    time.advance(100);
    assert.equal(ticks, 5, 'the clock ran');
    assert.equal(posted.length, 0, 'and posted nothing');
    stop();
    host.mediaClock.close();
  });
});
