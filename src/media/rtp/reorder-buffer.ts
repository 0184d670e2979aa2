/**
 * Receive-side reorder buffer: turns the packets of one RTP audio stream, as they
 * arrive (late, twice, out of order, with holes, with silence suppression), into a
 * gap-free sequence of frames in timestamp order, so that a recording keeps real time.
 *
 * Contract (what the consumer gets, through `onFrame`):
 *  - frames in timestamp order; each is `{ payload, samples }` where `payload` is the
 *    audio (a zero-copy view of the datagram) or `null` for a slot without audio (lost
 *    packet, comfort noise, suppressed silence): the consumer writes `samples` of silence.
 *  - the `samples` of all frames add up to the timestamp span of the stream (in clock
 *    units, 8000/s), except across a resync (below). Holes are cut into `ptime` slots
 *    (a 100 ms hole = five 20 ms `null` frames); received payloads are passed whole,
 *    whatever their size (a 240-byte packet is one 240-sample frame: the consumer needs
 *    no fixed frame size). A packet that overlaps audio already delivered (a repacketized
 *    retransmission, a sender with inconsistent timestamps) is trimmed at the front.
 *
 * How holes are sized and when they are declared:
 *  - the size of a hole comes from timestamps, not sequence numbers, so suppressed
 *    silence, comfort noise and timestamp jumps give the right amount of silence;
 *  - a packet that starts exactly where the output stands is delivered at once (the
 *    in-order case costs no delay); a hole is declared lost only when the newest packet
 *    is more than `windowMs` past it (reorder depth), or at once when the packet after
 *    the hole has the marker bit (RFC 3551 §4.1: a talkspurt starts after silence) or
 *    follows comfort noise (RFC 3389 §4: silence until the next packet);
 *  - comfort noise (PT 13 in the session) is treated as silence: its packets produce
 *    `null` frames up to the next audio, never audio;
 *  - a packet more than `maxGapMs` (10 s) ahead of the output, or more than `maxLateMs`
 *    (1 s) behind it, is not turned into 10 s of silence: it is a *resync* — the
 *    pending frames are delivered, then the output restarts at the new timestamp with no
 *    silence for the jump. Because one stray packet must not derail the stream, the jump
 *    is taken only when the next packet confirms it (sequential with it), or at once when
 *    it carries the marker bit. A jump the consumer wants as silence can be inferred
 *    from wall time by the consumer; we do not invent it.
 *  - an SSRC change delivers what is pending of the old stream, then starts the new one
 *    (no silence inserted, since the two timestamp spaces are unrelated).
 *  - at the very start the buffer waits one window (so that packets 1 and 2 swapped
 *    still come out in order), then plays in order.
 *  - the buffer holds at most `maxPending` packets; beyond that the oldest hole is
 *    declared lost at once. Packets are held (not timed out) while the stream is
 *    silent: call `flush()` at the end of the call to get the tail.
 *
 * Not clock-driven on purpose: the recorder does not need low latency, and a timer per
 * call would cost more than the whole receive path.
 *
 * @see RFC 3550 §5.1 (timestamp, marker), RFC 3551 §4.1, RFC 3389 §4
 */
import { addTs, seqDiff, tsDiff } from './sequence.js';

export interface AudioFrame {
  /** The audio (a view of the datagram, valid during the call only), or null: write `samples` of silence. */
  readonly payload: Buffer | null;
  /** Samples covered (timestamp units, 8 kHz for G.711). */
  readonly samples: number;
}

export interface ReorderBufferOptions {
  /** Packetization time, 10–60 ms: the size of the silence slots. */
  readonly ptimeMs: number;
  /** Reorder depth: how far the newest packet may be past a hole before it is declared lost. Default 3 × ptime. */
  readonly windowMs?: number;
  /** A forward timestamp jump larger than this is a resync, not silence. Default 10,000 ms. */
  readonly maxGapMs?: number;
  /** A backward jump larger than this is a resync (restart), not a late packet. Default 1,000 ms. */
  readonly maxLateMs?: number;
  /** Timestamp clock rate. Default 8000. */
  readonly clockRate?: number;
  /** Payload bytes per sample (1 for G.711), for trimming overlaps. Default 1. */
  readonly bytesPerSample?: number;
  /** Bound on packets held. Default 32. */
  readonly maxPending?: number;
  readonly onFrame: (frame: AudioFrame) => void;
}

