import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifySmtpError, isSizeRefusal, providerIdFrom } from '../../../../src/notify/email/classify.js';

/** An error shaped like nodemailer's. */
function smtpError(fields: { code?: string; command?: string; response?: string; responseCode?: number; message?: string }): Error {
  return Object.assign(new Error(fields.message ?? 'failed'), fields);
}

describe('classifying SMTP outcomes', () => {
  test('5xx to RCPT TO or DATA is permanent', () => {
    for (const [command, code] of [
      ['RCPT TO', 550],
      ['RCPT TO', 553],
      ['DATA', 554],
      ['DATA', 552],
    ] as const) {
      const r = classifySmtpError(smtpError({ code: 'EENVELOPE', command, responseCode: code, response: `${String(code)} no` }));
      assert.equal(r.permanent, true, `${command} ${String(code)}`);
    }
  });

  test('4xx, 503, connection trouble, timeouts, aborts and configuration errors are retried', () => {
    const retried = [
      smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451 }),
      smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 452 }),
      smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 503 }),
      smtpError({ code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:25' }),
      smtpError({ code: 'ETIMEDOUT', command: 'CONN' }),
      smtpError({ code: 'ECONNECTION', command: 'CONN' }),
      smtpError({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }),
      smtpError({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }),
      smtpError({ code: 'EABORT' }),
      smtpError({ code: 'ETLS', command: 'CONN' }),
      new Error('plain'),
      'a string',
      null,
    ];
    for (const e of retried) assert.equal(classifySmtpError(e).permanent, false, String(e));
  });

  test('a recipient refused before sending (not an address) is permanent', () => {
    assert.equal(classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'API', message: 'No recipients defined' })).permanent, true);
  });

  test('the error text names the code, the command and the reply', () => {
    const r = classifySmtpError(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, message: "Can't send mail: 550 5.1.1 No such user" }));
    assert.equal(r.error, "EENVELOPE RCPT TO: Can't send mail: 550 5.1.1 No such user");
  });

  test('size refusals are recognised (so the mail can go without the audio)', () => {
    assert.equal(isSizeRefusal(smtpError({ code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 30000' })), true);
    assert.equal(isSizeRefusal(smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 552, response: '552 too big' })), true);
    assert.equal(isSizeRefusal(smtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 554, response: '554 5.3.4 Message too big for system' })), true);
    assert.equal(isSizeRefusal(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 no such user' })), false);
  });

  test('the provider id: the queue id of the 250 reply, else the Message-ID', () => {
    assert.equal(providerIdFrom('250 2.0.0 Ok: queued as 4XyZ1k2Lm3', '<m@voxmail>'), '4XyZ1k2Lm3');
    assert.equal(providerIdFrom('250 OK id=1rA2b3-000Abc-4D', '<m@voxmail>'), '1rA2b3-000Abc-4D');
    assert.equal(providerIdFrom('250 2.0.0 Ok: queued as <ABC@host>', '<m@voxmail>'), 'ABC@host');
    assert.equal(providerIdFrom('250 2.0.0 Message accepted for delivery', '<m@voxmail>'), '<m@voxmail>');
    assert.equal(providerIdFrom(undefined, '<m@voxmail>'), '<m@voxmail>');
  });
});
