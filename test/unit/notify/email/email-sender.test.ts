import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { audioAttached, EmailSender, type EmailSenderOptions } from '../../../../src/notify/email/index.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { messagePayload, missedCallPayload, notificationFor } from './fixtures.js';

const never = new AbortController().signal;
const noAudio: EmailSenderOptions['audio'] = { get: () => Promise.resolve(null), stat: () => Promise.resolve(null) };

async function emlSender(audio: EmailSenderOptions['audio'] = noAudio): Promise<{ sender: EmailSender; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-eml-'));
  return { sender: new EmailSender({ smtpUrl: null, from: 'vm@example.com', emlDir: dir, audio, logger: silentLogger() }), dir };
}

describe('EmailSender outcomes (no server: .eml mode)', () => {
  test('an audio store that fails is retried, not sent without the audio', async () => {
    const { sender, dir } = await emlSender({ get: () => Promise.reject(new Error('EIO')), stat: () => Promise.reject(new Error('EIO')) });
    const r = await sender.send(notificationFor(messagePayload(), 'a@example.com'), never);
    assert.deepEqual(r, { ok: false, permanent: false, error: 'EIO' });
    assert.deepEqual(await readdir(dir), []);
  });

  test('the audio budget reads the size first and never loads a large recording', async () => {
    let gets = 0;
    const { sender } = await emlSender({
      get: () => {
        gets++;
        return Promise.resolve(Buffer.alloc(10));
      },
      stat: () => Promise.resolve({ sizeBytes: 11 * 1024 * 1024 }),
    });
    const r = await sender.send(notificationFor(messagePayload(), 'a@example.com'), never);
    assert.equal(r.ok, true);
    assert.equal(gets, 0);
    assert.match(r.ok ? (r.detail ?? '') : '', /not attached: 11534336 bytes is over the limit/);
  });

  test('bad input is permanent: wrong channel, unreadable or malformed payload, events not e-mailed', async () => {
    const { sender } = await emlSender();
    const base = notificationFor(messagePayload(), 'a@example.com');
    const cases = [
      { ...base, channel: 'sms' as const },
      { ...base, payload: '[]' },
      { ...base, payload: JSON.stringify({ kind: 'message', event: 'message.created' }) },
      { ...base, payload: JSON.stringify({ kind: 'missed_call', event: 'missed_call', mailbox: {} }) },
      notificationFor(messagePayload({ event: 'message.deleted' }), 'a@example.com'),
      { ...base, payload: JSON.stringify({ kind: 'mwi', event: 'message.created', mailbox: {}, occurredAt: '' }) },
    ];
    for (const n of cases) {
      const r = await sender.send(n, never);
      assert.ok(!r.ok && r.permanent, `${n.payload}: ${JSON.stringify(r)}`);
    }
  });

  test('after close(), sends are retried later (by the next process), not failed', async () => {
    const { sender } = await emlSender();
    await sender.close();
    await sender.close();
    const r = await sender.send(notificationFor(missedCallPayload(), 'a@example.com'), never);
    assert.ok(!r.ok && !r.permanent);
    assert.equal(audioAttached(r), false);
  });
});