export interface ReorderStats {
  /** Audio frames delivered. */
  framesOut: number;
  /** Samples delivered as null because packets were missing. */
  lostSamples: number;
  /** Samples delivered as null for comfort noise / suppressed silence (marker, CN). */
  silenceSamples: number;
  /** Packets dropped as duplicates. */
  duplicates: number;
  /** Packets dropped because they came after their slot had been played. */
  late: number;
  /** Timestamp resyncs (confirmed jumps, SSRC changes). */
  resyncs: number;
  /** Packets discarded: unconfirmed jumps, overflow. */
  discarded: number;
}

interface Entry {
  seq: number;
  ts: number;
  samples: number;
  payload: Buffer | null;
  marker: boolean;
  cn: boolean;
}

/** Fill a pooled entry in place (entries are reused: no allocation per packet). */
function setEntry(e: Entry, seq: number, ts: number, marker: boolean, payload: Buffer | null, samples: number, cn: boolean): void {
  e.seq = seq;
  e.ts = ts;
  e.marker = marker;
  e.payload = payload;
  e.samples = samples;
  e.cn = cn;
}

const RECENT = 64;

export class ReorderBuffer {
  readonly stats: ReorderStats = { framesOut: 0, lostSamples: 0, silenceSamples: 0, duplicates: 0, late: 0, resyncs: 0, discarded: 0 };

  private readonly frameSamples: number;
  private readonly windowSamples: number;
  private readonly maxGap: number;
  private readonly maxLate: number;
  private readonly bytesPerSample: number;
  private readonly maxPending: number;
  private readonly onFrame: (frame: AudioFrame) => void;

  /** Sorted by timestamp; `count` live entries; entries are pooled objects. */
  private readonly slots: Entry[];
  private count = 0;
  private readonly pool: Entry[] = [];
  private candidate: Entry | null = null;

  private ssrc: number | null = null;
  private started = false;
  /** The timestamp of the next sample to deliver (valid when started). */
  private nextTs = 0;
  /** End timestamp of the newest packet seen (valid when `haveEnd`). */
  private highestEnd = 0;
  private haveEnd = false;
  private afterCn = false;
  private readonly recentSeq = new Uint16Array(RECENT);
  private recentCount = 0;
  private recentPos = 0;

  constructor(opts: ReorderBufferOptions) {
    const rate = opts.clockRate ?? 8000;
    const ptime = opts.ptimeMs;
    if (!(ptime >= 10 && ptime <= 60)) throw new RangeError(`ptime ${String(ptime)} ms is outside 10–60 ms`);
    this.frameSamples = Math.round((ptime * rate) / 1000);
    this.windowSamples = Math.max(0, Math.round(((opts.windowMs ?? 3 * ptime) * rate) / 1000));
    this.maxGap = Math.round(((opts.maxGapMs ?? 10_000) * rate) / 1000);
    this.maxLate = Math.round(((opts.maxLateMs ?? 1000) * rate) / 1000);
    this.bytesPerSample = opts.bytesPerSample ?? 1;
    this.maxPending = Math.max(2, opts.maxPending ?? 32);
    this.onFrame = opts.onFrame;
    this.slots = new Array<Entry>(this.maxPending);
    for (let i = 0; i < this.maxPending + 2; i++) this.pool.push(newEntry());
  }

  /** Packets held now. */
  get pending(): number {
    return this.count;
  }

  /**
   * Take one audio packet. `samples` is its duration in timestamp units (for G.711,
   * its length in bytes). Frames may be delivered synchronously from inside this call.
   */
  push(ssrc: number, seq: number, ts: number, marker: boolean, payload: Buffer, samples: number): void {
    this.accept(ssrc, seq, ts, marker, payload, samples, false);
    this.ownHeld(payload);
  }

  /**
   * The in-order case, when nothing is held: a packet that starts exactly where the output
   * stands is accounted for as `push` would (it would deliver it at once, whole) and true
   * is returned — the caller hands its payload on itself, with no view or frame made
   * (the receive path's usual packet). False, and nothing changed, for anything else:
   * then `push` it.
   */
  passInOrder(ssrc: number, seq: number, ts: number, samples: number): boolean {
    if (!this.started || this.count !== 0 || this.candidate !== null || this.ssrc !== ssrc || !(samples > 0) || ts >>> 0 !== this.nextTs) return false;
    const end = addTs(this.nextTs, samples);
    if (!this.haveEnd || tsDiff(end, this.highestEnd) > 0) {
      this.highestEnd = end;
      this.haveEnd = true;
    }
    this.nextTs = end;
    this.afterCn = false;
    this.remember(seq);
    this.stats.framesOut++;
    return true;
  }

