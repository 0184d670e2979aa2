/**
 * What a caller heard, taken off the wire: `dumpcap` (Debian `tshark`/`wireshark-common`)
 * captures UDP on the loopback interface into a classic pcap file, which is parsed here
 * (no tshark dissectors involved) into UDP datagrams, RTP packets and, for G.711 µ-law,
 * the PCM the caller's phone would have played. `bestMatch` then finds a known prompt in
 * that PCM by normalised cross-correlation.
 *
 * pcap (libpcap "classic" format, https://wiki.wireshark.org/Development/LibpcapFileFormat):
 *
 *   global header, 24 bytes   magic a1b2c3d4 (µs) or a1b23c4d (ns), written in the
 *                             writer's byte order; version 2.4; thiszone; sigfigs;
 *                             snaplen; link type (1 Ethernet — what Linux `lo` gives,
 *                             113 Linux cooked, 0 BSD loopback)
 *   per packet, 16 bytes      ts_sec, ts_frac, captured length, original length; then
 *                             the captured bytes
 *
 * Under the link header: IPv4 (IHL × 4 bytes of header, protocol 17 = UDP) or IPv6
 * (40 bytes, next header 17), then UDP (8 bytes), then RTP (RFC 3550 §5.1: 12 bytes +
 * 4 per CSRC, an optional extension, optional padding).
 *
 * The capture runs in its own process group (spawnTracked), so `killChildren()` stops
 * it when a test fails half-way; `stop()` stops it normally (SIGTERM: dumpcap finishes
 * the file and exits).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawToLinear } from '../../src/media/codec/g711.js';
import { requireTool, spawnTracked, stopChild, type TrackedChild } from './child-processes.js';
import { waitFor } from './wait.js';

/** One UDP datagram seen on the wire. */
export interface UdpDatagram {
  /** Capture time, ms since the epoch (the kernel's clock: comparable with Date.now()). */
  readonly timeMs: number;
  readonly srcAddress: string;
  readonly srcPort: number;
  readonly dstAddress: string;
  readonly dstPort: number;
  readonly payload: Buffer;
}

export interface RtpPacket {
  readonly timeMs: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
}

export interface CaptureOptions {
  /** A BPF filter, e.g. `udp and (src portrange 16000-16399 or src port 5060)`. */
  readonly filter: string;
  /** Interface; default `lo`. Never anything but loopback in these tests. */
  readonly iface?: string;
  /** How long to wait for dumpcap to report that it captures. Default 10 s. */
  readonly startTimeoutMs?: number;
}

/** A running dumpcap writing a pcap file; `stop()` ends it and returns the datagrams. */
export class LoopbackCapture {
  private stopped: Promise<UdpDatagram[]> | null = null;

  private constructor(
    readonly file: string,
    private readonly dir: string,
    private readonly proc: TrackedChild,
    readonly filter: string,
  ) {}

  /** Start capturing; resolves once dumpcap says it is capturing (packets sent after that are in the file). */
  static async start(o: CaptureOptions): Promise<LoopbackCapture> {
    requireTool('dumpcap', 'apt-get install tshark');
    const dir = mkdtempSync(join(tmpdir(), 'voxmail-capture-'));
    const file = join(dir, 'capture.pcap');
    // -P: classic pcap, not pcapng; -q: no packet counts on stderr.
    const proc = spawnTracked('dumpcap', ['-i', o.iface ?? 'lo', '-f', o.filter, '-w', file, '-P', '-q'], { cwd: dir });
    const c = new LoopbackCapture(file, dir, proc, o.filter);
    try {
      await waitFor(
        () => /Capturing on/.test(proc.stderr) || proc.child.exitCode !== null || proc.child.signalCode !== null,
        o.startTimeoutMs ?? 10_000,
        () => `dumpcap to start capturing (stderr: ${proc.stderr})`,
        10,
      );
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`dumpcap exited at start: ${proc.stderr}`);
    } catch (e) {
      await stopChild(proc, 1000);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    // The filter is attached when the interface is opened, before the message; a short
    // margin covers the kernel's ring buffer setup.
    await new Promise((r) => setTimeout(r, 100));
    return c;
  }

  /** Stop dumpcap (after a moment for the last packets) and parse what it wrote. Idempotent. */
  stop(settleMs = 200): Promise<UdpDatagram[]> {
    return (this.stopped ??= (async () => {
      await new Promise((r) => setTimeout(r, settleMs));
      await stopChild(this.proc, 3000);
      try {
        return parsePcap(readFileSync(this.file));
      } catch (e) {
        throw new Error(`cannot read the capture ${this.file} (dumpcap stderr: ${this.proc.stderr}): ${(e as Error).message}`, { cause: e });
      } finally {
        rmSync(this.dir, { recursive: true, force: true });
      }
    })());
  }
}

// --- pcap ----------------------------------------------------------------------------

