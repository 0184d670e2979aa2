import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { messageAudioKey } from '../../../src/voicemail/deposit/deposit-service.js';
import { RetentionJob } from '../../../src/voicemail/retention.js';
import { tempStores, type TempStores } from '../../support/voicemail-store.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-26T12:00:00Z');

describe('RetentionJob', () => {
  let s: TempStores;
  let wallNow = NOW;
  beforeEach(async () => {
    wallNow = NOW;
    s = await tempStores({ now: () => wallNow });
    await s.mailbox({ retentionDays: 14, savedRetentionDays: 30 });
  });
  afterEach(() => s.close());

  /** A stored message received `daysAgo` days before NOW, with its audio in the store. */
  async function message(id: string, daysAgo: number): Promise<string> {
    const receivedAt = new Date(NOW.getTime() - daysAgo * DAY).toISOString();
    wallNow = new Date(receivedAt);
    await s.store.deposits.begin({ id, tenantId: 't1', mailboxId: '100', callerNumber: '1', callerName: null, calledNumber: '100', reason: 'busy', receivedAt, callId: id, minMessageMs: 1000 });
    const key = messageAudioKey('t1', '100', id);
    await s.audio.put(key, Buffer.alloc(100));
    await s.store.deposits.finish(id, { id, tenantId: 't1', mailboxId: '100', callerNumber: '1', callerName: null, calledNumber: '100', reason: 'busy', receivedAt, durationMs: 2000, recovered: false, audioKey: key, sizeBytes: 100, callId: id });
    wallNow = NOW;
    return key;
  }

  test('removes expired messages (row and audio) per the mailbox retention, saved ones after their own', async () => {
    const oldKey = await message('old', 15);
    const freshKey = await message('fresh', 13);
    await message('saved-20', 20);
    await message('saved-40', 40);
    wallNow = new Date(NOW.getTime() - 40 * DAY);
    await s.store.messages.move('t1', 'saved-40', 'saved');
    wallNow = new Date(NOW.getTime() - 20 * DAY);
    await s.store.messages.move('t1', 'saved-20', 'saved');
    wallNow = NOW;

    const job = new RetentionJob({ store: s.store, audio: s.audio, clock: new ManualClock(), logger: silentLogger(), now: () => NOW, batch: 1 });
    assert.equal(await job.runOnce(), 2);
    const left = (await s.store.messages.list({ tenantId: 't1' })).map((m) => m.id).sort();
    assert.deepEqual(left, ['fresh', 'saved-20']);
    assert.equal(await s.audio.stat(oldKey), null, 'the audio of a purged message is deleted');
    assert.ok(await s.audio.stat(freshKey));
    assert.equal(await job.runOnce(), 0, 'nothing left to purge');
    await job.close();
  });

  test('runs at start and then every interval on its clock', async () => {
    await message('old', 30);
    const clock = new ManualClock();
    const job = new RetentionJob({ store: s.store, audio: s.audio, clock, logger: silentLogger(), now: () => NOW, intervalMs: 60_000 });
    job.start();
    clock.advance(0);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await s.store.messages.list({ tenantId: 't1' })).length, 0);
    await message('old2', 30);
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await s.store.messages.list({ tenantId: 't1' })).length, 0);
    await job.close();
  });
});
