import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { FsAudioStore, isAudioKey } from '../../../src/store/index.js';
import { tempDir } from './store-fixture.js';

const dir = await tempDir('audio');
let seq = 0;
function newStore(): { audio: FsAudioStore; root: string } {
  const root = path.join(dir, `root-${String(++seq)}`);
  return { audio: new FsAudioStore(root), root };
}

/** Bytes that differ at every offset, so a wrong range cannot pass by accident. */
function bytes(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) % 251));
}

describe('FsAudioStore', () => {
  test('keys: relative segments of [A-Za-z0-9._-], no dot segments, at most 512 characters', async () => {
    for (const ok of ['a.wav', 'messages/t1/100/0b8e-4c.wav', 'greetings/t_1/100/busy.v2.wav', `${'a'.repeat(511)}b`]) {
      assert.equal(isAudioKey(ok), true, ok);
    }
    const bad = ['', '/abs.wav', 'a/../b.wav', '../b.wav', './a.wav', 'a/./b', 'a//b', 'a/', 'a\\b', 'a b.wav', '.partial/x.wav', '.hidden', 'ü.wav', 'a'.repeat(513)];
    for (const key of bad) assert.equal(isAudioKey(key), false, key);
    const { audio } = newStore();
    for (const key of bad) {
      await assert.rejects(audio.put(key, Buffer.from('x')), { code: 'VM_STORE_INVALID', message: /must be an audio key/ }, key);
      await assert.rejects(audio.get(key), { code: 'VM_STORE_INVALID' }, key);
      await assert.rejects(audio.stat(key), { code: 'VM_STORE_INVALID' }, key);
      await assert.rejects(audio.delete(key), { code: 'VM_STORE_INVALID' }, key);
      await assert.rejects(audio.commitPartial('p1', key), { code: 'VM_STORE_INVALID' }, key);
      assert.throws(() => audio.createReadStream(key), { code: 'VM_STORE_INVALID' }, key);
    }
    for (const id of ['', '../x', 'a.b', 'a/b', 'x'.repeat(65)]) {
      assert.throws(() => audio.partialPath(id), { code: 'VM_STORE_INVALID', message: /recording id/ }, id);
    }
  });

  test('put, get, stat, delete', async () => {
    const { audio, root } = newStore();
    const data = bytes(10_000);
    await audio.put('messages/t1/100/a.wav', data);
    assert.deepEqual(await readFile(path.join(root, 'messages', 't1', '100', 'a.wav')), data, 'the object is a file at <root>/<key>');
    assert.deepEqual(await audio.get('messages/t1/100/a.wav'), data);
    assert.deepEqual(await audio.stat('messages/t1/100/a.wav'), { sizeBytes: 10_000 });
    // Overwrite is atomic and leaves no temp file behind.
    await audio.put('messages/t1/100/a.wav', Buffer.from('short'));
    assert.deepEqual(await audio.get('messages/t1/100/a.wav'), Buffer.from('short'));
    assert.deepEqual(await readdir(path.join(root, 'messages', 't1', '100')), ['a.wav']);

    assert.equal(await audio.get('messages/t1/100/missing.wav'), null);
    assert.equal(await audio.stat('messages/t1/100/missing.wav'), null);
    assert.equal(await audio.get('nowhere/at/all.wav'), null);
    assert.equal(await audio.stat('messages'), null, 'a directory is not an object');
    assert.equal(await audio.get('messages'), null);
    assert.equal(await audio.get('messages/t1/100/a.wav/deeper'), null, 'a path through a file is missing, not an error');

    await audio.delete('messages/t1/100/a.wav');
    assert.equal(await audio.get('messages/t1/100/a.wav'), null);
    await audio.delete('messages/t1/100/a.wav');
    await audio.delete('never/existed.wav');
  });

  test('createReadStream: whole object and inclusive byte ranges', async () => {
    const { audio } = newStore();
    const data = bytes(5_000);
    await audio.put('p/x.wav', data);
    assert.deepEqual(await buffer(audio.createReadStream('p/x.wav')), data);
    assert.deepEqual(await buffer(audio.createReadStream('p/x.wav', { start: 0, end: 0 })), data.subarray(0, 1));
    assert.deepEqual(await buffer(audio.createReadStream('p/x.wav', { start: 44, end: 1043 })), data.subarray(44, 1044));
    assert.deepEqual(await buffer(audio.createReadStream('p/x.wav', { start: 4_999, end: 4_999 })), data.subarray(4_999));
    assert.throws(() => audio.createReadStream('p/x.wav', { start: 10, end: 9 }), { code: 'VM_STORE_INVALID' });
    assert.throws(() => audio.createReadStream('p/x.wav', { start: -1, end: 9 }), { code: 'VM_STORE_INVALID' });
    await assert.rejects(buffer(audio.createReadStream('p/missing.wav')), { code: 'ENOENT' });
  });

  test('partials: path, list, commit (moved, readable, gone from the list), remove', async () => {
    const { audio, root } = newStore();
    assert.deepEqual(await audio.listPartials(), []);
    const p = audio.partialPath('dep-1');
    assert.equal(p, path.join(root, '.partial', 'dep-1.wav'));
    const wav = bytes(16_044);
    await writeFile(p, wav);
    await writeFile(audio.partialPath('dep-2'), bytes(10));
    await writeFile(path.join(root, '.partial', 'notes.txt'), 'not a recording');
    assert.deepEqual(await audio.listPartials(), ['dep-1', 'dep-2']);

    assert.deepEqual(await audio.commitPartial('dep-1', 'messages/t1/100/dep-1.wav'), { sizeBytes: 16_044 });
    assert.deepEqual(await audio.get('messages/t1/100/dep-1.wav'), wav);
    assert.deepEqual(await buffer(audio.createReadStream('messages/t1/100/dep-1.wav', { start: 44, end: 47 })), wav.subarray(44, 48));
    assert.deepEqual(await audio.listPartials(), ['dep-2']);
    await assert.rejects(audio.commitPartial('dep-1', 'messages/t1/100/dep-1.wav'), { code: 'VM_STORE_NOT_FOUND', message: /dep-1/ });

    await audio.removePartial('dep-2');
    await audio.removePartial('dep-2');
    assert.deepEqual(await audio.listPartials(), []);
  });

  test('objects and partials stay inside the root', async () => {
    const { audio, root } = newStore();
    await audio.put('a/b/c.wav', Buffer.from('x'));
    await writeFile(audio.partialPath('z'), 'y');
    await audio.commitPartial('z', 'a/z.wav');
    const walk = async (d: string): Promise<string[]> =>
      (await readdir(d, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
    assert.deepEqual((await walk(root)).sort(), ['a/b/c.wav', 'a/z.wav']);
  });
});
