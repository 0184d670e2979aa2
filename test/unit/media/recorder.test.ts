import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { waitFor } from '../../support/wait.js';
import { codecFor } from '../../../src/media/codec/g711.js';
import { Recorder, type OpenRecordingFile, type RecorderOptions } from '../../../src/media/recorder.js';

const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-recorder-'));
after(() => rm(dir, { recursive: true, force: true }));
let seq = 0;
const nextPath = (): string => path.join(dir, `rec-${String(++seq)}.wav`);

interface ParsedWav {
  riffSize: number;
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bits: number;
  dataSize: number;
  samples: Int16Array;
  fileSize: number;
}

function parseWav(buf: Buffer): ParsedWav {
  assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal(buf.toString('latin1', 8, 12), 'WAVE');
  assert.equal(buf.toString('latin1', 12, 16), 'fmt ');
  assert.equal(buf.toString('latin1', 36, 40), 'data');
  const dataSize = buf.readUInt32LE(40);
  const data = buf.subarray(44, 44 + dataSize);
  const samples = new Int16Array(dataSize / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
  return {
    riffSize: buf.readUInt32LE(4),
    format: buf.readUInt16LE(20),
    channels: buf.readUInt16LE(22),
    sampleRate: buf.readUInt32LE(24),
    byteRate: buf.readUInt32LE(28),
    blockAlign: buf.readUInt16LE(32),
    bits: buf.readUInt16LE(34),
    dataSize,
    samples,
    fileSize: buf.length,
  };
}

/** 20 ms frames of a counter pattern, continuing across frames (sample i = f(i)). */
const pattern = (i: number): number => ((i * 7919) % 65536) - 32768;
function patternFrame(start: number, n = 160): Int16Array {
  const f = new Int16Array(n);
  for (let i = 0; i < n; i++) f[i] = pattern(start + i);
  return f;
}

/** A 1 kHz tone at about -10 dBFS: "voice" for the level detector. */
function toneFrame(n = 160): Int16Array {
  const f = new Int16Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return f;
}

/** Low noise at about -60 dBFS: "silence" for the level detector. */
function quietFrame(n = 160): Int16Array {
  const f = new Int16Array(n);
  for (let i = 0; i < n; i++) f[i] = i % 2 === 0 ? 30 : -30;
  return f;
}

/** Real files, with every audio write recorded (position, length, when). */
function countingOpen(log: Array<{ position: number; length: number; samplesPushedSoFar: number }>, pushed: () => number): OpenRecordingFile {
  return async (p, flags) => {
    const fh = await open(p, flags);
    return {
      write: (buf, off, len, pos) => {
        log.push({ position: pos, length: len, samplesPushedSoFar: pushed() });
        return fh.write(buf, off, len, pos);
      },
      read: (buf, off, len, pos) => fh.read(buf, off, len, pos),
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  };
}

async function record(options: Partial<RecorderOptions>, feed: (r: Recorder) => void | Promise<void>) {
  const p = nextPath();
  const r = await Recorder.open(p, { maxDurationMs: 60_000, ...options });
  await feed(r);
  const result = await r.finish();
  return { result, wav: parseWav(await readFile(p)), path: p };
}

describe('Recorder', () => {
  test('batches writes: ~one write per second of audio, not one per packet', async () => {
    const writes: Array<{ position: number; length: number; samplesPushedSoFar: number }> = [];
    let pushed = 0;
    const p = nextPath();
    const r = await Recorder.open(p, { maxDurationMs: 60_000, openFile: countingOpen(writes, () => pushed) });
    for (let f = 0; f < 275; f++) {
      // 5.5 s of 20 ms packets; after each second, let the write complete as it would live.
      r.push(patternFrame(pushed));
      pushed += 160;
      if (f % 50 === 49) {
        const flushes = (f + 1) / 50;
        await waitFor(() => r.stats.flushes === flushes, 5000, () => `flush ${String(flushes)}`, 1);
      }
    }
    const dataWritesBeforeFinish = writes.filter((w) => w.position >= 44).length;
    const result = await r.finish('hangup');
    const dataWrites = writes.filter((w) => w.position >= 44);
    console.log(`recorder: 275 packets (5.5 s) → ${String(dataWrites.length)} data writes (${String(dataWritesBeforeFinish)} while recording), ${String(writes.length - dataWrites.length)} header writes`);
    assert.equal(dataWritesBeforeFinish, 5, 'one write per full second');
    assert.equal(dataWrites.length, 6, 'plus the last half second at finish');
    for (const [i, w] of dataWrites.slice(0, 5).entries()) {
      assert.equal(w.length, 16_000);
      assert.equal(w.position, 44 + i * 16_000);
      assert.equal(w.samplesPushedSoFar, (i + 1) * 8000, 'written as soon as a second is complete');
    }
    assert.deepEqual(
      writes.filter((w) => w.position === 0).map((w) => w.length),
      [44, 44],
      'provisional header at open, final header at finish',
    );
    assert.equal(result.samples, 275 * 160);
    assert.equal(result.durationMs, 5500);
    assert.equal(result.endedBy, 'hangup');
    const wav = parseWav(await readFile(p));
    assert.equal(wav.samples.length, 275 * 160);
    assert.ok(wav.samples.every((s, i) => s === pattern(i)), 'sample-exact');
  });

  test('firstFlushMs: the first write comes early, then one per interval (recordings started together write apart)', async () => {
    const writes: Array<{ position: number; length: number; samplesPushedSoFar: number }> = [];
    let pushed = 0;
    const p = nextPath();
    const r = await Recorder.open(p, { maxDurationMs: 60_000, firstFlushMs: 300, openFile: countingOpen(writes, () => pushed) });
    for (let f = 0; f < 140; f++) {
      r.push(patternFrame(pushed));
      pushed += 160;
      if (f === 14 || f === 64 || f === 114) await waitFor(() => r.stats.flushes === (f + 36) / 50, 5000, () => `flush after frame ${String(f)}`, 1);
    }
    const result = await r.finish('hangup');
    const data = writes.filter((w) => w.position >= 44);
    assert.deepEqual(
      data.map((w) => [w.position, w.length, w.samplesPushedSoFar]),
      [
        [44, 4800, 2400],
        [44 + 4800, 16_000, 10_400],
        [44 + 20_800, 16_000, 18_400],
        [44 + 36_800, 8_000, 22_400],
      ],
    );
    assert.equal(result.samples, 140 * 160);
    const wav = parseWav(await readFile(p));
    assert.ok(wav.samples.every((s, i) => s === pattern(i)), 'sample-exact');
    await assert.rejects(Recorder.open(nextPath(), { maxDurationMs: 1000, firstFlushMs: 2000 }), RangeError);
  });

  test('the provisional header has placeholder sizes; finish fixes them (8 kHz, mono, 16-bit)', async () => {
    const p = nextPath();
    const r = await Recorder.open(p, { maxDurationMs: 10_000 });
    const provisional = await readFile(p);
    assert.equal(provisional.length, 44);
    assert.equal(provisional.readUInt32LE(4), 0xffffffff);
    assert.equal(provisional.readUInt32LE(40), 0xffffffff);
    for (let i = 0; i < 60; i++) r.push(patternFrame(i * 160));
    const result = await r.finish();
    const wav = parseWav(await readFile(p));
    assert.equal(wav.format, 1);
    assert.equal(wav.channels, 1);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.bits, 16);
    assert.equal(wav.blockAlign, 2);
    assert.equal(wav.byteRate, 16000);
    assert.equal(wav.dataSize, 60 * 160 * 2);
    assert.equal(wav.riffSize, 36 + wav.dataSize);
    assert.equal(wav.fileSize, 44 + wav.dataSize);
    assert.equal(result.durationMs, 1200);
    assert.equal(result.endedBy, 'hangup', 'default reason');
  });

  test('buffers reused from earlier recordings carry nothing of them (shared spare buffers)', async () => {
    // A loud recording of several buffers, then quiet ones of odd lengths in the same
    // thread: each must hold exactly its own samples, with silence frames as zeros.
    await record({ flushIntervalMs: 100 }, (r) => {
      for (let i = 0; i < 40; i++) r.push(toneFrame());
    });
    for (const frames of [3, 7, 12]) {
      const { wav } = await record({ flushIntervalMs: 100 }, (r) => {
        for (let f = 0; f < frames; f++) r.push(f % 3 === 1 ? null : patternFrame(f * 160));
      });
      assert.equal(wav.samples.length, frames * 160, `${String(frames)} frames recorded`);
      for (let f = 0; f < frames; f++) {
        const got = wav.samples.subarray(f * 160, (f + 1) * 160);
        const want = f % 3 === 1 ? new Int16Array(160) : patternFrame(f * 160);
        assert.deepEqual(got, want, `frame ${String(f)} of ${String(frames)}: its own audio (or silence), nothing left from before`);
      }
    }
  });

  test('null frames record silence of one frame each, keeping real time', async () => {
    const { result, wav } = await record({}, (r) => {
      r.push(patternFrame(0));
      for (let i = 0; i < 10; i++) r.push(null);
      r.push(patternFrame(160));
    });
    assert.equal(result.samples, 12 * 160);
    assert.equal(result.durationMs, 240);
    assert.deepEqual(Array.from(wav.samples.subarray(0, 160)), Array.from(patternFrame(0)));
    assert.ok(wav.samples.subarray(160, 11 * 160).every((s) => s === 0));
    assert.deepEqual(Array.from(wav.samples.subarray(11 * 160)), Array.from(patternFrame(160)));
  });

  test('frames of any length are accepted (e.g. 30 ms packets) and split across buffers', async () => {
    const { wav } = await record({ flushIntervalMs: 100 }, (r) => {
      for (let i = 0; i < 50; i++) r.push(patternFrame(i * 240, 240));
    });
    assert.equal(wav.samples.length, 50 * 240);
    assert.ok(wav.samples.every((s, i) => s === pattern(i)));
  });

  test('pushCoded (decode while copying) records exactly what push(decode(codes)) does, for both laws', async () => {
    for (const name of ['PCMU', 'PCMA'] as const) {
      const codec = codecFor(name);
      // Loud and quiet stretches (silence timeout and trimming see them), 240-sample frames
      // across 100 ms buffers, and a limit that cuts the last frame.
      const frames: Uint8Array[] = [];
      for (let i = 0; i < 60; i++) {
        const f = new Uint8Array(240);
        for (let j = 0; j < f.length; j++) f[j] = i % 20 < 12 ? (i * 131 + j * 37) & 0xff : codec.silenceByte ^ (j & 1);
        frames.push(f);
      }
      const options = { flushIntervalMs: 100, maxDurationMs: 1_710, silence: { timeoutMs: 5_000 }, trimSilence: true };
      const a = await record(options, (r) => {
        for (const f of frames) r.push(codec.decode(f));
      });
      const b = await record(options, (r) => {
        for (const f of frames) r.pushCoded(f, codec.decodeTable);
      });
      assert.equal(b.result.endedBy, 'max-duration', name);
      assert.deepEqual({ ...b.result, path: '' }, { ...a.result, path: '' }, name);
      assert.ok(b.wav.samples.length > 8000, `${name}: ${String(b.wav.samples.length)} samples`);
      assert.deepEqual(b.wav.samples, a.wav.samples, name);
      // And from inside a datagram (offset, length), as the receive path hands it over.
      const c = await record(options, (r) => {
        for (const f of frames) {
          const datagram = Buffer.alloc(12 + f.length + 3, 0x55);
          datagram.set(f, 12);
          r.pushCoded(datagram, codec.decodeTable, 12, f.length);
        }
      });
      assert.deepEqual(c.wav.samples, a.wav.samples, `${name}, in a datagram`);
    }
  });

  test('max duration: the audio is cut at exactly the limit, once, and later frames are ignored', async () => {
    let fired = 0;
    const { result, wav } = await record({ maxDurationMs: 1010, onMaxDuration: () => fired++ }, (r) => {
      for (let i = 0; i < 100; i++) r.push(patternFrame(i * 160));
      assert.equal(r.endedBy, 'max-duration');
    });
    assert.equal(fired, 1);
    assert.equal(result.endedBy, 'max-duration');
    assert.equal(result.samples, 8080);
    assert.equal(wav.samples.length, 8080);
    assert.ok(wav.samples.every((s, i) => s === pattern(i)));
  });

  test('the recorder\'s own reason wins over the one given to finish', async () => {
    const p = nextPath();
    const r = await Recorder.open(p, { maxDurationMs: 100 });
    for (let i = 0; i < 10; i++) r.push(toneFrame());
    assert.equal((await r.finish('hangup')).endedBy, 'max-duration');
  });

  test('silence timeout after voice: fires when the caller has been quiet for timeoutMs', async () => {
    let firedAt = -1;
    let pushedFrames = 0;
    const { result } = await record({ silence: { timeoutMs: 1000 }, onSilenceTimeout: () => (firedAt = pushedFrames) }, (r) => {
      for (let i = 0; i < 25; i++, pushedFrames++) r.push(toneFrame());
      for (let i = 0; i < 20; i++, pushedFrames++) r.push(quietFrame());
      for (let i = 0; i < 5; i++, pushedFrames++) r.push(toneFrame()); // a pause, not the end
      for (let i = 0; i < 30; i++, pushedFrames++) r.push(null); // lost packets count as silence
      for (let i = 0; i < 40; i++, pushedFrames++) r.push(quietFrame());
    });
    assert.equal(firedAt, 25 + 20 + 5 + 50 - 1, 'on the 50th silent frame (1 s)');
    assert.equal(result.endedBy, 'silence');
    assert.equal(result.samples, 100 * 160, 'nothing recorded after the timeout');
    assert.equal(result.heardVoice, true);
  });

  test('silence timeout also runs from the start (a caller who never speaks)', async () => {
    let fired = 0;
    const { result } = await record({ silence: { timeoutMs: 500, thresholdDbfs: -45 }, onSilenceTimeout: () => fired++ }, (r) => {
      for (let i = 0; i < 100; i++) r.push(quietFrame());
    });
    assert.equal(fired, 1);
    assert.equal(result.samples, 25 * 160);
    assert.equal(result.heardVoice, false);
  });

  test('the threshold is configurable: -65 dBFS turns the quiet frames into voice', async () => {
    let fired = 0;
    const { result } = await record({ silence: { timeoutMs: 500, thresholdDbfs: -65 }, onSilenceTimeout: () => fired++ }, (r) => {
      for (let i = 0; i < 100; i++) r.push(quietFrame());
    });
    assert.equal(fired, 0);
    assert.equal(result.heardVoice, true);
  });

  test('trimSilence cuts leading and trailing silence, keeping the padding', async () => {
    const feed = (r: Recorder): void => {
      for (let i = 0; i < 50; i++) r.push(quietFrame()); // 1 s
      for (let i = 0; i < 30; i++) r.push(toneFrame()); // 0.6 s of voice
      for (let i = 0; i < 75; i++) r.push(i % 3 === 0 ? null : quietFrame()); // 1.5 s
    };
    const tight = await record({ trimSilence: true, trimPaddingMs: 0 }, feed);
    assert.equal(tight.result.samples, 30 * 160);
    assert.equal(tight.wav.dataSize, 30 * 160 * 2);
    assert.equal(tight.wav.riffSize, 36 + tight.wav.dataSize);
    assert.equal(tight.wav.fileSize, 44 + tight.wav.dataSize);
    assert.deepEqual(Array.from(tight.wav.samples.subarray(0, 160)), Array.from(toneFrame()));
    assert.deepEqual(Array.from(tight.wav.samples.subarray(29 * 160)), Array.from(toneFrame()));

    const padded = await record({ trimSilence: true, trimPaddingMs: 200 }, feed);
    assert.equal(padded.result.samples, (30 + 20) * 160);
    assert.equal(padded.result.durationMs, 1000);
    assert.deepEqual(Array.from(padded.wav.samples.subarray(0, 160)), Array.from(quietFrame()));
    assert.deepEqual(Array.from(padded.wav.samples.subarray(10 * 160, 11 * 160)), Array.from(toneFrame()));

    const untrimmed = await record({}, feed);
    assert.equal(untrimmed.result.samples, 155 * 160);
  });

  test('trimSilence with no voice at all leaves an empty, valid WAV', async () => {
    const { result, wav } = await record({ trimSilence: true }, (r) => {
      for (let i = 0; i < 20; i++) r.push(quietFrame());
    });
    assert.equal(result.samples, 0);
    assert.equal(result.heardVoice, false);
    assert.equal(wav.fileSize, 44);
    assert.equal(wav.riffSize, 36);
  });

  test('finish and close are idempotent; close finishes as aborted; abort signal does too', async () => {
    const p = nextPath();
    const r = await Recorder.open(p, { maxDurationMs: 10_000 });
    r.push(toneFrame());
    const [a, b] = await Promise.all([r.finish('dtmf'), r.finish('hangup')]);
    assert.equal(a, b);
    assert.equal(a.endedBy, 'dtmf');
    await r.close();
    await r.close();
    r.push(toneFrame()); // ignored after finish

    const p2 = nextPath();
    const r2 = await Recorder.open(p2, { maxDurationMs: 10_000 });
    r2.push(toneFrame());
    await r2.close();
    assert.equal((await r2.finish()).endedBy, 'aborted');
    assert.equal(parseWav(await readFile(p2)).samples.length, 160, 'audio kept, valid WAV');

    const ac = new AbortController();
    const p3 = nextPath();
    const r3 = await Recorder.open(p3, { maxDurationMs: 10_000, signal: ac.signal });
    r3.push(toneFrame());
    ac.abort();
    const res3 = await r3.finish('hangup');
    assert.equal(res3.endedBy, 'aborted');
    assert.equal(res3.samples, 160);
  });

  test('never clobbers an existing file unless asked; a write error surfaces as VM_MEDIA_RECORD_IO', async () => {
    const p = nextPath();
    await writeFile(p, 'precious');
    await assert.rejects(Recorder.open(p, { maxDurationMs: 1000 }), { code: 'VM_MEDIA_RECORD_IO' });
    assert.equal(await readFile(p, 'utf8'), 'precious');

    let failWrites = false;
    const errors: string[] = [];
    const flaky: OpenRecordingFile = async (fp, flags) => {
      const fh = await open(fp, flags);
      return {
        write: (buf, off, len, pos) => (failWrites ? Promise.reject(new Error('ENOSPC')) : fh.write(buf, off, len, pos)),
        read: (buf, off, len, pos) => fh.read(buf, off, len, pos),
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    };
    const r = await Recorder.open(nextPath(), { maxDurationMs: 10_000, openFile: flaky, onError: (e) => errors.push(e.code) });
    failWrites = true;
    for (let i = 0; i < 60; i++) r.push(toneFrame());
    await assert.rejects(r.finish(), { code: 'VM_MEDIA_RECORD_IO' });
    assert.deepEqual(errors, ['VM_MEDIA_RECORD_IO']);
    await r.close(); // does not throw
  });

  test('memory stays bounded when the disk stalls: audio beyond the backlog is dropped and counted', async () => {
    let release: (() => void) | undefined;
    const stalled = new Promise<void>((res) => (release = res));
    let writes = 0;
    const slow: OpenRecordingFile = async (fp, flags) => {
      const fh = await open(fp, flags);
      return {
        write: async (buf, off, len, pos) => {
          if (pos > 0) {
            writes++;
            await stalled;
          }
          return fh.write(buf, off, len, pos);
        },
        read: (buf, off, len, pos) => fh.read(buf, off, len, pos),
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    };
    const r = await Recorder.open(nextPath(), { maxDurationMs: 60_000, maxBacklogMs: 2000, openFile: slow });
    for (let i = 0; i < 500; i++) {
      r.push(toneFrame()); // 10 s while the disk is stuck
      if (i % 50 === 0) await new Promise((res) => setImmediate(res));
    }
    // 1 buffer filling + 2 s of backlog = 3 s held; the other 7 s dropped.
    assert.equal(r.stats.droppedSamples, 7 * 8000);
    release!();
    const result = await r.finish();
    assert.equal(result.samples, 3 * 8000);
    assert.equal(result.droppedSamples, 7 * 8000);
    assert.ok(writes >= 3);
  });
});
