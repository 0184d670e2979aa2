/**
 * Sequence-number and timestamp arithmetic, and receiver statistics.
 *
 * Sequence numbers are 16-bit and timestamps 32-bit, both wrapping: comparisons are
 * "serial number" style (RFC 1982): the shorter way round the circle wins.
 *
 * @see RFC 3550 Appendix A.1 (validity/extended sequence), A.3 (loss), A.8 (jitter)
 */

export const RTP_SEQ_MOD = 0x10000;

/** Signed distance a − b for 16-bit sequence numbers, in [−32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** True if sequence number a comes after b (with wrap-around: 0 is newer than 65535). */
export function isNewerSeq(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** (seq + n) mod 2¹⁶. */
export function addSeq(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance a − b for 32-bit RTP timestamps, in [−2³¹, 2³¹−1]. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** True if timestamp a comes after b (with wrap-around). */
export function isNewerTs(a: number, b: number): boolean {
  return tsDiff(a, b) > 0;
}

/** (ts + n) mod 2³², as an unsigned number. */
export function addTs(ts: number, n: number): number {
  return (ts + n) >>> 0;
}

/** A.1 constants (for 8 kHz audio: MAX_DROPOUT 3000 packets = 60 s at 20 ms). */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
export const MIN_SEQUENTIAL = 2;
/** During probation, packets within this many sequence numbers of each other count as one stream. */
export const PROBATION_SPAN = 16;

/** What `RtpReceiverStats.update` decided about one packet. */
export type SeqVerdict =
  | 'valid' // counted; extends or fills in the sequence
  | 'probation' // a new source not yet confirmed by MIN_SEQUENTIAL in-order packets
  | 'bad-jump' // a jump > MAX_DROPOUT not (yet) confirmed by its successor
  | 'restart'; // the successor confirmed the jump: the sequence was re-based (counted)

/** One RTCP report block's worth of figures. */
export interface ReceptionReport {
  readonly ssrc: number;
  /** Fraction lost since the previous report, 0–255 (÷256). */
  readonly fractionLost: number;
  /** Cumulative lost, clamped to the signed 24-bit field. */
  readonly cumulativeLost: number;
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units, rounded. */
  readonly jitter: number;
}

/**
 * Per-source reception state: the A.1 extended sequence counter with probation and
 * MAX_DROPOUT/MAX_MISORDER, A.3 loss figures and the A.8 jitter estimate. A different
 * SSRC resets everything (a new source starts on probation).
 *
 * Two deliberate deviations from the A.1 code, both for streams reordered at the start
 * (A.1 as printed never validates a source whose packets arrive pairwise swapped, and
 * counts a packet older than the first one received as a negative loss):
 *  - probation asks for MIN_SEQUENTIAL packets within PROBATION_SPAN of each other, not
 *    strictly consecutive ones; the base is the lowest of them;
 *  - a reordered packet older than the base (within MAX_MISORDER) moves the base back.
 * Either way the source must still be one coherent sequence; a stray is not validated.
 */
export class RtpReceiverStats {
  ssrc: number | null = null;
  private maxSeq = 0;
  private cycles = 0;
  /** Extended base sequence number; may go below 0 (see the deviations above). */
  private baseSeq = 0;
  private probeMin = 0;
  private probeMax = 0;
  private probeCount = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = 0;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private haveTransit = false;
  private jitterValue = 0;
  /** SSRC changes seen after the first source. */
  ssrcChanges = 0;
  /** Sequence restarts (confirmed jumps > MAX_DROPOUT). */
  restarts = 0;

  /** @see RFC 3550 A.1 update_seq(); also handles a change of SSRC. */
  update(ssrc: number, seq: number): SeqVerdict {
    if (this.ssrc !== ssrc) {
      if (this.ssrc !== null) this.ssrcChanges++;
      this.ssrc = ssrc;
      this.initSeq(seq);
      this.probation = MIN_SEQUENTIAL;
      this.probeCount = 0;
      this.haveTransit = false;
      this.jitterValue = 0;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (this.probeCount > 0 && Math.abs(seqDiff(seq, this.probeMax)) <= PROBATION_SPAN && Math.abs(seqDiff(seq, this.probeMin)) <= PROBATION_SPAN) {
        if (seqDiff(seq, this.probeMin) < 0) this.probeMin = seq;
        if (seqDiff(seq, this.probeMax) > 0) this.probeMax = seq;
        this.probeCount++;
      } else {
        this.probeMin = this.probeMax = seq;
        this.probeCount = 1;
      }
      if (this.probeCount >= MIN_SEQUENTIAL) {
        this.probation = 0;
        this.initSeq(this.probeMin);
        this.maxSeq = this.probeMax;
        if (this.probeMax < this.probeMin) this.cycles = RTP_SEQ_MOD; // wrapped inside the probe
        this.receivedCount = this.probeCount;
        return 'valid';
      }
      return 'probation';
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the other side restarted without
        // telling us; re-sync (A.1).
        this.initSeq(seq);
        this.restarts++;
        this.receivedCount++;
        return 'restart';
      }
      this.badSeq = (seq + 1) & 0xffff;
      return 'bad-jump';
    } else {
      // Duplicate or reordered packet, counted as received (A.1 does the same; loss
      // can go negative with duplicates, which the report clamps). One older than the
      // base extends the base back (deviation 2).
      const ext = this.cycles + this.maxSeq - ((this.maxSeq - seq) & 0xffff);
      if (ext < this.baseSeq) this.baseSeq = ext;
    }
    this.receivedCount++;
    return 'valid';
  }

  /**
   * @see RFC 3550 A.8. `arrival` is the arrival time in timestamp units (e.g. ms × 8
   * for 8 kHz), any origin; only differences matter. Call for audio packets only
   * (RFC 4733 events reuse one timestamp for several packets).
   */
  updateJitter(rtpTimestamp: number, arrival: number): void {
    const transit = (arrival - rtpTimestamp) | 0;
    if (!this.haveTransit) {
      this.haveTransit = true;
      this.transit = transit;
      return;
    }
    let d = (transit - this.transit) | 0;
    this.transit = transit;
    if (d < 0) d = -d;
    this.jitterValue += (d - this.jitterValue) / 16;
  }

  get received(): number {
    return this.receivedCount;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected since the base (A.3); 0 before the source is validated. */
  get expected(): number {
    if (this.ssrc === null || this.probation > 0) return 0;
    return this.extendedHighestSeq - this.baseSeq + 1;
  }

  /** Cumulative packets lost (A.3); negative when duplicates outnumber losses. */
  get lost(): number {
    return this.expected - this.receivedCount;
  }

  /** Interarrival jitter in timestamp units. */
  get jitter(): number {
    return this.jitterValue;
  }

  /** Figures for an RTCP report block; advances the "since last report" interval (A.3). */
  report(): ReceptionReport | null {
    if (this.ssrc === null) return null;
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const lost = Math.max(-0x800000, Math.min(0x7fffff, this.lost));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: lost,
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.round(this.jitterValue) >>> 0,
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }
}