  /**
   * `payload` may be a view of a buffer the socket reuses for the next datagrams
   * (native sockets, udp-socket.ts): if it was not delivered at once but is held (out
   * of order, the start window, a resync candidate), keep a copy. In order — the usual
   * case — nothing is held and nothing is copied.
   */
  private ownHeld(payload: Buffer): void {
    for (let i = 0; i < this.count; i++) {
      const e = this.slots[i]!;
      if (e.payload === payload) e.payload = Buffer.from(payload);
    }
    const c = this.candidate;
    if (c !== null && c.payload === payload) c.payload = Buffer.from(payload);
  }

  /** Take a comfort-noise packet (RFC 3389): silence from its timestamp to the next audio. */
  pushComfortNoise(ssrc: number, seq: number, ts: number, marker: boolean): void {
    this.accept(ssrc, seq, ts, marker, null, 0, true);
  }

  /** Deliver everything held, holes filled; the timeline continues after it. */
  flush(): void {
    if (this.candidate !== null) {
      this.stats.discarded++;
      this.release(this.candidate);
      this.candidate = null;
    }
    this.drain(true);
  }

  private accept(ssrc: number, seq: number, ts: number, marker: boolean, payload: Buffer | null, samples: number, cn: boolean): void {
    ts = ts >>> 0;
    if (samples < 0 || !Number.isFinite(samples)) samples = 0;
    if (this.ssrc !== ssrc) {
      if (this.ssrc !== null) this.resync();
      this.ssrc = ssrc;
    }
    if (!this.started) {
      if (this.count > 0 && Math.abs(tsDiff(ts, this.slots[0]!.ts)) > this.maxGap) {
        // Nothing played yet, and the stream jumped: keep the newer part.
        this.stats.discarded += this.count;
        this.clearPending();
      }
      this.insert(seq, ts, marker, payload, samples, cn);
      const head = this.slots[0];
      if (head !== undefined && (tsDiff(this.highestEnd, head.ts) > this.windowSamples || this.count >= this.maxPending)) {
        this.started = true;
        this.nextTs = head.ts;
        this.release0(false);
      }
      return;
    }

    const d = tsDiff(ts, this.nextTs);
    if (d > this.maxGap || d < -this.maxLate) {
      this.jump(seq, ts, marker, payload, samples, cn);
      return;
    }
    if (this.candidate !== null) {
      // A packet that fits the current timeline: the jump before it was a stray.
      this.stats.discarded++;
      this.release(this.candidate);
      this.candidate = null;
    }
    if (d + samples <= 0 && !(cn && d === 0)) {
      if (this.isRecent(seq)) this.stats.duplicates++;
      else this.stats.late++;
      return;
    }
    this.insert(seq, ts, marker, payload, samples, cn);
    this.release0(false);
  }

  /** A packet far from the timeline: resync when confirmed (or marked), else hold it as the candidate. */
  private jump(seq: number, ts: number, marker: boolean, payload: Buffer | null, samples: number, cn: boolean): void {
    const c = this.candidate;
    if (marker) {
      if (c !== null) {
        this.stats.discarded++;
        this.release(c);
        this.candidate = null;
      }
      this.resync();
      this.insert(seq, ts, marker, payload, samples, cn);
      return;
    }
    if (c !== null) {
      const ds = seqDiff(seq, c.seq);
      if (ds >= 1 && ds <= this.maxPending && Math.abs(tsDiff(ts, c.ts)) <= this.maxLate) {
        this.candidate = null;
        this.resync();
        this.insert(c.seq, c.ts, c.marker, c.payload, c.samples, c.cn);
        this.release(c);
        this.insert(seq, ts, marker, payload, samples, cn);
        return;
      }
      this.stats.discarded++;
    } else {
      this.candidate = this.take();
    }
    setEntry(this.candidate!, seq, ts, marker, payload, samples, cn);
  }

  /** Deliver what is pending, then start over (next packet restarts the timeline). */
  private resync(): void {
    if (this.candidate !== null) {
      this.stats.discarded++;
      this.release(this.candidate);
      this.candidate = null;
    }
    this.drain(true);
    this.stats.resyncs++;
    this.started = false;
    this.haveEnd = false;
    this.afterCn = false;
    this.recentCount = 0;
    this.recentPos = 0;
  }

