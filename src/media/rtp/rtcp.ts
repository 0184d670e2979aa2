/**
 * RTCP: parse compound packets (SR, RR, SDES, BYE, APP; others kept raw) and build the
 * reports we send (SR/RR + SDES CNAME, BYE). RTCP is a few packets per call every few
 * seconds, so clarity beats zero-allocation here; the parser still never throws and is
 * bounded (at most MAX_RTCP_PACKETS packets per datagram).
 *
 * @see RFC 3550 §6.4 (SR/RR), §6.5 (SDES), §6.6 (BYE), §6.7 (APP), Appendix A.2 (validity)
 *
 * Every RTCP packet starts with:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  RC/SC  |      PT       |    length (32-bit words − 1)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * SR (PT=200) body:                         RR (PT=201) body:
 * +---------------------------------+       +---------------------------------+
 * | SSRC of sender                  |       | SSRC of packet sender           |
 * | NTP timestamp, most signif. word|       +---------------------------------+
 * | NTP timestamp, least signif.word|       | report block 1 … RC             |
 * | RTP timestamp                   |       +---------------------------------+
 * | sender's packet count           |
 * | sender's octet count            |
 * +---------------------------------+
 * | report block 1 … RC             |
 * +---------------------------------+
 *
 * Report block (24 octets):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 SSRC_n (source identifier)                    |
 * | fraction lost |       cumulative number of packets lost       |
 * |           extended highest sequence number received           |
 * |                      interarrival jitter                      |
 * |                         last SR (LSR)                         |
 * |                   delay since last SR (DLSR)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * SDES (PT=202): SC chunks of { SSRC, items { type(8) length(8) text }…, 0, pad to 32 bits }.
 * BYE (PT=203): SC SSRCs, then optionally { length(8) reason }, padded to 32 bits.
 * APP (PT=204, subtype in RC): SSRC, name (4 ASCII), application data.
 */
import { err, ok, type Result } from '../../shared/result.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const SDES_CNAME = 1;

/** Bound on packets in one compound datagram (a real one has 2–4). */
export const MAX_RTCP_PACKETS = 32;
const MAX_REPORT_BLOCKS = 31;

export type RtcpParseError =
  | 'too-short'
  | 'not-rtp-v2'
  | 'bad-length' // a packet's length runs past the datagram
  | 'bad-padding' // padding on a packet that is not the last, or a bad pad count
  | 'too-many-packets'
  | 'bad-sr'
  | 'bad-rr'
  | 'bad-sdes'
  | 'bad-bye'
  | 'bad-app';

export interface RtcpReportBlock {
  readonly ssrc: number;
  /** 0–255 (÷256). */
  readonly fractionLost: number;
  /** Signed 24-bit. */
  readonly cumulativeLost: number;
  readonly extendedHighestSeq: number;
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source, 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR, in 1/65536 s. */
  readonly delaySinceLastSr: number;
}

export interface RtcpSenderInfo {
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export interface RtcpSdesItem {
  readonly type: number;
  readonly text: string;
}

export type RtcpPacket =
  | ({ readonly type: 'sr'; readonly ssrc: number; readonly reports: readonly RtcpReportBlock[] } & RtcpSenderInfo)
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly RtcpReportBlock[] }
  | { readonly type: 'sdes'; readonly chunks: readonly { readonly ssrc: number; readonly items: readonly RtcpSdesItem[] }[] }
  | { readonly type: 'bye'; readonly ssrcs: readonly number[]; readonly reason: string | null }
  | { readonly type: 'app'; readonly subtype: number; readonly ssrc: number; readonly name: string; readonly data: Buffer }
  | { readonly type: 'other'; readonly packetType: number; readonly count: number; readonly body: Buffer };

/**
 * Parse a (compound) RTCP datagram. Never throws. Checks of RFC 3550 A.2 that real
 * peers violate are relaxed: a compound need not start with SR/RR (RFC 5506 reduced
 * size), unknown packet types (RTPFB, PSFB, XR) are kept as `other`.
 */
