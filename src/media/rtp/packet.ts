/**
 * RTP fixed header: parse and write.
 *
 * @see RFC 3550 §5.1 (RTP fixed header fields), §5.3.1 (header extension)
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                  (CC × 32 bits)   ....                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |           length              |  } only if X = 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  } (§5.3.1; length
 * |                        header extension                       |  }  in 32-bit words)
 * |                             ....                              |  }
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            payload ...                        |
 * |                               +-------------------------------+
 * |                               | padding ...   | pad count (P) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Only version 2 is RTP; anything else on an RTP port (STUN's first byte is 0x00/0x01,
 * DTLS 20–63, ZRTP...) is reported as `not-rtp-v2` so that the caller drops it.
 */
import { err, ok, type Result } from '../../shared/result.js';

export const RTP_VERSION = 2;
export const RTP_HEADER_BYTES = 12;

export type RtpParseError =
  | 'too-short' // fewer than 12 bytes
  | 'not-rtp-v2' // version field ≠ 2 (STUN, DTLS, garbage)
  | 'truncated-csrc' // CC says more CSRCs than the datagram holds
  | 'truncated-extension' // X set, extension header/length runs past the end
  | 'bad-padding'; // P set with a pad count of 0 or larger than the payload

/** The header fields a sender chooses (what `writeRtpHeader` writes). */
export interface RtpHeaderFields {
  readonly marker: boolean;
  /** 0–127. */
  readonly payloadType: number;
  /** 0–65535. */
  readonly sequenceNumber: number;
  /** 0–2³²−1. */
  readonly timestamp: number;
  /** 0–2³²−1. */
  readonly ssrc: number;
}

/**
 * A parse target reused across packets on the receive hot path: `parseRtpInto` fills it
 * without allocating. The payload is `buf[payloadOffset, payloadOffset+payloadLength)`.
 */
export interface RtpPacketView {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  padding: boolean;
  /** CC; read the CSRCs with `readCsrc(buf, i)`. */
  csrcCount: number;
  /** "defined by profile" of the header extension, or -1 when X = 0. */
  extensionProfile: number;
  payloadOffset: number;
  payloadLength: number;
  paddingLength: number;
}

/** A parsed packet; `payload` is a view into the datagram (zero-copy), not a copy. */
export interface RtpPacket extends RtpHeaderFields {
  readonly padding: boolean;
  readonly csrcs: readonly number[];
  /** "defined by profile" of the header extension, or null when none (its data is skipped). */
  readonly extensionProfile: number | null;
  readonly payload: Buffer;
  readonly paddingLength: number;
}

export function newRtpPacketView(): RtpPacketView {
  return {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    padding: false,
    csrcCount: 0,
    extensionProfile: -1,
    payloadOffset: 0,
    payloadLength: 0,
    paddingLength: 0,
  };
}

/** True if the first byte says RTP/RTCP version 2 (cheap pre-filter; RFC 7983 demux). */
export function isVersion2(buf: Uint8Array): boolean {
  return buf.length > 0 && (buf[0]! & 0xc0) === 0x80;
}

/**
 * Parse into a reused view. Never throws; returns null on success or the reason the
 * datagram is not a valid RTP packet (then `out` is partly overwritten: ignore it).
 * @see RFC 3550 §5.1, §5.3.1, Appendix A.1 (header validity checks)
 */
export function parseRtpInto(buf: Buffer, out: RtpPacketView): RtpParseError | null {
  const len = buf.length;
  if (len < RTP_HEADER_BYTES) return 'too-short';
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return 'not-rtp-v2';
  const b1 = buf[1]!;
  const cc = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + cc * 4;
  if (offset > len) return 'truncated-csrc';
  let extensionProfile = -1;
  if ((b0 & 0x10) !== 0) {
    if (offset + 4 > len) return 'truncated-extension';
    extensionProfile = buf.readUInt16BE(offset);
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    if (offset > len) return 'truncated-extension';
  }
  let paddingLength = 0;
  const padding = (b0 & 0x20) !== 0;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included; so ≥ 1.
    paddingLength = buf[len - 1]!;
    if (paddingLength === 0 || offset + paddingLength > len) return 'bad-padding';
  }
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = buf.readUInt16BE(2);
  out.timestamp = buf.readUInt32BE(4);
  out.ssrc = buf.readUInt32BE(8);
  out.padding = padding;
  out.csrcCount = cc;
  out.extensionProfile = extensionProfile;
  out.payloadOffset = offset;
  out.payloadLength = len - offset - paddingLength;
  out.paddingLength = paddingLength;
  return null;
}