/** Every UDP datagram (IPv4 or IPv6) in a classic pcap file. Throws on a malformed file. */
export function parsePcap(buf: Buffer): UdpDatagram[] {
  if (buf.length < 24) throw new Error(`pcap file of ${String(buf.length)} bytes has no global header`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nanos: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nanos = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`not a pcap file (magic ${magicLE.toString(16)}); pcapng is not read here`);
    le = false;
    nanos = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: UdpDatagram[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    off += 16;
    if (off + incl > buf.length) break; // a truncated last record (capture stopped mid-write)
    const frame = buf.subarray(off, off + incl);
    off += incl;
    const timeMs = sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3);
    const d = udpOf(frame, linkType, timeMs);
    if (d) out.push(d);
  }
  return out;
}

function udpOf(frame: Buffer, linkType: number, timeMs: number): UdpDatagram | null {
  let ip: Buffer;
  if (linkType === 1) {
    // Ethernet: dst(6) src(6) ethertype(2), possibly one 802.1Q tag.
    if (frame.length < 14) return null;
    let type = frame.readUInt16BE(12);
    let at = 14;
    if (type === 0x8100 && frame.length >= 18) {
      type = frame.readUInt16BE(16);
      at = 18;
    }
    if (type !== 0x0800 && type !== 0x86dd) return null;
    ip = frame.subarray(at);
  } else if (linkType === 113) {
    if (frame.length < 16) return null;
    ip = frame.subarray(16);
  } else if (linkType === 0) {
    if (frame.length < 4) return null;
    ip = frame.subarray(4);
  } else if (linkType === 101) {
    ip = frame;
  } else {
    throw new Error(`pcap link type ${String(linkType)} is not supported`);
  }
  if (ip.length < 1) return null;
  const version = ip[0]! >> 4;
  let udp: Buffer;
  let src: string;
  let dst: string;
  if (version === 4) {
    if (ip.length < 20) return null;
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== 17) return null;
    // Fragments other than the first carry no UDP header; RTP here is never fragmented.
    if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return null;
    const total = ip.readUInt16BE(2);
    udp = ip.subarray(ihl, Math.min(total, ip.length));
    src = Array.from(ip.subarray(12, 16)).join('.');
    dst = Array.from(ip.subarray(16, 20)).join('.');
  } else if (version === 6) {
    if (ip.length < 40 || ip[6] !== 17) return null;
    udp = ip.subarray(40, 40 + ip.readUInt16BE(4));
    src = ipv6(ip.subarray(8, 24));
    dst = ipv6(ip.subarray(24, 40));
  } else {
    return null;
  }
  if (udp.length < 8) return null;
  const len = udp.readUInt16BE(4);
  return {
    timeMs,
    srcAddress: src,
    srcPort: udp.readUInt16BE(0),
    dstAddress: dst,
    dstPort: udp.readUInt16BE(2),
    payload: udp.subarray(8, Math.min(len, udp.length)),
  };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}

// --- RTP -----------------------------------------------------------------------------

/** The datagram as RTP (RFC 3550 §5.1), or null when it is not version 2 / too short. */
export function parseRtp(d: UdpDatagram): RtpPacket | null {
  const b = d.payload;
  if (b.length < 12 || b[0]! >> 6 !== 2) return null;
  const padding = (b[0]! & 0x20) !== 0;
  const extension = (b[0]! & 0x10) !== 0;
  const cc = b[0]! & 0x0f;
  let at = 12 + 4 * cc;
  if (extension) {
    if (b.length < at + 4) return null;
    at += 4 + 4 * b.readUInt16BE(at + 2);
  }
  let end = b.length;
  if (padding) end -= b[b.length - 1]!;
  if (at > end) return null;
  const pt = b[1]! & 0x7f;
  // RTCP (RFC 5761 §4: packet types 200–204 show as "payload types" 72–76 with the marker bit).
  if (pt >= 72 && pt <= 76) return null;
  return {
    timeMs: d.timeMs,
    srcPort: d.srcPort,
    dstPort: d.dstPort,
    payloadType: pt,
    marker: (b[1]! & 0x80) !== 0,
    sequence: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(at, end),
  };
}

/** RTP packets sent to `dstPort` from a source port in [srcMin, srcMax], in capture order. */
export function rtpTo(datagrams: readonly UdpDatagram[], dstPort: number, src: { readonly min: number; readonly max: number }): RtpPacket[] {
  const out: RtpPacket[] = [];
  for (const d of datagrams) {
    if (d.dstPort !== dstPort || d.srcPort < src.min || d.srcPort > src.max) continue;
    const p = parseRtp(d);
    if (p) out.push(p);
  }
  return out;
}

/**
 * The PCM a phone would play from these packets: payload type 0 (PCMU) only, one SSRC
 * (the first seen; a second one is an error), in sequence order (16-bit wrap-around
 * unrolled), duplicates dropped. Gaps are not filled: the payloads are joined back to back.
 */
