/**
 * A recorder killed with SIGKILL mid-recording leaves a file that recoverWav turns into a
 * valid WAV holding every sample up to at most ~1 s (one flush) before the kill.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { recoverWav } from '../../../src/media/wav-recovery.js';
import { killChildren, killTree, spawnTracked } from '../../support/child-processes.js';
import { waitFor } from '../../support/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const childScript = path.join(here, 'fixtures', 'recorder-child.ts');

/** Must match fixtures/recorder-child.ts. */
const pattern = (i: number): number => ((i * 7919) % 65536) - 32768;

const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-crash-'));
after(async () => {
  await killChildren();
  await rm(dir, { recursive: true, force: true });
});

test('SIGKILL mid-recording: recoverWav yields a valid WAV with a sample-exact prefix, ≤ 1 s short', async () => {
  const wavPath = path.join(dir, 'crashed.wav');
  const child = spawnTracked(process.execPath, ['--import', 'tsx', childScript, wavPath], { cwd: repoRoot });
  await waitFor(() => child.stdout.includes('recording'), 20_000, () => `the child to start recording (stderr: ${child.stderr})`, 5);
  const t0 = performance.now();
  // Kill in the middle of the fourth second: three flushes done, half a second buffered.
  await new Promise((r) => setTimeout(r, 3500));
  killTree(child.child, 'SIGKILL');
  const elapsedMs = performance.now() - t0;
  const exit = await child.exited;
  assert.equal(exit.signal, 'SIGKILL', `child exited by itself: ${child.stderr}`);

  const before = await readFile(wavPath);
  assert.equal(before.readUInt32LE(40), 0xffffffff, 'the crashed file still has the provisional header');

  const r = await recoverWav(wavPath);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.recovered, true);

  const wav = await readFile(wavPath);
  const dataBytes = wav.readUInt32LE(40);
  assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
  assert.equal(wav.readUInt32LE(4), 36 + dataBytes);
  assert.equal(wav.length, 44 + dataBytes);
  assert.equal(wav.readUInt32LE(24), 8000);
  assert.equal(wav.readUInt16LE(22), 1);
  assert.equal(wav.readUInt16LE(34), 16);
  const samples = dataBytes / 2;
  assert.equal(samples, r.value.samples);

  const recoveredMs = samples / 8;
  const marginMs = 150; // scheduling noise: child start-up, the stdout pipe, the kill itself
  console.log(
    `recorder crash: killed after ${elapsedMs.toFixed(0)} ms of recording (${child.stdout.trim().split('\n').length - 1} flushes reported); recovered ${String(recoveredMs)} ms (${String(samples)} samples), lost ${(elapsedMs - recoveredMs).toFixed(0)} ms`,
  );
  assert.ok(recoveredMs >= elapsedMs - 1000 - marginMs, `recovered only ${String(recoveredMs)} ms of ${elapsedMs.toFixed(0)} ms`);
  assert.ok(recoveredMs <= elapsedMs + marginMs, `recovered ${String(recoveredMs)} ms, more than was recorded`);
  for (let i = 0; i < samples; i++) {
    const s = wav.readInt16LE(44 + i * 2);
    if (s !== pattern(i)) assert.fail(`sample ${String(i)} is ${String(s)}, pushed ${String(pattern(i))}`);
  }
});
