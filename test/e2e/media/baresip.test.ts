import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeWavTo8k } from '../../../src/media/audio/resample.js';
import { tone, silence } from '../../../src/media/audio/tone.js';
import { parseWav, toWav } from '../../../src/media/audio/wav.js';
import { decodeUlaw, encodeUlaw, linearToUlaw, ulawToLinear } from '../../../src/media/codec/g711.js';
import type { SipStack } from '../../../src/sip/index.js';
import { makeSpeech } from '../../support/audio-fixtures.js';
import { Baresip, baresipLinearToUlaw, baresipUlawToLinear } from '../../support/baresip.js';
import { killChildren } from '../../support/child-processes.js';
import { MediaTestApp, type MediaAppOptions, type MediaCallRecord } from '../../support/media-app.js';
import { portOf, startStack } from '../../support/stack.js';
import { waitFor } from '../../support/wait.js';

/**
 * baresip 1.0.0, a real softphone, calls the SIP core + media engine (MediaTestApp):
 * (a) what it says is recorded sample for sample, (b) its RFC 4733 DTMF arrives once
 * per digit, (c) the prompts we play reach it intact and without gaps between them.
 * baresip's sndfile module dumps what it sent (`-enc.wav`) and what it heard (`-dec.wav`).
 */

const RATE = 8000;

/** One call's worth of fixtures: the stack, the app, a baresip; all torn down in `finally`. */
async function withCall(
  appOptions: MediaAppOptions,
  audioSource: string,
  body: (ctx: { app: MediaTestApp; stack: SipStack; baresip: Baresip; call: () => MediaCallRecord }) => Promise<void>,
): Promise<void> {
  // Our RTP ports also away from the ephemeral range and the other tests' RTP ranges
  // (a stray packet latched first would take the call's media; see test/support/baresip.ts).
  const base = 16_000 + 2 * Math.floor(Math.random() * 1800);
  const app = new MediaTestApp({ rtpRange: { min: base, max: base + 399 }, ...appOptions });
  let stack: SipStack | null = null;
  let baresip: Baresip | null = null;
  try {
    stack = await startStack(app);
    baresip = await Baresip.start({ audioSource, dial: `sip:100@127.0.0.1:${String(portOf(stack))}`, quitAfterSec: 30 });
    const b = baresip;
    const call = (): MediaCallRecord => {
      const all = [...app.calls.values()];
      assert.equal(all.length, 1, `expected one call, got ${String(all.length)}\n${b.log}`);
      return all[0]!;
    };
    await waitFor(() => app.calls.size > 0, 10_000, () => `an INVITE from baresip\n${b.log}`);
    await body({ app, stack, baresip, call });
  } finally {
    await baresip?.stop();
    await stack?.close();
    await app.settle();
    app.close();
    baresip?.removeDir();
  }
}

