import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileTemplateSource, templateFileName } from '../../../../src/notify/email/file-template-source.js';

describe('file template source', () => {
  test('file names: <name>.<lang>.txt for subject and text, .html for HTML', () => {
    assert.equal(templateFileName('message.created.subject', 'ru'), 'message.created.subject.ru.txt');
    assert.equal(templateFileName('message.created.text', 'ru'), 'message.created.ru.txt');
    assert.equal(templateFileName('message.created.html', 'en'), 'message.created.en.html');
    assert.equal(templateFileName('missed_call.text', 'en'), 'missed_call.en.txt');
  });

  test('reads the tenant file (without a BOM); absent → null', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-tpl-'));
    await mkdir(path.join(dir, 't1'));
    await writeFile(path.join(dir, 't1', 'missed_call.ru.txt'), '\uFEFFЗвонок от {{caller}}');
    const source = fileTemplateSource(dir);
    assert.equal(await source.get('t1', 'missed_call.text', 'ru'), 'Звонок от {{caller}}');
    assert.equal(await source.get('t1', 'missed_call.text', 'en'), null);
    assert.equal(await source.get('t2', 'missed_call.text', 'ru'), null, 'no directory for the tenant');
  });

  test('tenant ids that are not a plain directory name never reach the file system', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-tpl-'));
    await writeFile(path.join(dir, 'missed_call.ru.txt'), 'outside');
    const source = fileTemplateSource(path.join(dir, 'sub'));
    for (const id of ['..', '.', '../sub', 'a/b', '', '.hidden', 'a\\b']) assert.equal(await source.get(id, 'missed_call.text', 'ru'), null, id);
  });

  test('a file over the size bound is an error (the sender then uses the built-in)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-tpl-'));
    await mkdir(path.join(dir, 't1'));
    await writeFile(path.join(dir, 't1', 'missed_call.ru.html'), 'x'.repeat(101));
    await writeFile(path.join(dir, 't1', 'missed_call.ru.txt'), 'x'.repeat(100));
    const source = fileTemplateSource(dir, { maxBytes: 100 });
    await assert.rejects(source.get('t1', 'missed_call.html', 'ru'), { code: 'VM_EMAIL_TEMPLATE_TOO_LARGE' });
    assert.equal((await source.get('t1', 'missed_call.text', 'ru'))?.length, 100);
  });
});
