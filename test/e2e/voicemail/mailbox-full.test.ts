/**
 * A full mailbox (quotaMessages 1, one message already in it): the caller is not
 * silently refused. The call is answered, the caller hears the greeting and "the mailbox
 * is full, you cannot leave a message" (taken off the wire with dumpcap) — no beep — and
 * the server hangs up; the owner gets a missed-call record "mailbox-full"; no new message.
 * Needs sipp, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/mailbox-full.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { tone, toWav } from '../../../src/media/index.js';
import { messageAudioKey } from '../../../src/voicemail/deposit/deposit-service.js';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk, received } from '../../support/sipp.js';
import {
  assertHeardInOrder,
  assertNotHeard,
  callIdOf,
  callServer,
  callTimeline,
  DEFAULT_CALLER,
  heardPrompt,
  removeAudio,
  speechWithHum,
  TENANT,
  VoxmailServer,
  type CallerAudio,
} from '../../support/voxmail.js';

const NUMBER = '+74951230600';
let server: VoxmailServer;
let hum: CallerAudio;

before(async () => {
  hum = speechWithHum('Hello, I am calling about the contract.');
  server = await VoxmailServer.start();
  await server.mailbox('601', { numbers: [NUMBER], quotaMessages: 1 });
  // The one message the quota allows, stored the way a deposit stores it.
  const id = randomUUID();
  const audioKey = messageAudioKey(TENANT, '601', id);
  const wav = toWav(tone({ frequency: 440, durationMs: 2000 }));
  await server.stores.audio.put(audioKey, wav);
  const { deposits } = server.stores.store;
  const pending = { id, tenantId: TENANT, mailboxId: '601', callerNumber: '+70000000001', callerName: null, calledNumber: NUMBER, reason: 'busy' as const, receivedAt: new Date().toISOString(), callId: 'earlier-call', minMessageMs: 1000 };
  await deposits.begin(pending);
  const { minMessageMs: _min, ...rest } = pending;
  await deposits.finish(id, { ...rest, durationMs: 2000, recovered: false, audioKey, sizeBytes: wav.length });
});

after(async () => {
  await server?.close();
  await killChildren();
  removeAudio(hum);
});

test('mailbox full: answered, greeting + "mailbox is full" heard, BYE, a missed call "mailbox-full", no new message', async () => {
  assert.equal((await server.messages('601')).length, 1, 'the mailbox holds its one message');
  const run = await callServer(server, { scenario: 'vm-deposit-wait-bye', headers: [`Diversion: <sip:${NUMBER}@pbx.example>;reason=user-busy`], audio: hum, capture: true });
  assertSippOk(run.sipp);
  const callId = callIdOf(run.sipp);
  assert.ok(received(run.sipp, /^SIP\/2\.0 200/).length > 0, 'the call was answered');
  const t = callTimeline(run.datagrams, server, callId);
  assert.ok(t.requests.find((r) => r.method === 'BYE')?.fromServer === true, 'the server hung up');

  assertHeardInOrder(run.heard, [heardPrompt('greeting-busy'), heardPrompt('mailbox-full')], 'mailbox full');
  assertNotHeard(run.heard, heardPrompt('beep'), 'mailbox full (no recording, so no beep)');
  assertNotHeard(run.heard, heardPrompt('warning-standard'), 'mailbox full');

  const missed = await server.missedCallOf('601', callId);
  assert.equal(missed.cause, 'mailbox-full');
  assert.equal(missed.callerNumber, DEFAULT_CALLER.number);
  assert.equal(missed.callerName, DEFAULT_CALLER.name);
  assert.equal(missed.calledNumber, NUMBER);
  assert.equal(missed.reason, 'busy');
  const messages = await server.messages('601');
  assert.deepEqual(messages.map((m) => m.callId), ['earlier-call'], 'no new message');
});
