import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { MediaClock } from '../../../src/media/media-clock.js';
import { beginTickScope, deferToTickEnd, endTickScope, inTickScope } from '../../../src/media/tick-batch.js';

describe('tick batch', () => {
  test('deferred work runs once, in order, when the outermost scope ends; a throwing item does not stop the others', () => {
    const ran: string[] = [];
    const item = (name: string, fail = false) => ({
      flushDeferred: () => {
        ran.push(name);
        if (fail) throw new Error('boom');
      },
    });
    assert.equal(inTickScope(), false);
    beginTickScope();
    assert.equal(inTickScope(), true);
    deferToTickEnd(item('a'));
    beginTickScope();
    deferToTickEnd(item('b', true));
    endTickScope();
    assert.deepEqual(ran, [], 'an inner scope does not flush');
    deferToTickEnd(item('c'));
    endTickScope();
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.equal(inTickScope(), false);
    beginTickScope();
    endTickScope();
    assert.deepEqual(ran, ['a', 'b', 'c'], 'the queue was emptied');
  });

  test('MediaClock: what the listeners of a tick defer runs after all of them, before the next tick', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    const log: string[] = [];
    for (const name of ['x', 'y']) {
      clock.subscribe((tick) => {
        assert.equal(inTickScope(), true);
        log.push(`${name}${String(tick)}`);
        deferToTickEnd({ flushDeferred: () => log.push(`send ${name}${String(tick)}`) });
      });
    }
    time.advance(40);
    assert.deepEqual(log, ['x1', 'y1', 'send x1', 'send y1', 'x2', 'y2', 'send x2', 'send y2']);
    assert.equal(inTickScope(), false);
    clock.close();
  });
});