export function decodePcmuStream(packets: readonly RtpPacket[]): { pcm: Int16Array; packets: number; ssrcs: number[]; firstTimeMs: number; lastTimeMs: number } {
  const audio = packets.filter((p) => p.payloadType === 0);
  const ssrcs = [...new Set(audio.map((p) => p.ssrc))];
  if (audio.length === 0) return { pcm: new Int16Array(0), packets: 0, ssrcs, firstTimeMs: NaN, lastTimeMs: NaN };
  // Unroll sequence numbers in arrival order, then sort (reordering on lo is rare but legal).
  let last = audio[0]!.sequence;
  let ext = last;
  const keyed = audio.map((p) => {
    let delta = p.sequence - last;
    if (delta > 32768) delta -= 65536;
    else if (delta < -32768) delta += 65536;
    ext += delta;
    last = p.sequence;
    return { seq: ext, p };
  });
  keyed.sort((a, b) => a.seq - b.seq);
  const seen = new Set<number>();
  const chunks: Buffer[] = [];
  for (const k of keyed) {
    if (seen.has(k.seq)) continue;
    seen.add(k.seq);
    chunks.push(k.p.payload);
  }
  const bytes = Buffer.concat(chunks);
  const pcm = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pcm[i] = ulawToLinear(bytes[i]!);
  return { pcm, packets: seen.size, ssrcs, firstTimeMs: audio[0]!.timeMs, lastTimeMs: audio[audio.length - 1]!.timeMs };
}

/** SIP requests/responses (text) carried in the datagrams, e.g. to find when our BYE left. */
export function sipMessages(datagrams: readonly UdpDatagram[], srcPort: number): { timeMs: number; startLine: string; text: string }[] {
  const out: { timeMs: number; startLine: string; text: string }[] = [];
  for (const d of datagrams) {
    if (d.srcPort !== srcPort) continue;
    const text = d.payload.toString('latin1');
    const startLine = text.slice(0, text.indexOf('\r\n'));
    if (/^[A-Z]+ \S+ SIP\/2\.0$|^SIP\/2\.0 \d{3}/.test(startLine)) out.push({ timeMs: d.timeMs, startLine, text });
  }
  return out;
}

// --- finding a prompt in what was heard ----------------------------------------------

export interface Match {
  /** Sample offset in the haystack where the needle fits best. */
  readonly lag: number;
  /** Normalised cross-correlation there, −1…1 (1: the same waveform up to a gain). */
  readonly score: number;
}

/**
 * Where `needle` best fits inside `haystack`: the lag with the highest normalised
 * cross-correlation  Σ h[lag+i]·n[i] / (‖n‖ · ‖h[lag … lag+len)‖)  over every lag at
 * which the needle fits whole. Computed with FFTs (O(N log N)); windows with under 1 %
 * of the needle's energy (silence) score 0, so digital silence cannot match by accident.
 */
export function bestMatch(haystack: Int16Array, needle: Int16Array): Match {
  const n = haystack.length;
  const m = needle.length;
  if (m === 0 || n < m) return { lag: -1, score: 0 };
  let size = 1;
  while (size < n + m) size <<= 1;
  const hr = new Float64Array(size);
  const hi = new Float64Array(size);
  const nr = new Float64Array(size);
  const ni = new Float64Array(size);
  for (let i = 0; i < n; i++) hr[i] = haystack[i]!;
  let needleEnergy = 0;
  for (let i = 0; i < m; i++) {
    nr[i] = needle[i]!;
    needleEnergy += needle[i]! * needle[i]!;
  }
  if (needleEnergy === 0) return { lag: -1, score: 0 };
  fft(hr, hi, false);
  fft(nr, ni, false);
  // H · conj(N) → circular cross-correlation c[lag] = Σ h[lag+i] n[i].
  for (let k = 0; k < size; k++) {
    const re = hr[k]! * nr[k]! + hi[k]! * ni[k]!;
    const im = hi[k]! * nr[k]! - hr[k]! * ni[k]!;
    hr[k] = re;
    hi[k] = im;
  }
  fft(hr, hi, true);
  // Sliding window energy of the haystack from prefix sums.
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + haystack[i]! * haystack[i]!;
  const needleNorm = Math.sqrt(needleEnergy);
  let best: Match = { lag: -1, score: 0 };
  for (let lag = 0; lag + m <= n; lag++) {
    const e = prefix[lag + m]! - prefix[lag]!;
    if (e < needleEnergy * 0.01) continue;
    const score = hr[lag]! / (needleNorm * Math.sqrt(e));
    if (score > best.score) best = { lag, score };
  }
  return best;
}

/** In-place iterative radix-2 complex FFT (inverse scaled by 1/N). `re.length` must be a power of two. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] = re[i]! / n;
      im[i] = im[i]! / n;
    }
  }
}

/**
 * The strongest of the given frequencies in `pcm[from, from+len)` by Goertzel power,
 * e.g. to tell that a 1 kHz beep is there and not 800 Hz or speech.
 */
export function strongestFrequency(pcm: Int16Array, from: number, len: number, candidates: readonly number[], sampleRate = 8000): number {
  let best = candidates[0]!;
  let bestPower = -1;
  for (const f of candidates) {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / sampleRate);
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < Math.min(pcm.length, from + len); i++) {
      const s0 = pcm[i]! + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = f;
    }
  }
  return best;
}
