/**
 * The per-attempt signal must end the attempt on any parent abort or the timeout, and
 * leave nothing attached to the long-lived parent afterwards (the reason it exists
 * instead of AbortSignal.any, see attempt-signal.ts).
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { attemptSignal } from '../../../../src/notify/webhook/attempt-signal.js';

test('a parent abort ends the attempt; not a timeout', () => {
  const parent = new AbortController();
  const a = attemptSignal([parent.signal], 10_000);
  assert.equal(a.signal.aborted, false);
  parent.abort();
  assert.equal(a.signal.aborted, true);
  assert.equal(a.timedOut, false);
  a.dispose();
});

test('an already-aborted parent aborts at once', () => {
  const parent = new AbortController();
  parent.abort();
  const a = attemptSignal([parent.signal], 10_000);
  assert.equal(a.signal.aborted, true);
  a.dispose();
});

test('the timeout aborts and says so', async () => {
  const a = attemptSignal([new AbortController().signal], 20);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(a.signal.aborted, true);
  assert.equal(a.timedOut, true);
  a.dispose();
});

test('abort() from outside (close)', () => {
  const a = attemptSignal([], 10_000);
  a.abort();
  assert.equal(a.signal.aborted, true);
  assert.equal(a.timedOut, false);
  a.dispose();
});

test('dispose leaves no listener on a long-lived parent, and no timer firing later', async () => {
  const parent = new AbortController();
  for (let i = 0; i < 1000; i++) attemptSignal([parent.signal], 10).dispose();
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  const a = attemptSignal([parent.signal], 10);
  a.dispose();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(a.signal.aborted, false, 'the cleared timer did not fire');
});
