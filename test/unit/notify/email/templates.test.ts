import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_TEMPLATES } from '../../../../src/notify/email/builtin-templates.js';
import { messageValues, missedCallValues } from '../../../../src/notify/email/mail-values.js';
import { escapeHtml, renderSubject, renderTemplate, TEMPLATE_KINDS, TEMPLATE_PARTS } from '../../../../src/notify/email/templates.js';
import { LANGUAGES } from '../../../../src/voicemail/model.js';
import { MAILBOX_EN, messagePayload, missedCallPayload } from './fixtures.js';

describe('e-mail templates', () => {
  test('placeholders: raw in text, escaped in HTML (text and attribute context)', () => {
    const values = { name: `<b>"O'Neil" & Co</b>`, link: 'https://x/?a=1&b="2"' };
    assert.equal(renderTemplate('Hi {{name}}', values, 'text'), `Hi <b>"O'Neil" & Co</b>`);
    assert.equal(renderTemplate('<p>{{ name }}</p>', values, 'html'), '<p>&lt;b&gt;&quot;O&#39;Neil&quot; &amp; Co&lt;/b&gt;</p>');
    assert.equal(renderTemplate('<a href="{{link}}">x</a>', values, 'html'), '<a href="https://x/?a=1&amp;b=&quot;2&quot;">x</a>');
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
  });

  test('a value is never re-read as a template', () => {
    assert.equal(renderTemplate('{{a}}', { a: '{{b}}', b: 'B' }, 'text'), '{{b}}');
  });

  test('sections keep their body only when the value is non-empty; inverted ones the opposite; they nest', () => {
    const t = '{{#link}}Listen: {{link}}{{/link}}{{^link}}no link{{/link}}';
    assert.equal(renderTemplate(t, { link: 'L' }, 'text'), 'Listen: L');
    assert.equal(renderTemplate(t, { link: '' }, 'text'), 'no link');
    assert.equal(renderTemplate(t, {}, 'text'), 'no link');
    assert.equal(renderTemplate('{{#a}}A{{#b}}B{{/b}}{{/a}}', { a: '1', b: '1' }, 'text'), 'AB');
    assert.equal(renderTemplate('{{#a}}A{{#b}}B{{/b}}{{/a}}', { a: '1', b: '' }, 'text'), 'A');
    assert.equal(renderTemplate('{{#a}}A{{#b}}B{{/b}}{{/a}}', { a: '', b: '1' }, 'text'), '');
  });

  test('unknown placeholders, stray tags and bad syntax stay visible as written', () => {
    assert.equal(renderTemplate('x {{nope}} y', { a: '1' }, 'text'), 'x {{nope}} y');
    assert.equal(renderTemplate('{{/a}}b', { a: '1' }, 'text'), '{{/a}}b');
    assert.equal(renderTemplate('{{#a}}x{{/b}}y', { a: '1' }, 'text'), 'x{{/b}}y', 'a mismatched close is text; the open section runs to the end');
    assert.equal(renderTemplate('{{ 1x }} {{}} {{a', { a: '1' }, 'text'), '{{ 1x }} {{}} {{a');
    assert.equal(renderTemplate('{{toString}} {{__proto__}}', {}, 'text'), '{{toString}} {{__proto__}}', 'no prototype lookups');
  });

  test('large input renders in linear time', () => {
    const t = '{{#a}}'.repeat(20_000) + '{{x}}'.repeat(20_000);
    const started = performance.now();
    renderTemplate(t, { a: '1', x: 'y' }, 'html');
    assert.ok(performance.now() - started < 1000);
  });

  test('subjects are one line', () => {
    assert.equal(renderSubject('  New\r\nmessage {{x}}\n', { x: 'from\nme' }), 'New message from me');
    assert.equal(renderSubject('x'.repeat(400), {}).length, 250);
  });

  test('every built-in template renders with no placeholder left, in both languages', () => {
    const message = messageValues(messagePayload({ mailbox: MAILBOX_EN }), { kind: 'too-large', sizeBytes: 5_000_000 });
    const missed = missedCallValues(missedCallPayload());
    for (const kind of TEMPLATE_KINDS) {
      for (const language of LANGUAGES) {
        for (const part of TEMPLATE_PARTS) {
          const values = { ...(kind === 'message.created' ? message : missed), subject: 'S' };
          const out = renderTemplate(BUILTIN_TEMPLATES[kind][language][part], values, part === 'html' ? 'html' : 'text');
          assert.doesNotMatch(out, /\{\{|\}\}/, `${kind}.${part}.${language}: ${out}`);
        }
      }
    }
  });

  test('the link section disappears with the link, and no blank run is left behind', () => {
    const text = BUILTIN_TEMPLATES['message.created'].en.text;
    const withLink = renderTemplate(text, messageValues(messagePayload({ mailbox: MAILBOX_EN }), { kind: 'not-requested' }), 'text');
    const without = renderTemplate(text, messageValues(messagePayload({ mailbox: MAILBOX_EN, link: null }), { kind: 'not-requested' }), 'text');
    assert.match(withLink, /\nListen: +https:\/\/vm\.example\.com\/inbox\/msg-0001\n/);
    assert.doesNotMatch(without, /Listen/);
    assert.doesNotMatch(without, /\n\n\n/);
  });
});