export function parseRtcp(buf: Buffer): Result<RtcpPacket[], RtcpParseError> {
  if (buf.length < 4) return err('too-short');
  const packets: RtcpPacket[] = [];
  let off = 0;
  while (off < buf.length) {
    if (packets.length >= MAX_RTCP_PACKETS) return err('too-many-packets');
    if (off + 4 > buf.length) return err('bad-length');
    const b0 = buf[off]!;
    if (b0 >> 6 !== 2) return err('not-rtp-v2');
    const count = b0 & 0x1f;
    const pt = buf[off + 1]!;
    const end = off + (buf.readUInt16BE(off + 2) + 1) * 4;
    if (end > buf.length) return err('bad-length');
    let bodyEnd = end;
    if ((b0 & 0x20) !== 0) {
      // §6.4.1 / A.2: only the last packet of a compound may be padded.
      if (end !== buf.length) return err('bad-padding');
      const pad = buf[end - 1]!;
      if (pad === 0 || off + 4 + pad > end) return err('bad-padding');
      bodyEnd = end - pad;
    }
    const r = parseOne(buf, pt, count, off + 4, bodyEnd);
    if (!r.ok) return r;
    packets.push(r.value);
    off = end;
  }
  return ok(packets);
}

function parseOne(buf: Buffer, pt: number, count: number, start: number, end: number): Result<RtcpPacket, RtcpParseError> {
  switch (pt) {
    case RTCP_SR: {
      if (start + 24 + count * 24 > end) return err('bad-sr');
      return ok({
        type: 'sr',
        ssrc: buf.readUInt32BE(start),
        ntpSeconds: buf.readUInt32BE(start + 4),
        ntpFraction: buf.readUInt32BE(start + 8),
        rtpTimestamp: buf.readUInt32BE(start + 12),
        packetCount: buf.readUInt32BE(start + 16),
        octetCount: buf.readUInt32BE(start + 20),
        reports: readBlocks(buf, start + 24, count),
      });
    }
    case RTCP_RR: {
      if (start + 4 + count * 24 > end) return err('bad-rr');
      return ok({ type: 'rr', ssrc: buf.readUInt32BE(start), reports: readBlocks(buf, start + 4, count) });
    }
    case RTCP_SDES: {
      const chunks: { ssrc: number; items: RtcpSdesItem[] }[] = [];
      let off = start;
      for (let c = 0; c < count; c++) {
        if (off + 4 > end) return err('bad-sdes');
        const ssrc = buf.readUInt32BE(off);
        off += 4;
        const items: RtcpSdesItem[] = [];
        for (;;) {
          if (off >= end) return err('bad-sdes');
          const type = buf[off]!;
          if (type === 0) {
            off += 1;
            off += (4 - ((off - start) % 4)) % 4; // null octets up to the 32-bit boundary
            break;
          }
          if (off + 2 > end) return err('bad-sdes');
          const len = buf[off + 1]!;
          if (off + 2 + len > end) return err('bad-sdes');
          items.push({ type, text: buf.toString('utf8', off + 2, off + 2 + len) });
          off += 2 + len;
        }
        chunks.push({ ssrc, items });
      }
      return ok({ type: 'sdes', chunks });
    }
    case RTCP_BYE: {
      if (start + count * 4 > end) return err('bad-bye');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(buf.readUInt32BE(start + i * 4));
      let reason: string | null = null;
      const rOff = start + count * 4;
      if (rOff < end) {
        const len = buf[rOff]!;
        if (rOff + 1 + len > end) return err('bad-bye');
        reason = buf.toString('utf8', rOff + 1, rOff + 1 + len);
      }
      return ok({ type: 'bye', ssrcs, reason });
    }
    case RTCP_APP: {
      if (start + 8 > end) return err('bad-app');
      return ok({
        type: 'app',
        subtype: count,
        ssrc: buf.readUInt32BE(start),
        name: buf.toString('latin1', start + 4, start + 8),
        data: buf.subarray(start + 8, end),
      });
    }
    default:
      return ok({ type: 'other', packetType: pt, count, body: buf.subarray(start, end) });
  }
}

function readBlocks(buf: Buffer, off: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++, off += 24) {
    const lostWord = buf.readUInt32BE(off + 4);
    const lost24 = lostWord & 0xffffff;
    blocks.push({
      ssrc: buf.readUInt32BE(off),
      fractionLost: lostWord >>> 24,
      cumulativeLost: lost24 & 0x800000 ? lost24 - 0x1000000 : lost24,
      extendedHighestSeq: buf.readUInt32BE(off + 8),
      jitter: buf.readUInt32BE(off + 12),
      lastSr: buf.readUInt32BE(off + 16),
      delaySinceLastSr: buf.readUInt32BE(off + 20),
    });
  }
  return blocks;
}

