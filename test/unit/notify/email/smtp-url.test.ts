import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emlFileName } from '../../../../src/notify/email/eml-writer.js';
import { EmailSender } from '../../../../src/notify/email/index.js';
import { checkSmtpUrl, redactSmtpUrl } from '../../../../src/notify/email/smtp-url.js';
import { silentLogger } from '../../../../src/shared/logger.js';

const audio = { get: () => Promise.resolve(null), stat: () => Promise.resolve(null) };

describe('SMTP URL and file names', () => {
  test('smtp:// and smtps:// with a host are accepted', () => {
    assert.equal(checkSmtpUrl('smtp://u:p@mail.example.com:587').hostname, 'mail.example.com');
    assert.equal(checkSmtpUrl('smtps://mail.example.com').protocol, 'smtps:');
  });

  test('anything else is VM_EMAIL_SMTP_URL_INVALID, and the password is not in the message', () => {
    for (const bad of ['http://u:hunter2@host', 'smtp://u:hunter2@', 'not a url hunter2', 'smtp:hunter2']) {
      assert.throws(
        () => checkSmtpUrl(bad),
        (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'VM_EMAIL_SMTP_URL_INVALID');
          assert.ok(!(e as Error).message.includes('hunter2'), (e as Error).message);
          return true;
        },
        bad,
      );
    }
  });

  test('redaction masks the password and secret-looking query values only', () => {
    assert.equal(redactSmtpUrl('smtp://user:hunter2@host:25?requireTLS=true&tls.passphrase=x'), 'smtp://user:***@host:25?requireTLS=true&tls.passphrase=***');
    assert.equal(redactSmtpUrl('smtp://host'), 'smtp://host');
    assert.equal(redactSmtpUrl('::hunter2'), '(unparsable URL)');
  });

  test('the constructor refuses bad configuration', () => {
    const base = { from: 'vm@example.com', emlDir: '/tmp/x', audio, logger: silentLogger() };
    assert.throws(() => new EmailSender({ ...base, smtpUrl: 'ftp://host' }), { code: 'VM_EMAIL_SMTP_URL_INVALID' });
    assert.throws(() => new EmailSender({ ...base, smtpUrl: null, from: 'nobody' }), { code: 'VM_EMAIL_FROM_INVALID' });
  });

  test('.eml names: readable, file-system safe, distinct per delivery key', () => {
    const a = emlFileName('message.created:0b8e-4c:email:Bob/../x@example.com');
    assert.match(a, /^message\.created_0b8e-4c_email_Bob_\.\._x@example\.com-[0-9a-f]{12}\.eml$/);
    assert.ok(!a.includes('/'));
    assert.notEqual(emlFileName('a:b'), emlFileName('a/b'), 'sanitised alike, told apart by the hash');
    assert.ok(!emlFileName('..').startsWith('.'), 'never a hidden file');
    assert.ok(emlFileName('x'.repeat(1000)).length < 200);
  });
});
