import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatMessageSummary, parseMessageSummary, voiceMessageSummary } from '../../../../src/sip/index.js';

describe('RFC 3842 message-summary body', () => {
  test('voice counts with urgent counts, account, CRLF lines', () => {
    const body = formatMessageSummary(voiceMessageSummary({ new: 2, old: 8, urgentNew: 0, urgentOld: 0 }, 'sip:100@vm.example.com'));
    assert.equal(body, 'Messages-Waiting: yes\r\nMessage-Account: sip:100@vm.example.com\r\nVoice-Message: 2/8 (0/0)\r\n');
  });

  test('no new messages: Messages-Waiting: no; no urgent part when not given; no account', () => {
    assert.equal(formatMessageSummary(voiceMessageSummary({ new: 0, old: 3 }, null)), 'Messages-Waiting: no\r\nVoice-Message: 0/3\r\n');
  });

  test('several classes in the RFC order', () => {
    const body = formatMessageSummary({ waiting: true, account: null, counts: { 'fax-message': { new: 1, old: 0 }, 'voice-message': { new: 0, old: 1, urgentNew: 0, urgentOld: 1 } } });
    assert.equal(body, 'Messages-Waiting: yes\r\nVoice-Message: 0/1 (0/1)\r\nFax-Message: 1/0\r\n');
  });

  test('bad counts and accounts are refused', () => {
    assert.throws(() => formatMessageSummary(voiceMessageSummary({ new: -1, old: 0 }, null)), RangeError);
    assert.throws(() => formatMessageSummary(voiceMessageSummary({ new: 1.5, old: 0 }, null)), RangeError);
    assert.throws(() => formatMessageSummary(voiceMessageSummary({ new: 0, old: 0 }, 'sip:a@b\r\nX: 1')), RangeError);
  });

  test('round trip and the RFC 3842 §4 example', () => {
    const s = voiceMessageSummary({ new: 4, old: 10, urgentNew: 1, urgentOld: 2 }, 'sip:alice@vmail.example.com');
    const r = parseMessageSummary(formatMessageSummary(s));
    assert.ok(r.ok);
    assert.deepEqual(r.value, s);
    const example = 'Messages-Waiting: yes\nMessage-Account: sip:alice@vmail.example.com\nVoice-Message: 2/8 (0/2)\n\nTo: <sip:alice@example.com>\nSubject: hi\n';
    const e = parseMessageSummary(example);
    assert.ok(e.ok);
    assert.deepEqual(e.value, { waiting: true, account: 'sip:alice@vmail.example.com', counts: { 'voice-message': { new: 2, old: 8, urgentNew: 0, urgentOld: 2 } } });
  });

  test('parse: case-insensitive names, spaces around counts', () => {
    const r = parseMessageSummary('messages-waiting: NO\r\nvoice-message:  0 / 1 ( 0 / 0 )\r\n');
    assert.ok(r.ok);
    assert.deepEqual(r.value.counts['voice-message'], { new: 0, old: 1, urgentNew: 0, urgentOld: 0 });
    assert.equal(r.value.waiting, false);
  });

  test('parse errors', () => {
    for (const bad of ['', 'Voice-Message: 1/0\r\n', 'Messages-Waiting: maybe\r\n', 'Messages-Waiting: yes\r\nVoice-Message: 1\r\n', 'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nVoice-Message: 2/0\r\n', 'Messages-Waiting: yes\r\ngarbage\r\n']) {
      assert.equal(parseMessageSummary(bad).ok, false, JSON.stringify(bad));
    }
  });
});
