/**
 * A tiny reader of classic pcap files (not pcapng) for test fixtures such as the RFC 4733
 * captures SIPp ships: Ethernet (optionally one 802.1Q tag) or Linux cooked, IPv4, UDP,
 * then the RTP header (RFC 3550 §5.1) is peeled off to give the payload. Test support
 * only; throws on anything it does not understand, which is a broken fixture.
 *
 *   global header (24 bytes)  magic a1b2c3d4 (µs) or a1b23c4d (ns), either byte order;
 *                             version 2.4; snaplen; linktype at offset 20
 *   per packet (16 bytes)     ts_sec, ts_frac, incl_len, orig_len, then incl_len bytes
 */
import { readFileSync } from 'node:fs';

export interface RtpFromPcap {
  /** Capture time of the packet, ms from the first packet. */
  readonly timeMs: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;

export function readRtpFromPcap(file: string): RtpFromPcap[] {
  const buf = readFileSync(file);
  const magicLE = buf.readUInt32LE(0);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const magic = le ? magicLE : buf.readUInt32BE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a classic pcap (magic ${magicLE.toString(16)})`);
  const fracPerMs = magic === 0xa1b23c4d ? 1e6 : 1e3;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20);
  const out: RtpFromPcap[] = [];
  let first: number | undefined;
  for (let off = 24; off + 16 <= buf.length; ) {
    const t = u32(off) * 1000 + u32(off + 4) / fracPerMs;
    const incl = u32(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    first ??= t;
    const udp = udpPayload(frame, linktype);
    if (!udp || udp.length < 12 || udp[0]! >> 6 !== 2) continue;
    const rtp = rtpPayload(udp);
    if (rtp) out.push({ timeMs: t - first, ...rtp });
  }
  return out;
}

function udpPayload(frame: Buffer, linktype: number): Buffer | undefined {
  let p: number;
  let etherType: number;
  if (linktype === LINKTYPE_ETHERNET) {
    etherType = frame.readUInt16BE(12);
    p = 14;
    if (etherType === 0x8100) {
      etherType = frame.readUInt16BE(16);
      p = 18;
    }
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    etherType = frame.readUInt16BE(14);
    p = 16;
  } else throw new Error(`unsupported pcap linktype ${linktype}`);
  if (etherType !== 0x0800) return undefined; // IPv4 only: the fixtures are IPv4
  const ihl = (frame[p]! & 0x0f) * 4;
  if (frame[p + 9] !== 17) return undefined; // not UDP
  const totalLen = frame.readUInt16BE(p + 2);
  const udp = p + ihl;
  const udpLen = frame.readUInt16BE(udp + 4);
  return frame.subarray(udp + 8, Math.min(udp + udpLen, p + totalLen, frame.length));
}

/**
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |                             SSRC                              |
 * |  CSRC × CC ... | extension (if X) ... | payload ... | padding (if P)
 */
function rtpPayload(b: Buffer): Omit<RtpFromPcap, 'timeMs'> | undefined {
  const cc = b[0]! & 0x0f;
  let start = 12 + 4 * cc;
  if (b[0]! & 0x10) {
    if (b.length < start + 4) return undefined;
    start += 4 + 4 * b.readUInt16BE(start + 2);
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (start > end) return undefined;
  return {
    payloadType: b[1]! & 0x7f,
    marker: (b[1]! & 0x80) !== 0,
    seq: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(start, end),
  };
}
