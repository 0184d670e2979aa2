import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import { MediaClock } from '../../../src/media/media-clock.js';
import { Player } from '../../../src/media/player.js';

/** A counter pattern: every sample distinct within a prompt, offset per prompt. */
function ramp(n: number, base: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = base + i;
  return a;
}

function setup(ptime = 20) {
  const time = new ManualClock();
  const clock = new MediaClock({ clock: time });
  const frames: Array<{ pcm: Int16Array; marker: boolean; at: number }> = [];
  const player = new Player({
    clock,
    ptime,
    // The sink copies synchronously, as the contract requires.
    sink: { sendFrame: (pcm, marker) => frames.push({ pcm: pcm.slice(), marker, at: time.now() }) },
  });
  return { time, clock, frames, player };
}

function concat(frames: Array<{ pcm: Int16Array }>): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.pcm.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f.pcm, o);
    o += f.pcm.length;
  }
  return out;
}

describe('Player', () => {
  test('a prompt of 1 s is exactly 50 frames, the first at once, then one per tick, the last padded only at the end', async () => {
    const { time, clock, frames, player } = setup();
    const done = player.play(ramp(8000, 0));
    time.advance(2000);
    assert.equal(await done, 'done');
    assert.equal(frames.length, 50);
    // The spurt's first frame when play() is called (t = 0), not a period later.
    assert.deepEqual(
      frames.slice(0, 3).map((f) => f.at),
      [0, 20, 40],
    );
    const partial = player.play(ramp(100, 0));
    time.advance(200);
    assert.equal(await partial, 'done');
    assert.equal(frames.length, 51);
    const last = frames[50]!.pcm;
    assert.deepEqual(Array.from(last.subarray(0, 100)), Array.from(ramp(100, 0)));
    assert.ok(last.subarray(100).every((s) => s === 0), 'padded with silence');
    assert.equal(clock.stats.subscribers, 0, 'an idle player does not hold the clock');
    player.close();
  });

  test('three prompts play back to back: the frames are exactly the concatenated samples', async () => {
    const { time, frames, player } = setup();
    const a = ramp(1234, 0);
    const b = ramp(777, 5000);
    const c = ramp(3001, -9000);
    const results = [player.play(a), player.play(b), player.play(c)];
    time.advance(2000);
    assert.deepEqual(await Promise.all(results), ['done', 'done', 'done']);
    const total = a.length + b.length + c.length; // 5012 samples → 32 frames (last padded)
    assert.equal(frames.length, Math.ceil(total / 160));
    const heard = concat(frames);
    const expected = new Int16Array(heard.length);
    expected.set(a, 0);
    expected.set(b, a.length);
    expected.set(c, a.length + b.length);
    assert.deepEqual(heard, expected);
    assert.deepEqual(
      frames.map((f) => f.marker),
      frames.map((_, i) => i === 0),
      'marker only on the first frame of the spurt',
    );
    // The first frame at once, then every frame on its own tick: no gap, no burst.
    frames.forEach((f, i) => assert.equal(f.at, 20 * i));
  });

  test('a prompt queued while the previous one plays continues the spurt (no marker)', async () => {
    const { time, frames, player } = setup();
    const first = player.play(ramp(800, 0));
    time.advance(60);
    const second = player.play(ramp(800, 1000));
    time.advance(1000);
    assert.deepEqual([await first, await second], ['done', 'done']);
    assert.equal(frames.length, 10);
    assert.equal(frames.filter((f) => f.marker).length, 1);
  });

  test('after idle, a new prompt restarts the talk spurt with a marker', async () => {
    const { time, frames, player } = setup();
    await Promise.all([player.play(ramp(320, 0)), Promise.resolve(time.advance(100))]);
    assert.equal(frames.length, 2);
    time.advance(500); // idle
    const again = player.play(ramp(320, 0));
    time.advance(100);
    assert.equal(await again, 'done');
    assert.deepEqual(
      frames.map((f) => f.marker),
      [true, false, true, false],
    );
  });

  test('barge-in: a DTMF stops the current and queued barge-in prompts, not the others', async () => {
    const { time, frames, player } = setup();
    const intro = player.play(ramp(1600, 0)); // no barge-in: "You have 2 new messages"
    const menu1 = player.play(ramp(8000, 0), { bargeIn: true });
    const menu2 = player.play(ramp(8000, 0), { bargeIn: true });
    time.advance(100); // intro still playing
    assert.equal(player.interruptOnDtmf(), 2);
    assert.equal(await menu1, 'interrupted');
    assert.equal(await menu2, 'interrupted');
    time.advance(1000);
    assert.equal(await intro, 'done');
    assert.equal(frames.length, 10, 'the intro played to its end, nothing more');

    const menu = player.play(ramp(8000, 0), { bargeIn: true });
    time.advance(200);
    const before = frames.length;
    assert.equal(player.interruptOnDtmf(), 1);
    assert.equal(await menu, 'interrupted');
    time.advance(200);
    assert.equal(frames.length, before, 'no frame after the interruption');
    assert.equal(player.playing, false);
  });

  test('abort via signal removes that prompt only; an already-aborted signal resolves at once', async () => {
    const { time, frames, player } = setup();
    const ac = new AbortController();
    const one = player.play(ramp(8000, 0), { signal: ac.signal });
    const two = player.play(ramp(320, 7)); // continues right after the aborted one
    time.advance(100);
    ac.abort();
    assert.equal(await one, 'aborted');
    time.advance(100);
    assert.equal(await two, 'done');
    // 6 frames of `one` (at once, then 5 ticks), then `two`'s 2.
    assert.equal(frames.length, 8);
    assert.deepEqual(Array.from(frames[6]!.pcm.subarray(0, 3)), [7, 8, 9]);
    assert.equal(await player.play(ramp(10, 0), { signal: AbortSignal.abort() }), 'aborted');
  });

  test('stop() interrupts everything; close() aborts pending plays, unsubscribes, and is idempotent', async () => {
    const { time, clock, player } = setup();
    const a = player.play(ramp(8000, 0));
    const b = player.play(ramp(8000, 0));
    time.advance(40);
    player.stop();
    assert.deepEqual([await a, await b], ['interrupted', 'interrupted']);
    const c = player.play(ramp(8000, 0));
    time.advance(40);
    assert.equal(clock.stats.subscribers, 1);
    player.close();
    player.close();
    assert.equal(await c, 'aborted');
    assert.equal(clock.stats.subscribers, 0);
    assert.equal(await player.play(ramp(10, 0)), 'aborted');
  });

  test('no copy inside a prompt: the sink gets views of the prompt; frames across prompts share one reused buffer', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    const seen: Int16Array[] = [];
    const player = new Player({ clock, sink: { sendFrame: (pcm) => seen.push(pcm) } });
    const a = ramp(1600 + 80, 0); // 10 frames inside a, the 11th spans a and b
    const b = ramp(80 + 160 + 40, 3000); // then one frame inside b, then its end padded with silence
    void player.play(a);
    void player.play(b);
    time.advance(400);
    assert.equal(seen.length, 13);
    for (let i = 0; i < 10; i++) {
      assert.equal(seen[i]!.buffer, a.buffer, `frame ${String(i)} is a view of the prompt`);
      assert.equal(seen[i]!.byteOffset, a.byteOffset + i * 160 * 2);
    }
    assert.notEqual(seen[10]!.buffer, a.buffer, 'the frame across prompts is assembled');
    assert.equal(seen[11]!.buffer, b.buffer);
    assert.equal(seen[12], seen[10], 'one assembly buffer, reused');
    player.close();
  });

  test('a spurt started inside a tick: its first frame is made at once, in that tick (one frame, not two)', async () => {
    const { time, clock, frames, player } = setup();
    // Another subscriber starts the prompt from within a tick; a third one, walked after
    // it, sees the frame already made (not left for the end of the walk).
    let started: Promise<unknown> | undefined;
    const stopOther = clock.subscribe(() => {
      started ??= player.play(ramp(480, 0));
    });
    const seenByNext: number[] = [];
    const stopNext = clock.subscribe(() => seenByNext.push(frames.length));
    time.advance(20);
    assert.equal(frames.length, 1, 'the first frame, in the tick that started it');
    assert.deepEqual(seenByNext, [1], 'made when play() was called');
    stopNext();
    time.advance(40);
    assert.equal(await started, 'done');
    assert.deepEqual(
      frames.map((f) => f.at),
      [20, 40, 60],
      'then one frame per tick',
    );
    stopOther();
  });

  test('started inside another clock\'s tick, a spurt waits for its own clock (no tick of it skipped)', async () => {
    const { time, clock, frames, player } = setup();
    const stopRunning = clock.subscribe(() => undefined); // the player's clock runs: ticks at 20, 40, 60
    const other = new MediaClock({ clock: time, periodMs: 7 });
    let started: Promise<unknown> | undefined;
    const stopOther = other.subscribe(() => {
      started ??= player.play(ramp(480, 0));
    });
    time.advance(7); // the other clock's tick 1 starts the prompt
    assert.equal(frames.length, 0, 'nothing before the player\'s clock ticks');
    time.advance(53); // the player's clock: 20, 40, 60
    assert.equal(await started, 'done');
    assert.deepEqual(
      frames.map((f) => f.at),
      [20, 40, 60],
    );
    stopOther();
    stopRunning();
    other.close();
  });

  test('ptime 40 on a 20 ms clock sends a 320-sample frame every other tick', async () => {
    const { time, frames, player } = setup(40);
    const p = player.play(ramp(960, 0));
    time.advance(400);
    assert.equal(await p, 'done');
    assert.deepEqual(
      frames.map((f) => [f.at, f.pcm.length]),
      [
        [0, 320],
        [40, 320],
        [80, 320],
      ],
    );
    assert.throws(() => new Player({ clock: new MediaClock(), sink: { sendFrame: () => undefined }, ptime: 30 }), RangeError);
  });
});