/** The i-th CSRC of a packet already validated by `parseRtpInto` (0 ≤ i < CC). */
export function readCsrc(buf: Buffer, i: number): number {
  return buf.readUInt32BE(RTP_HEADER_BYTES + i * 4);
}

const NO_CSRCS: readonly number[] = Object.freeze([]);
const scratch = newRtpPacketView();
// Errors are preallocated: a flood of junk allocates nothing.
const ERRORS: { readonly [K in RtpParseError]: { readonly ok: false; readonly error: K } } = {
  'too-short': err('too-short'),
  'not-rtp-v2': err('not-rtp-v2'),
  'truncated-csrc': err('truncated-csrc'),
  'truncated-extension': err('truncated-extension'),
  'bad-padding': err('bad-padding'),
};

/**
 * Parse a datagram into a packet object whose payload is a subarray of `buf`.
 * Never throws. For the per-packet hot path prefer `parseRtpInto` with a reused view.
 */
export function parseRtp(buf: Buffer): Result<RtpPacket, RtpParseError> {
  const e = parseRtpInto(buf, scratch);
  if (e !== null) return ERRORS[e];
  let csrcs = NO_CSRCS;
  if (scratch.csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < scratch.csrcCount; i++) list.push(readCsrc(buf, i));
    csrcs = list;
  }
  return ok({
    marker: scratch.marker,
    payloadType: scratch.payloadType,
    sequenceNumber: scratch.sequenceNumber,
    timestamp: scratch.timestamp,
    ssrc: scratch.ssrc,
    padding: scratch.padding,
    csrcs,
    extensionProfile: scratch.extensionProfile < 0 ? null : scratch.extensionProfile,
    payload: buf.subarray(scratch.payloadOffset, scratch.payloadOffset + scratch.payloadLength),
    paddingLength: scratch.paddingLength,
  });
}

/**
 * Write the 12-byte fixed header (V=2, P=0, X=0, CC=0) at `offset`; returns the offset
 * where the payload goes. The sender copies its payload there and sends one buffer:
 * no concatenation, no allocation. Values are masked to their field widths.
 */
export function writeRtpHeader(buf: Buffer, offset: number, fields: RtpHeaderFields): number {
  buf[offset] = 0x80;
  buf[offset + 1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  buf.writeUInt16BE(fields.sequenceNumber & 0xffff, offset + 2);
  buf.writeUInt32BE(fields.timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(fields.ssrc >>> 0, offset + 8);
  return offset + RTP_HEADER_BYTES;
}

/** Same as `writeRtpHeader` with the fields as arguments (no object on the send path). */
export function writeRtpHeaderValues(
  buf: Buffer,
  offset: number,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): number {
  buf[offset] = 0x80;
  buf[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(sequenceNumber & 0xffff, offset + 2);
  buf.writeUInt32BE(timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(ssrc >>> 0, offset + 8);
  return offset + RTP_HEADER_BYTES;
}

export interface SerializeRtpOptions extends RtpHeaderFields {
  readonly payload: Uint8Array;
  readonly csrcs?: readonly number[];
  /** Pad the packet to a multiple of this many octets (sets P); for tests and SRTP-less peers that want it. */
  readonly padTo?: number;
}

/** Build a whole packet in a new buffer (convenience, tests; not the send hot path). */
export function serializeRtp(p: SerializeRtpOptions): Buffer {
  const csrcs = p.csrcs ?? NO_CSRCS;
  const cc = Math.min(csrcs.length, 15);
  const unpadded = RTP_HEADER_BYTES + cc * 4 + p.payload.length;
  const padTo = p.padTo ?? 0;
  const pad = padTo > 1 && unpadded % padTo !== 0 ? padTo - (unpadded % padTo) : 0;
  const buf = Buffer.alloc(unpadded + pad);
  let off = writeRtpHeader(buf, 0, p);
  buf[0] = 0x80 | (pad > 0 ? 0x20 : 0) | cc;
  for (let i = 0; i < cc; i++) {
    buf.writeUInt32BE(csrcs[i]! >>> 0, off);
    off += 4;
  }
  buf.set(p.payload, off);
  if (pad > 0) buf[buf.length - 1] = pad;
  return buf;
}
