import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { wavHeader } from '../../../src/media/audio/wav-header.js';
import { recoverWav } from '../../../src/media/wav-recovery.js';

const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-recovery-'));
after(() => rm(dir, { recursive: true, force: true }));
let seq = 0;

async function fixture(bytes: Buffer): Promise<string> {
  const p = path.join(dir, `f-${String(++seq)}.wav`);
  await writeFile(p, bytes);
  return p;
}

function pcm(samples: number): Buffer {
  const b = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) b.writeInt16LE(((i * 31) % 60000) - 30000, i * 2);
  return b;
}

/** The header a crashed recorder leaves: sizes are placeholders. */
function crashedHeader(placeholder: number): Buffer {
  const h = wavHeader(0);
  h.writeUInt32LE(placeholder, 4);
  h.writeUInt32LE(placeholder, 40);
  return h;
}

function checkValid(buf: Buffer, samples: number): void {
  assert.equal(buf.length, 44 + samples * 2);
  assert.equal(buf.readUInt32LE(4), 36 + samples * 2);
  assert.equal(buf.readUInt32LE(40), samples * 2);
  assert.equal(buf.readUInt32LE(24), 8000);
}

describe('recoverWav', () => {
  test('fixes the 0xFFFFFFFF placeholder sizes of a crashed recording, keeping every sample', async () => {
    const audio = pcm(24_000);
    const p = await fixture(Buffer.concat([crashedHeader(0xffffffff), audio]));
    const r = await recoverWav(p);
    assert.deepEqual(r, { ok: true, value: { recovered: true, samples: 24_000 } });
    const buf = await readFile(p);
    checkValid(buf, 24_000);
    assert.ok(buf.subarray(44).equals(audio));
  });

  test('fixes the 0 placeholder, and drops the odd byte of a torn last write', async () => {
    const audio = pcm(8000);
    const p = await fixture(Buffer.concat([crashedHeader(0), audio, Buffer.from([0x12])]));
    const r = await recoverWav(p);
    assert.deepEqual(r, { ok: true, value: { recovered: true, samples: 8000 } });
    const buf = await readFile(p);
    checkValid(buf, 8000);
    assert.ok(buf.subarray(44).equals(audio));
  });

  test('a crash right after the header gives an empty valid WAV', async () => {
    const p = await fixture(crashedHeader(0xffffffff));
    assert.deepEqual(await recoverWav(p), { ok: true, value: { recovered: true, samples: 0 } });
    checkValid(await readFile(p), 0);
  });

  test('a header claiming more data than the file holds (truncated copy) is cut to what is there', async () => {
    const p = await fixture(Buffer.concat([wavHeader(16_000), pcm(3000)]));
    assert.deepEqual(await recoverWav(p), { ok: true, value: { recovered: true, samples: 3000 } });
    checkValid(await readFile(p), 3000);
  });

  test('valid files are left untouched (byte for byte, mtime too)', async () => {
    for (const bytes of [Buffer.concat([wavHeader(8000), pcm(4000)]), wavHeader(0)]) {
      const p = await fixture(bytes);
      const before = await stat(p);
      const r = await recoverWav(p);
      assert.deepEqual(r, { ok: true, value: { recovered: false, samples: (bytes.length - 44) / 2 } });
      assert.ok((await readFile(p)).equals(bytes));
      assert.equal((await stat(p)).mtimeMs, before.mtimeMs);
    }
  });

  test('a valid file with a chunk after the data (LIST) is left untouched', async () => {
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
    const h = wavHeader(2000);
    h.writeUInt32LE(36 + 2000 + list.length, 4);
    const bytes = Buffer.concat([h, pcm(1000), list]);
    const p = await fixture(bytes);
    assert.deepEqual(await recoverWav(p), { ok: true, value: { recovered: false, samples: 1000 } });
    assert.ok((await readFile(p)).equals(bytes));
  });

  test('not a WAV, or no file: an error result, never a throw, nothing written', async () => {
    const junk = Buffer.from('this is not a wav file at all, just text...........');
    const p = await fixture(junk);
    const r = await recoverWav(p);
    assert.equal(r.ok, false);
    assert.ok((await readFile(p)).equals(junk));
    const noData = wavHeader(0).subarray(0, 36);
    const r2 = await recoverWav(await fixture(noData));
    assert.equal(r2.ok, false);
    const r3 = await recoverWav(path.join(dir, 'missing.wav'));
    assert.equal(r3.ok, false);
    const empty = await recoverWav(await fixture(Buffer.alloc(0)));
    assert.equal(empty.ok, false);
  });
});
