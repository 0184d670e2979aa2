import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { Result } from '../../shared/result.js';
import { err, ok } from '../../shared/result.js';
import type { DtmfEvent } from './digit.js';
import { digitFromEventCode } from './digit.js';

/**
 * One telephone-event payload.
 *
 * @see RFC 4733 §2.3 (payload format), §2.3.5 (duration), §2.5.1.3 (long events)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     event     |E|R| volume    |          duration             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   event     0–255; 0–15 are DTMF (§3.2), 16 is flash, others are tones we ignore
 *   E         end of the event: set in the final packet (sent three times, §2.5.1.4)
 *   R         reserved: senders set 0, receivers ignore it
 *   volume    power level of the tone, 0 to −63 dBm0 (stored as 0–63)
 *   duration  in RTP timestamp units since the event's timestamp, saturating at 0xFFFF
 */
export interface TelephoneEventPayload {
  readonly event: number;
  readonly end: boolean;
  /** −dBm0 (0 = loudest). */
  readonly volume: number;
  /** RTP timestamp units. */
  readonly duration: number;
}

export const TELEPHONE_EVENT_BYTES = 4;

/**
 * Parse a telephone-event payload (the bytes after the RTP header and any padding).
 * Never throws. Extra bytes after the first four are ignored: RFC 2833 senders may
 * append further 4-byte blocks, and one key press per packet is all the decoder needs.
 */
export function parseTelephoneEvent(payload: Buffer): Result<TelephoneEventPayload, string> {
  if (payload.length < TELEPHONE_EVENT_BYTES) {
    return err(`telephone-event payload is ${payload.length} bytes, needs ${TELEPHONE_EVENT_BYTES}`);
  }
  const flags = payload.readUInt8(1);
  return ok({
    event: payload.readUInt8(0),
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: payload.readUInt16BE(2),
  });
}

export interface TelephoneEventDecoderOptions {
  /** The telephone-event clock rate from the SDP rtpmap (8000 unless negotiated otherwise). */
  readonly clockRate?: number;
  /** Arrival times of packets; `at` of the digits is on this clock. */
  readonly clock?: Clock;
  /**
   * An event whose packets stop for this long without an end packet is over. Senders
   * refresh every ~50 ms (§2.5.1.2), so 300 ms is six lost updates in a row.
   */
  readonly endTimeoutMs?: number;
}

export interface TelephoneEventDecoderStats {
  packets: number;
  malformed: number;
  /** Repeated end packets and late packets of events already reported. */
  duplicates: number;
  /** Events 16–255 (flash, tones): not digits. */
  nonDtmf: number;
  /** Digits reported without their end packet (on the next event or on timeout). */
  endLost: number;
}

/** Timestamps of finished events remembered to ignore their late packets; bounded. */
const RECENT_EVENTS = 8;
/** A duration of 0xFFFF means the event may continue in a new segment (§2.5.1.3). */
const MAX_DURATION = 0xffff;
const NONE: readonly DtmfEvent[] = Object.freeze([]);

interface ActiveEvent {
  ts: number;
  code: number;
  /** Ticks of the earlier segments of a long event plus the current segment's duration. */
  baseTicks: number;
  durationTicks: number;
  lastSeq: number;
  startedAt: number;
  lastPacketAt: number;
  /** End packet seen on a segment that may still continue (duration 0xFFFF). */
  endSeen: boolean;
}

/**
 * Turns a stream of RFC 4733 telephone-event packets into digits, each reported once,
 * when the key is released (the end packet), so `durationMs` is known.
 *
 * An event is identified by its RTP timestamp (§2.5.1.3: every packet of an event,
 * including the three end packets, carries the timestamp of its start). Hence:
 * repeated end packets count once; a long press (many updates) is one digit; the same
 * digit pressed twice has two timestamps and gives two digits; a lost start packet does
 * not matter; a lost end packet is made up for by the next event's start or by
 * `flush(now)` after `endTimeoutMs` of silence. The caller filters by the negotiated
 * payload type and resets on an SSRC change. State is one active event and a ring of
 * the last 8 finished events. Packets are taken in arrival order: no timestamp ordering
 * is assumed between events, because senders replaying captures (SIPp) jump backwards.
 */
export class TelephoneEventDecoder {
  private readonly clockRate: number;
  private readonly clock: Clock;
  private readonly endTimeoutMs: number;
  private active: ActiveEvent | undefined;
  /** Finished events: timestamp, last sequence number, when reported. A bounded ring. */
  private readonly recentTs = new Uint32Array(RECENT_EVENTS);
  private readonly recentSeq = new Uint16Array(RECENT_EVENTS);
  private readonly recentAt = new Float64Array(RECENT_EVENTS);
  private recentCount = 0;
  private recentNext = 0;
  readonly stats: TelephoneEventDecoderStats = { packets: 0, malformed: 0, duplicates: 0, nonDtmf: 0, endLost: 0 };

  constructor(options: TelephoneEventDecoderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.clock = options.clock ?? systemClock;
    this.endTimeoutMs = options.endTimeoutMs ?? 300;
    if (!(this.clockRate > 0)) throw new RangeError(`clockRate must be > 0 (got ${this.clockRate})`);
  }

  /** The digit being held right now (packets arriving, no end yet): for barge-in on key-down. */
  get activeDigit(): DtmfEvent['digit'] | undefined {
    return this.active && !this.active.endSeen ? digitFromEventCode(this.active.code) : undefined;
  }