  private drain(force: boolean): void {
    if (this.count === 0) return;
    if (!this.started) {
      this.started = true;
      this.nextTs = this.slots[0]!.ts;
    }
    this.release0(force);
  }

  /** Deliver from the head while possible. `force`: fill every hole now (flush/resync). */
  private release0(force: boolean): void {
    while (this.count > 0) {
      const head = this.slots[0]!;
      const d = tsDiff(head.ts, this.nextTs);
      if (d <= 0) {
        this.shift();
        this.deliver(head, -d);
        this.release(head);
        continue;
      }
      const silence = head.marker || this.afterCn;
      if (force || silence || this.count >= this.maxPending) {
        this.silence(d, silence);
        continue;
      }
      const limit = tsDiff(this.highestEnd, this.nextTs) - this.windowSamples;
      if (limit <= 0) return;
      this.silence(Math.min(d, limit), false);
      if (limit < d) return;
    }
  }

  private deliver(e: Entry, trim: number): void {
    if (e.cn) {
      this.afterCn = true;
      return;
    }
    const samples = e.samples - trim;
    if (samples <= 0) {
      if (this.isRecent(e.seq)) this.stats.duplicates++;
      else this.stats.late++;
      return;
    }
    let payload = e.payload!;
    if (trim > 0) payload = payload.subarray(Math.min(payload.length, trim * this.bytesPerSample));
    this.nextTs = addTs(this.nextTs, samples);
    this.afterCn = false;
    this.remember(e.seq);
    this.stats.framesOut++;
    this.onFrame({ payload, samples });
  }

  private silence(n: number, intended: boolean): void {
    if (intended) this.stats.silenceSamples += n;
    else this.stats.lostSamples += n;
    while (n > 0) {
      const k = n < this.frameSamples ? n : this.frameSamples;
      n -= k;
      this.nextTs = addTs(this.nextTs, k);
      this.onFrame({ payload: null, samples: k });
    }
  }

  private insert(seq: number, ts: number, marker: boolean, payload: Buffer | null, samples: number, cn: boolean): void {
    // Duplicate of a held packet?
    for (let i = 0; i < this.count; i++) {
      const s = this.slots[i]!;
      if (s.seq === seq && s.ts === ts) {
        this.stats.duplicates++;
        return;
      }
    }
    if (this.count >= this.maxPending) {
      // Full (only with hostile timestamps): deliver the oldest now.
      if (!this.started) {
        this.started = true;
        this.nextTs = this.slots[0]!.ts;
      }
      const head = this.slots[0]!;
      const d = tsDiff(head.ts, this.nextTs);
      if (d > 0) this.silence(d, false);
      this.shift();
      this.deliver(head, d < 0 ? -d : 0);
      this.release(head);
    }
    const e = this.take();
    setEntry(e, seq, ts, marker, payload, samples, cn);
    // Insertion sort from the back: in-order packets cost one comparison.
    let i = this.count;
    while (i > 0 && tsDiff(this.slots[i - 1]!.ts, ts) > 0) {
      this.slots[i] = this.slots[i - 1]!;
      i--;
    }
    this.slots[i] = e;
    this.count++;
    const end = addTs(ts, samples);
    if (!this.haveEnd || tsDiff(end, this.highestEnd) > 0) {
      this.highestEnd = end;
      this.haveEnd = true;
    }
  }

  private shift(): void {
    for (let i = 1; i < this.count; i++) this.slots[i - 1] = this.slots[i]!;
    this.count--;
  }

  private clearPending(): void {
    for (let i = 0; i < this.count; i++) this.release(this.slots[i]!);
    this.count = 0;
    this.haveEnd = false;
  }

  private take(): Entry {
    return this.pool.pop() ?? newEntry();
  }

  private release(e: Entry): void {
    e.payload = null;
    if (this.pool.length < this.maxPending + 2) this.pool.push(e);
  }

  private remember(seq: number): void {
    this.recentSeq[this.recentPos] = seq;
    this.recentPos = (this.recentPos + 1) % RECENT;
    if (this.recentCount < RECENT) this.recentCount++;
  }

  private isRecent(seq: number): boolean {
    for (let i = 0; i < this.recentCount; i++) if (this.recentSeq[i] === seq) return true;
    return false;
  }
}

function newEntry(): Entry {
  return { seq: 0, ts: 0, samples: 0, payload: null, marker: false, cn: false };
}
