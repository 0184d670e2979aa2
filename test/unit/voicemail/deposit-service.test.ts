import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parseWav, Recorder, tone } from '../../../src/media/index.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { DepositService, messageAudioKey, type CallerInfo } from '../../../src/voicemail/deposit/deposit-service.js';
import type { Mailbox } from '../../../src/voicemail/model.js';
import { tempStores, type TempStores } from '../../support/voicemail-store.js';

const caller: CallerInfo = { callerNumber: '+74951234567', callerName: 'Иван', calledNumber: '100', reason: 'busy', callId: 'call-1' };

/** Push `ms` of a 440 Hz tone into a recorder in 20 ms frames. */
function pushAudio(rec: Recorder, ms: number): Int16Array {
  const audio = tone({ frequency: 440, durationMs: ms, amplitude: 0.5 });
  for (let i = 0; i + 160 <= audio.length; i += 160) rec.push(audio.subarray(i, i + 160));
  return audio;
}

describe('DepositService', () => {
  let s: TempStores;
  let mailbox: Mailbox;
  let deposits: DepositService;
  /** prepare + begin: the pending row is written, the path is where the recorder writes. */
  const begin = async (m: Mailbox, c: CallerInfo, at: Date): Promise<ReturnType<DepositService['prepare']>> => {
    const p = deposits.prepare(m, c, at);
    await deposits.begin(p.deposit);
    return p;
  };
  beforeEach(async () => {
    s = await tempStores();
    mailbox = await s.mailbox({ minMessageMs: 1000 });
    deposits = new DepositService(s.store, s.audio, silentLogger());
  });
  afterEach(() => s.close());

  test('a finished recording becomes a message whose audio is in the store under its key', async () => {
    const { deposit, path } = await begin(mailbox, caller, new Date('2026-11-26T10:00:00Z'));
    assert.equal((await s.store.deposits.pending()).length, 1);
    const rec = await Recorder.open(path, { maxDurationMs: 60_000 });
    const sent = pushAudio(rec, 2000);
    const out = await deposits.complete(deposit, await rec.finish('hangup'));
    assert.equal(out.kind, 'message');
    if (out.kind !== 'message') return;
    const m = out.message;
    assert.deepEqual(
      { caller: m.callerNumber, name: m.callerName, called: m.calledNumber, reason: m.reason, recovered: m.recovered, durationMs: m.durationMs, folder: m.folder, heard: m.heard },
      { caller: '+74951234567', name: 'Иван', called: '100', reason: 'busy', recovered: false, durationMs: 2000, folder: 'inbox', heard: false },
    );
    assert.equal(m.audioKey, messageAudioKey('t1', '100', deposit.id));
    const wav = parseWav((await s.audio.get(m.audioKey))!);
    assert.ok(wav.ok);
    assert.deepEqual(wav.value.samples, sent);
    assert.equal(existsSync(path), false, 'the partial file is gone');
    assert.deepEqual(await s.store.deposits.pending(), []);
  });

  test('shorter than the minimum: no message, the audio removed, a missed call "too-short"', async () => {
    const { deposit, path } = await begin(mailbox, caller, new Date());
    const rec = await Recorder.open(path, { maxDurationMs: 60_000 });
    pushAudio(rec, 600);
    const out = await deposits.complete(deposit, await rec.finish('hangup'));
    assert.equal(out.kind, 'missed');
    if (out.kind === 'missed') assert.equal(out.missed.cause, 'too-short');
    assert.equal(existsSync(path), false);
    assert.equal((await s.store.messages.list({ tenantId: 't1' })).length, 0);
    assert.equal((await s.store.missedCalls.list({ tenantId: 't1' })).length, 1);
  });

  test('after a crash mid-recording, recovery keeps the audio that reached disk as a message marked recovered', async () => {
    const { deposit, path } = await begin(mailbox, caller, new Date());
    const rec = await Recorder.open(path, { maxDurationMs: 60_000, flushIntervalMs: 1000 });
    const sent = pushAudio(rec, 3500);
    // Let the batched writes reach the file, then "crash": the recorder is never finished.
    await new Promise((r) => setTimeout(r, 200));
    const restarted = new DepositService(s.store, s.audio, silentLogger());
    const r = await restarted.recoverPending();
    assert.deepEqual(r, { messages: 1, missed: 0 });
    const [m] = await s.store.messages.list({ tenantId: 't1' });
    assert.ok(m);
    assert.equal(m.id, deposit.id);
    assert.equal(m.recovered, true);
    // Every full 1 s batch was on disk; at most the last second is lost.
    assert.ok(m.durationMs >= 2500 && m.durationMs <= 3500, `recovered ${m.durationMs} ms`);
    const wav = parseWav((await s.audio.get(m.audioKey))!);
    assert.ok(wav.ok);
    assert.deepEqual(wav.value.samples, sent.subarray(0, wav.value.samples.length));
    await rec.close();
  });

  test('a crash after the audio was committed but before the row: stored once, not marked recovered', async () => {
    const { deposit, path } = await begin(mailbox, caller, new Date());
    const rec = await Recorder.open(path, { maxDurationMs: 60_000 });
    pushAudio(rec, 1500);
    await rec.finish('hangup');
    await s.audio.commitPartial(deposit.id, messageAudioKey('t1', '100', deposit.id));
    const r = await new DepositService(s.store, s.audio, silentLogger()).recoverPending();
    assert.deepEqual(r, { messages: 1, missed: 0 });
    const [m] = await s.store.messages.list({ tenantId: 't1' });
    assert.equal(m?.durationMs, 1500);
    assert.equal(m?.recovered, false);
    assert.deepEqual(await new DepositService(s.store, s.audio, silentLogger()).recoverPending(), { messages: 0, missed: 0 }, 'idempotent');
  });

  test('a pending deposit without any audio becomes a missed call; a partial without a row is removed', async () => {
    await begin(mailbox, caller, new Date());
    const stray = s.audio.partialPath('stray-id');
    const rec = await Recorder.open(stray, { maxDurationMs: 60_000 });
    await rec.finish('hangup');
    const r = await deposits.recoverPending();
    assert.deepEqual(r, { messages: 0, missed: 1 });
    assert.equal((await s.store.missedCalls.list({ tenantId: 't1' }))[0]?.cause, 'recording-failed');
    assert.equal(existsSync(stray), false);
  });

  test('isFull counts messages against the quota (trash excluded)', async () => {
    const small = await s.store.mailboxes.create({ tenantId: 't1', id: '200', quotaMessages: 1 });
    assert.equal(await deposits.isFull(small), false);
    const { deposit, path } = await begin(small, caller, new Date());
    const rec = await Recorder.open(path, { maxDurationMs: 60_000 });
    pushAudio(rec, 1200);
    const out = await deposits.complete(deposit, await rec.finish('hangup'));
    assert.equal(await deposits.isFull(small), true);
    if (out.kind === 'message') await s.store.messages.move('t1', out.message.id, 'trash');
    assert.equal(await deposits.isFull(small), false);
  });
});