  /**
   * Feed one RTP packet of the telephone-event payload type. Returns the digits that
   * this packet completed (usually none, at most two: a previous event whose end was
   * lost, and this one if it is a lone end packet).
   */
  push(payload: Buffer, rtpTimestamp: number, marker: boolean, seq: number): readonly DtmfEvent[] {
    this.stats.packets++;
    const parsed = parseTelephoneEvent(payload);
    if (!parsed.ok) {
      this.stats.malformed++;
      return NONE;
    }
    const { event, end, duration } = parsed.value;
    const ts = rtpTimestamp >>> 0;
    seq &= 0xffff;
    const now = this.clock.now();
    const cur = this.active;

    if (cur && ts === cur.ts && event === cur.code) {
      // An update or end packet of the event in progress (possibly reordered: keep the max).
      cur.durationTicks = Math.max(cur.durationTicks, duration);
      cur.lastPacketAt = now;
      if (seqNewer(seq, cur.lastSeq)) cur.lastSeq = seq;
      if (end) {
        if (cur.durationTicks >= MAX_DURATION) {
          cur.endSeen = true; // may continue in a next segment: decide on the next packet or flush
          return NONE;
        }
        return [this.finish(cur, false, now)];
      }
      return NONE;
    }

    const r = this.findRecent(ts);
    if (r >= 0 && !(marker && (seqNewer(seq, this.recentSeq[r]!) || now - this.recentAt[r]! >= this.endTimeoutMs))) {
      // Repeated end packets, or late packets of an event already reported. Exception: a
      // start packet (marker) on a finished event's timestamp that is newer than all its
      // packets, or comes long after it ended, is a new press from a sender that reuses
      // timestamps — §2.5.1.3 forbids it, but replayed captures (SIPp play_pcap_audio
      // sends the same bytes each time) and some gateways do it.
      this.stats.duplicates++;
      return NONE;
    }

    if (cur && event === cur.code && cur.durationTicks >= MAX_DURATION && ((ts - cur.ts) >>> 0) === MAX_DURATION) {
      // §2.5.1.3: a long event continues in a new segment whose timestamp is the old one
      // plus the old segment's duration. Still the same key press.
      this.remember(cur.ts, cur.lastSeq, now);
      cur.baseTicks += cur.durationTicks;
      cur.ts = ts;
      cur.durationTicks = duration;
      cur.lastSeq = seq;
      cur.lastPacketAt = now;
      cur.endSeen = false;
      if (end && duration < MAX_DURATION) return [this.finish(cur, false, now)];
      return NONE;
    }

    // A new event. Whatever was in progress is over, even if its end packet was lost.
    const out: DtmfEvent[] = [];
    if (cur) out.push(this.finish(cur, !cur.endSeen, now));
    if (digitFromEventCode(event) === undefined) {
      this.stats.nonDtmf++;
      this.remember(ts, seq, now);
      return out;
    }
    const next: ActiveEvent = {
      ts,
      code: event,
      baseTicks: 0,
      durationTicks: duration,
      lastSeq: seq,
      // The duration field says how long ago the event began, even if its start was lost.
      startedAt: now - this.ticksToMs(duration),
      lastPacketAt: now,
      endSeen: false,
    };
    this.active = next;
    if (end) {
      if (duration >= MAX_DURATION) next.endSeen = true;
      else out.push(this.finish(next, false, now));
    }
    return out;
  }

  /**
   * Report the event in progress if no packet arrived for `endTimeoutMs` (its end
   * packets were lost). Call it periodically, e.g. from the shared media tick.
   */
  flush(nowMs: number = this.clock.now()): readonly DtmfEvent[] {
    const cur = this.active;
    if (!cur || nowMs - cur.lastPacketAt < this.endTimeoutMs) return NONE;
    return [this.finish(cur, !cur.endSeen, nowMs)];
  }

  /** Forget everything (a new SSRC restarts timestamps and sequence numbers). */
  reset(): void {
    this.active = undefined;
    this.recentCount = 0;
    this.recentNext = 0;
  }

  private finish(ev: ActiveEvent, endLost: boolean, now: number): DtmfEvent {
    if (endLost) this.stats.endLost++;
    this.active = undefined;
    this.remember(ev.ts, ev.lastSeq, now);
    return {
      // The code was checked to be 0–15 when the event was created.
      digit: digitFromEventCode(ev.code) ?? '0',
      source: 'rfc4733',
      durationMs: this.ticksToMs(ev.baseTicks + ev.durationTicks),
      at: ev.startedAt,
    };
  }

  private ticksToMs(ticks: number): number {
    return (ticks * 1000) / this.clockRate;
  }

  private remember(ts: number, seq: number, at: number): void {
    const i = this.recentNext;
    this.recentTs[i] = ts;
    this.recentSeq[i] = seq;
    this.recentAt[i] = at;
    this.recentNext = (i + 1) % RECENT_EVENTS;
    if (this.recentCount < RECENT_EVENTS) this.recentCount++;
  }

  /** Index of the newest finished event with this timestamp, or −1. */
  private findRecent(ts: number): number {
    for (let k = 1; k <= this.recentCount; k++) {
      const i = (this.recentNext - k + RECENT_EVENTS) % RECENT_EVENTS;
      if (this.recentTs[i] === ts) return i;
    }
    return -1;
  }
}

/** RFC 3550 §A.1 16-bit serial comparison: is `a` after `b`? */
function seqNewer(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}