// --- building ------------------------------------------------------------------------

function header(buf: Buffer, off: number, count: number, pt: number, totalBytes: number): void {
  buf[off] = 0x80 | (count & 0x1f);
  buf[off + 1] = pt;
  buf.writeUInt16BE(totalBytes / 4 - 1, off + 2);
}

function writeBlock(buf: Buffer, off: number, b: RtcpReportBlock): void {
  buf.writeUInt32BE(b.ssrc >>> 0, off);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(b.cumulativeLost))) & 0xffffff;
  buf.writeUInt32BE((((b.fractionLost & 0xff) << 24) | lost) >>> 0, off + 4);
  buf.writeUInt32BE(b.extendedHighestSeq >>> 0, off + 8);
  buf.writeUInt32BE(b.jitter >>> 0, off + 12);
  buf.writeUInt32BE(b.lastSr >>> 0, off + 16);
  buf.writeUInt32BE(b.delaySinceLastSr >>> 0, off + 20);
}

/** @see RFC 3550 §6.4.1 */
export function buildSenderReport(ssrc: number, info: RtcpSenderInfo, reports: readonly RtcpReportBlock[] = []): Buffer {
  const n = Math.min(reports.length, MAX_REPORT_BLOCKS);
  const buf = Buffer.alloc(28 + 24 * n);
  header(buf, 0, n, RTCP_SR, buf.length);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf.writeUInt32BE(info.ntpSeconds >>> 0, 8);
  buf.writeUInt32BE(info.ntpFraction >>> 0, 12);
  buf.writeUInt32BE(info.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(info.packetCount >>> 0, 20);
  buf.writeUInt32BE(info.octetCount >>> 0, 24);
  for (let i = 0; i < n; i++) writeBlock(buf, 28 + 24 * i, reports[i]!);
  return buf;
}

/** @see RFC 3550 §6.4.2 */
export function buildReceiverReport(ssrc: number, reports: readonly RtcpReportBlock[] = []): Buffer {
  const n = Math.min(reports.length, MAX_REPORT_BLOCKS);
  const buf = Buffer.alloc(8 + 24 * n);
  header(buf, 0, n, RTCP_RR, buf.length);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  for (let i = 0; i < n; i++) writeBlock(buf, 8 + 24 * i, reports[i]!);
  return buf;
}

/** One SDES chunk with a CNAME item. @see RFC 3550 §6.5.1 */
export function buildSdesCname(ssrc: number, cname: string): Buffer {
  let text = Buffer.from(cname, 'utf8');
  if (text.length > 255) text = text.subarray(0, 255);
  // header 4 + ssrc 4 + type/len 2 + text + at least one null octet, padded to 4
  const total = Math.ceil((8 + 2 + text.length + 1) / 4) * 4;
  const buf = Buffer.alloc(total);
  header(buf, 0, 1, RTCP_SDES, total);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf[8] = SDES_CNAME;
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

/** @see RFC 3550 §6.6 */
export function buildBye(ssrcs: readonly number[], reason?: string): Buffer {
  const n = Math.min(ssrcs.length, 31);
  let r = reason === undefined ? null : Buffer.from(reason, 'utf8');
  if (r !== null && r.length > 255) r = r.subarray(0, 255);
  const total = Math.ceil((4 + 4 * n + (r === null ? 0 : 1 + r.length)) / 4) * 4;
  const buf = Buffer.alloc(total);
  header(buf, 0, n, RTCP_BYE, total);
  for (let i = 0; i < n; i++) buf.writeUInt32BE(ssrcs[i]! >>> 0, 4 + 4 * i);
  if (r !== null) {
    buf[4 + 4 * n] = r.length;
    r.copy(buf, 5 + 4 * n);
  }
  return buf;
}

/** Concatenate packets into one compound datagram (§6.1: SR/RR first, then SDES, BYE last). */
export function buildCompound(parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts);
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** Wall-clock milliseconds since 1970 → 64-bit NTP timestamp (§4). */
export function ntpFromUnixMs(ms: number): { seconds: number; fraction: number } {
  const secs = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - secs * 1000) / 1000) * 0x1_0000_0000);
  return { seconds: (secs + NTP_UNIX_OFFSET) >>> 0, fraction: Math.min(fraction, 0xffffffff) >>> 0 };
}

/** The middle 32 bits of an NTP timestamp, as carried in LSR (§6.4.1). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}