function readWav(file: string): Int16Array {
  const w = parseWav(readFileSync(file));
  assert.ok(w.ok, w.ok ? '' : `${file}: ${w.error}`);
  assert.equal(w.value.sampleRate, RATE, `${file} is not 8 kHz`);
  return w.value.samples;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Normalised correlation (cosine) of a[aStart..aStart+n) and b[bStart..bStart+n). */
function correlation(a: Int16Array, aStart: number, b: Int16Array, bStart: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i]!;
    const y = b[bStart + i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** The offset k in [0, hay.length - needle.length] where hay[k..] correlates best with needle. */
function locate(hay: Int16Array, needle: Int16Array): { offset: number; correlation: number } {
  let best = { offset: -1, correlation: -Infinity };
  for (let k = 0; k + needle.length <= hay.length; k++) {
    const c = correlation(hay, k, needle, 0, needle.length);
    if (c > best.correlation) best = { offset: k, correlation: c };
  }
  return best;
}

/** Start of the `n`-sample window with the most energy (a distinctive probe for alignment). */
function loudestWindow(x: Int16Array, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += x[i]! * x[i]!;
  let best = 0;
  let bestE = e;
  for (let i = n; i < x.length; i++) {
    e += x[i]! * x[i]! - x[i - n]! * x[i - n]!;
    if (e > bestE) {
      bestE = e;
      best = i - n + 1;
    }
  }
  return best;
}

/** Rank of each 16-bit µ-law reconstruction level in ascending order (±0 share a rank). */
const ULAW_RANK = (() => {
  const levels = [...new Set(Array.from({ length: 256 }, (_, c) => ulawToLinear(c)))].sort((a, b) => a - b);
  return new Map(levels.map((v, i) => [v, i]));
})();

/** Runs of at least `minRun` samples with |x| <= threshold inside x[from..to): [start, end) pairs. */
function quietRuns(x: Int16Array, from: number, to: number, threshold: number, minRun: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = from; i <= to; i++) {
    const quiet = i < to && Math.abs(x[i]!) <= threshold;
    if (quiet && start < 0) start = i;
    if (!quiet && start >= 0) {
      if (i - start >= minRun) runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

/** The part of `x` from its first to its last sample with |x| >= threshold. */
function trimQuiet(x: Int16Array, threshold: number): Int16Array {
  let a = 0;
  while (a < x.length && Math.abs(x[a]!) < threshold) a++;
  let b = x.length;
  while (b > a && Math.abs(x[b - 1]!) < threshold) b--;
  return x.slice(a, b);
}

describe('baresip 1.0.0 calls the media engine', { timeout: 60_000 }, () => {
  after(killChildren);

  test('(a) the recording equals what baresip sent, sample for sample (through baresip\'s µ-law encoder)', async () => {
    const speech = makeSpeech('Hello, this is a test message for Voxmail. Please call me back.');
    try {
      // 300 ms of silence on each side: the first packets may arrive before the recorder
      // opens (after the ACK) and the BYE may overtake the last packets; neither may cost
      // a word. Whole 20 ms frames: aufile zeroes a partial last frame.
      const said = readWav(speech.wav8k);
      const tail = 2400 + ((160 - ((2400 + said.length + 2400) % 160)) % 160);
      const source = concat([silence(300), said, new Int16Array(tail)]);
      assert.equal(source.length % 160, 0);
      const sourceFile = path.join(speech.dir, 'source.wav');
      writeFileSync(sourceFile, toWav(source, RATE));

      await withCall({}, sourceFile, async ({ baresip, call }) => {
        // aufile's end of file makes baresip hang up.
        await waitFor(() => call().events.includes('closed'), 20_000, () => `the call to end; events ${call().events.join(', ')}\n${baresip.log}`);
        const rec = call();
        assert.ok(rec.events.includes('terminated:remote-bye'), `baresip should hang up at the end of its file; events ${rec.events.join(', ')}`);
        assert.ok(rec.recording, 'no recording');
        const stats = rec.media!.stats();
        await baresip.stop(); // sndfile finishes its WAV headers on exit
        const dumps = baresip.dumps();

        const sent = readWav(dumps.enc);
        const recorded = readWav(rec.recording.path);
        // The enc dump is aufile's output: the source from its first sample, then (after
        // the end of file, until the hang-up) silence.
        assert.ok(sent.length >= source.length, `enc dump ${String(sent.length)} samples < source ${String(source.length)}`);
        assert.deepEqual(sent.subarray(0, source.length), source, 'baresip sent the source WAV as is');

        // Align on the loudest 256 ms of the recording (exact equality, so no false match in silence).
        const probeLen = 2048;
        assert.ok(recorded.length >= probeLen, `recording too short: ${String(recorded.length)} samples`);
        const p = loudestWindow(recorded, probeLen);
        const sentOurs = decodeUlaw(encodeUlaw(sent));
        const probe = locate(sentOurs, recorded.subarray(p, p + probeLen));
        const k = probe.offset - p; // recorded[i] ~ sent[i + k]
        assert.ok(probe.correlation > 0.99, `the recording's loudest part is not in what baresip sent (best correlation ${probe.correlation.toFixed(4)})`);

        // Nothing recorded that baresip did not send, and every spoken sample recorded.
        assert.ok(k >= 0 && k + recorded.length <= sent.length, `recording [${String(k)}, ${String(k + recorded.length)}) lies outside what was sent [0, ${String(sent.length)})`);
        const speechStart = 2400 + said.findIndex((v) => Math.abs(v) > 64);
        const speechEnd = 2400 + said.length - [...said].reverse().findIndex((v) => Math.abs(v) > 64);
        assert.ok(k <= speechStart && k + recorded.length >= speechEnd, `recording [${String(k)}, ${String(k + recorded.length)}) misses speech in [${String(speechStart)}, ${String(speechEnd)})`);

        // Sample-exact against baresip's own µ-law encoder (librem rounds where we truncate,
        // see baresipLinearToUlaw), decoded by ours.
        let exactBad = 0;
        let firstBad = -1;
        for (let i = 0; i < recorded.length; i++) {
          if (recorded[i] !== ulawToLinear(baresipLinearToUlaw(sent[k + i]!))) {
            exactBad++;
            if (firstBad < 0) firstBad = i;
          }
        }
        assert.equal(exactBad, 0, `${String(exactBad)} of ${String(recorded.length)} samples differ from baresip's µ-law of what it sent (first at ${String(firstBad)})`);

        // Against our own encoder: adjacent codes where the two roundings disagree, never more.
        let sameAsOurs = 0;
        let withinOneStep = 0;
        for (let i = 0; i < recorded.length; i++) {
          const want = ulawToLinear(linearToUlaw(sent[k + i]!));
          if (recorded[i] === want) sameAsOurs++;
          if (Math.abs(ULAW_RANK.get(recorded[i]!)! - ULAW_RANK.get(want)!) <= 1) withinOneStep++;
        }
        const c = correlation(recorded, 0, sentOurs, k, recorded.length);
        console.log(
          `# (a) recorded ${String(recorded.length)} samples from offset ${String(k)} of ${String(sent.length)} sent; ` +
            `equal to our µ-law ${(100 * sameAsOurs / recorded.length).toFixed(2)}%, within one step ${(100 * withinOneStep / recorded.length).toFixed(3)}%, correlation ${c.toFixed(6)}; ` +
            `RTP in ${String(stats.audioPacketsIn)}, lost ${String(stats.lost)}`,
        );
        assert.ok(withinOneStep / recorded.length >= 0.999, `only ${String(withinOneStep)} of ${String(recorded.length)} samples within one µ-law step`);
        assert.ok(c > 0.999, `correlation ${String(c)}`);
        assert.equal(stats.lost, 0, 'no RTP packet lost on loopback');
        assert.equal(stats.droppedWrongSource, 0);
      });
    } finally {
      rmSync(speech.dir, { recursive: true, force: true });
    }
  });

  test('(b) /sndcode 123# arrives as RFC 4733 digits 1, 2, 3, # — once each, in order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-baresip-src-'));
    const source = path.join(dir, 'silence.wav');
    writeFileSync(source, toWav(silence(15_000), RATE)); // longer than the call: we hang up
    try {
      await withCall({}, source, async ({ baresip, call }) => {
        await waitFor(() => call().events.includes('recording'), 10_000, () => `the call to be up; events ${call().events.join(', ')}\n${baresip.log}`);
        await baresip.command('/sndcode 123#');
        await waitFor(() => call().digits.length >= 4, 8000, () => `4 digits, got [${call().digits.map((d) => d.digit).join(',')}]\n${baresip.log}`);
        // Longer than the decoder's end-of-event flush (350 ms): a duplicate would show by now.
        await new Promise((r) => setTimeout(r, 800));
        const rec = call();
        assert.deepEqual(
          rec.digits.map((d) => `${d.digit}/${d.source}`),
          ['1/rfc4733', '2/rfc4733', '3/rfc4733', '#/rfc4733'],
          `baresip log:\n${baresip.log}`,
        );
        for (const d of rec.digits) assert.ok(d.durationMs >= 40 && d.durationMs <= 1000, `digit ${d.digit} lasted ${String(d.durationMs)} ms`);
        for (let i = 1; i < rec.digits.length; i++) assert.ok(rec.digits[i]!.at > rec.digits[i - 1]!.at, 'digits in the order pressed');
        const stats = rec.media!.stats();
        assert.ok(stats.telephoneEventPacketsIn >= 4, `only ${String(stats.telephoneEventPacketsIn)} telephone-event packets`);
        assert.equal(stats.droppedPayloadType, 0);

        await baresip.command('/hangup');
        await waitFor(() => rec.events.includes('closed'), 5000, () => `the call to end after /hangup; events ${rec.events.join(', ')}\n${baresip.log}`);
        assert.ok(rec.events.includes('terminated:remote-bye'), rec.events.join(', '));
        assert.equal(rec.digits.length, 4, 'no digit after the hang-up either');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('(c) baresip hears our prompts back to back: intact, in order, no gap at the joins', async () => {
    const speech = makeSpeech('Please leave a message after the tone.');
    try {
      const wav = decodeWavTo8k(readFileSync(path.join(speech.dir, 'speech.wav'))); // espeak's 22.05 kHz, our resampler
      assert.ok(wav.ok, wav.ok ? '' : wav.error);
      // No fades (rampMs 0) and lengths that are not whole 20 ms frames: each join falls
      // inside a frame, full of signal on both sides, where a gap would be plain.
      const prompts = [
        trimQuiet(wav.value, 1000), // speech, cut to its first/last loud sample
        tone({ frequency: 1000, durationMs: 437, amplitude: 0.5, rampMs: 0 }),
        tone({ frequency: 1400, durationMs: 263, amplitude: 0.4, rampMs: 0 }),
      ];
      const played = concat(prompts);
      const joins = prompts.slice(0, -1).reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.length], []);
      // baresip's jitter buffer (jitter_buffer_delay 5-10 frames) releases a frame only
      // when later ones arrive: the last ~100 ms we send would never be decoded. 400 ms of
      // silence after the prompts flushes it.
      const flush = silence(400);
      const source = path.join(speech.dir, 'quiet.wav');
      writeFileSync(source, toWav(silence(15_000), RATE));

      await withCall({ prompts: [...prompts, flush] }, source, async ({ baresip, call }) => {
        await waitFor(() => call().events.includes('recording'), 15_000, () => `the prompts to finish; events ${call().events.join(', ')}\n${baresip.log}`);
        await new Promise((r) => setTimeout(r, 300)); // the flush frames reach baresip
        await baresip.command('/hangup');
        await waitFor(() => call().events.includes('closed'), 5000, () => `the call to end; events ${call().events.join(', ')}\n${baresip.log}`);
        await baresip.stop();
        const heard = readWav(baresip.dumps().dec);
        assert.ok(heard.length >= played.length, `baresip decoded ${String(heard.length)} samples, we played ${String(played.length)}\n${baresip.log}`);

        const at = locate(heard, played);
        const expected = Int16Array.from(encodeUlaw(played), baresipUlawToLinear); // our µ-law, baresip's decoder
        let exact = 0;
        for (let i = 0; i < played.length; i++) if (heard[at.offset + i] === expected[i]) exact++;
        console.log(`# (c) prompts (${String(played.length)} samples, joins at ${joins.join(', ')}) found at offset ${String(at.offset)} of ${String(heard.length)}; correlation ${at.correlation.toFixed(6)}; sample-exact ${String(exact)}/${String(played.length)}`);
        assert.ok(at.correlation > 0.99, `correlation of the prompts with what baresip heard: ${at.correlation.toFixed(4)}`);
        // G.711 through a lossless path is exact: what baresip decoded is our µ-law of the
        // prompts, sample for sample (decoded by librem, whose zero codes read as ±2).
        assert.equal(exact, played.length, `only ${String(exact)} of ${String(played.length)} samples heard exactly as sent`);
        // Each prompt on its own, at its own place (a dropped or repeated frame would shift the rest).
        let o = 0;
        for (const [i, pr] of prompts.entries()) {
          const c = correlation(heard, at.offset + o, pr, 0, pr.length);
          assert.ok(c > 0.99, `prompt ${String(i)} at ${String(o)}: correlation ${c.toFixed(4)}`);
          o += pr.length;
        }

        // No gap: wherever baresip heard >= 10 ms of near-silence inside the prompts, the
        // prompts were quiet there too; and the loud joins have no quiet run at all.
        const QUIET = 64;
        const MIN_GAP = 80; // 10 ms
        for (const [s, e] of quietRuns(heard, at.offset, at.offset + played.length, QUIET, MIN_GAP)) {
          let peak = 0;
          for (let i = s; i < e; i++) peak = Math.max(peak, Math.abs(played[i - at.offset]!));
          assert.ok(peak < 1000, `gap in what baresip heard at prompt sample ${String(s - at.offset)}–${String(e - at.offset)}: played peak ${String(peak)} there`);
        }
        let loudJoins = 0;
        for (const j of joins) {
          if (quietRuns(played, Math.max(0, j - 160), Math.min(played.length, j + 160), QUIET, MIN_GAP).length > 0) continue;
          loudJoins++;
          const runs = quietRuns(heard, at.offset + j - 160, at.offset + j + 160, QUIET, MIN_GAP);
          assert.deepEqual(runs, [], `silence at the join at prompt sample ${String(j)}`);
        }
        assert.ok(loudJoins >= 1, 'at least the tone-to-tone join is loud on both sides');
      });
    } finally {
      rmSync(speech.dir, { recursive: true, force: true });
    }
  });
});
