/**
 * The same deposit with a Kamailio 5.6 proxy in front of the server (stateful,
 * record-routing, ../shared/testdata/kamailio/kam.cfg), as an operator deploys it:
 * SIPp -> Kamailio -> Voxmail over UDP, media straight between SIPp and Voxmail.
 * Our 200 carries the proxy's Record-Route, the caller's BYE comes back through the
 * proxy, and the message is stored in the mailbox of the diverted number with the
 * caller's audio, sample for sample and complete.
 * Needs sipp, kamailio, dumpcap (tshark), espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/kamailio-deposit.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { Kamailio } from '../../support/kamailio.js';
import { assertSippOk, received } from '../../support/sipp.js';
import {
  assertHeardInOrder,
  assertSameAudio,
  callIdOf,
  callServer,
  callTimeline,
  DEFAULT_CALLER,
  heardPrompt,
  introMs,
  recordingOnTheWire,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
} from '../../support/voxmail.js';

const NUMBER = '+74951230700';
let server: VoxmailServer;
let kamailio: Kamailio;
let hum: CallerAudio;

before(async () => {
  hum = speechWithHum('Hello, this message went through the proxy. Please call back after lunch.');
  server = await VoxmailServer.start();
  await server.mailbox('701', { numbers: [NUMBER] });
  await server.mailbox('702', { numbers: ['+74951230799'] });
  kamailio = await Kamailio.start({ upstream: server.target, upstreamTransport: 'udp' });
});

after(async () => {
  await kamailio?.stop();
  await server?.close();
  await killChildren();
  removeAudio(hum);
});

test('deposit through Kamailio: Record-Route honoured, message stored in the right mailbox, audio sample-exact and complete', async () => {
  const run = await callServer(server, {
    target: { host: '127.0.0.1', port: kamailio.port },
    headers: [`Diversion: <sip:${NUMBER}@pbx.example>;reason=no-answer`],
    audio: hum,
    durationMs: Math.round(introMs('greeting-no-answer') + 3000),
    capture: true,
  });
  assertSippOk(run.sipp);
  const where = `${run.sipp.summary()}\nkamailio log:\n${kamailio.log.slice(-3000)}`;
  const ok = received(run.sipp, /^SIP\/2\.0 200/).find((m) => /INVITE/.test(m.header('CSeq')[0] ?? ''));
  assert.ok(ok, where);
  assert.match(ok.header('Record-Route').join(','), new RegExp(`127\\.0\\.0\\.1:${String(kamailio.port)}`), `our 200 lacks the proxy's Record-Route\n${where}`);
  const bye = run.sipp.messages.find((m) => m.direction === 'sent' && m.startLine.startsWith('BYE '));
  assert.match(bye?.header('Route').join(',') ?? '', new RegExp(`127\\.0\\.0\\.1:${String(kamailio.port)}`), 'the BYE follows the route set through the proxy');

  const callId = callIdOf(run.sipp);
  assertHeardInOrder(run.heard, [heardPrompt('greeting-no-answer'), heardPrompt('warning-standard'), heardPrompt('beep')], 'via Kamailio');
  const m = await server.messageOf('701', callId);
  assert.equal((await server.messages('702')).length, 0);
  assert.equal(m.callerNumber, DEFAULT_CALLER.number);
  assert.equal(m.callerName, DEFAULT_CALLER.name);
  assert.equal(m.calledNumber, NUMBER);
  assert.equal(m.reason, 'no-answer');
  const audio = server.readAudio(m);
  const k = assertSameAudio(audio, hum.pcm, 'via Kamailio');
  const t = callTimeline(run.datagrams, server, callId);
  assert.ok(
    Math.abs(m.durationMs - t.sentAfterIntroMs) <= 100,
    `message of ${String(m.durationMs)} ms; the caller sent ${String(t.sentAfterIntroMs)} ms after the beep; ${recordingOnTheWire(run.datagrams, t, k, audio.length, hum.pcm.length)}`,
  );
});
