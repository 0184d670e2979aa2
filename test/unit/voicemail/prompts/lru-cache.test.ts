/** LruCache: bounded, evicts the least recently *used* (get refreshes, peek does not). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from '../../../../src/voicemail/prompts/lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used beyond its bound', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.get('a'), 1); // a is now the most recent
    c.set('c', 3);
    assert.equal(c.size, 2);
    assert.equal(c.peek('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
  });

  it('peek does not refresh; replacing a key refreshes it without growing', () => {
    const c = new LruCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.peek('a'), 1);
    c.set('b', 20);
    c.set('c', 3); // a was least recent despite the peek
    assert.deepEqual([c.peek('a'), c.peek('b'), c.peek('c')], [undefined, 20, 3]);
  });

  it('delete and clear', () => {
    const c = new LruCache<string, number>(4);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.delete('a'), true);
    assert.equal(c.delete('a'), false);
    c.clear();
    assert.equal(c.size, 0);
  });

  it('refuses a size that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN]) assert.throws(() => new LruCache(n), RangeError);
  });
});
