/**
 * One RTP session per call: a bound RTP/RTCP port pair, a strict source lock, the
 * receive path (parse → classify by payload type → reorder buffer → `onAudio`), the send
 * path (continuous sequence/timestamp, one reused send buffer) and RTCP reports.
 *
 * Source lock (no RTP injection, no "RTP bleed"):
 *  - `latch: false` (default): media is accepted only from exactly the address:port the
 *    SDP names (`remote` / `setRemote`).
 *  - `latch: true`: the first valid RTP packet (version 2, a negotiated payload type)
 *    whose source *host* equals the signalled host fixes the port (a NAT may rewrite it);
 *    from then on only that address:port is accepted and we send there (symmetric RTP,
 *    RFC 4961). It latches once; `setRemote` (a new SDP) starts over.
 *  - RTCP is locked the same way (signalled RTCP port = `rtcpRemotePort` or RTP port + 1;
 *    latched independently in latch mode).
 *  Anything else is dropped and counted: `droppedWrongSource`; datagrams that are not
 *  RTP version 2 (STUN, DTLS, junk) `droppedNotRtp`; other malformed RTP
 *  `droppedMalformed`; payload types not negotiated `droppedPayloadType`.
 *
 * Connected RTP socket: once the source is locked (at once with `latch: false`, at the
 * latch otherwise) the RTP socket is `connect()`ed to it. The kernel then delivers only
 * that source's datagrams (others are refused with ICMP port unreachable, as a closed
 * port would be, and are no longer seen here: `droppedWrongSource` counts only what
 * reaches us before the lock or on an unconnected socket), and a send skips dgram's
 * address handling and the kernel's per-packet route lookup (measured: ~10% of the cost
 * of a send, see BENCHMARKS.md). `setRemote` disconnects (and reconnects when the new
 * source is locked at once). Not done when bound to a wildcard address: connecting would
 * narrow the socket to the one local address the route to the peer uses, and a peer
 * sending to another of our addresses would be cut off. On a connected socket the
 * kernel reports ICMP errors (peer port closed, host unreachable): they arrive as socket
 * errors, are counted (`remoteUnreachable`, also in `socketErrors`) and never end the
 * session (a send refused that way fails that one packet; it is counted too).
 * `connect: false` keeps the socket unconnected. RTCP (a packet every ~5 s) stays on an
 * unconnected socket with the userland lock: connecting it would save nothing measurable.
 *
 * Hot path (1,000 sessions × 50 packets/s each way on one core): the sockets are native
 * where possible (udp-socket.ts, ADR 0006: batched reads, no per-packet objects); the
 * receive handler is one function per session (no per-packet closure), parses into a
 * reused view, and allocates only the payload view and the frame object — the bytes are
 * valid during the call only, and the reorder buffer copies what it holds. Sending writes
 * the header and copies the payload into a per-session buffer of exactly the packet's
 * size, sent synchronously. If dgram ever queues a send (EAGAIN), the buffer stays with
 * that send and the session takes a fresh one (native sockets drop instead). A packet produced
 * during a media-clock tick (the player's frames) is written at once but handed to the
 * kernel at the end of the tick, together with every other call's (tick-batch.ts); at
 * most one packet waits per session (a second send in the same tick sends the first).
 * Timers: one RTCP timer per session every ~5 s; no per-packet timer.
 *
 * @see RFC 3550 (RTP/RTCP), RFC 3551 §4.1 (marker), RFC 3389 (CN), RFC 4733 (events),
 *      RFC 4961 (symmetric RTP)
 */
import { randomBytes } from 'node:crypto';
import { isIP, SocketAddress } from 'node:net';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import { lazyChild, type Logger } from '../../shared/logger.js';
import { err, ok, type Result } from '../../shared/result.js';
import { newRtpPacketView, parseRtpInto, RTP_HEADER_BYTES, writeRtpHeaderValues } from './packet.js';
import type { PortAllocationError, PortAllocator, PortPair } from './port-allocator.js';
import { ReorderBuffer, type AudioFrame } from './reorder-buffer.js';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  type RtcpReportBlock,
} from './rtcp.js';
import { addSeq, addTs, RtpReceiverStats } from './sequence.js';
import { deferToTickEnd, inTickScope, type TickDeferred } from '../tick-batch.js';
import type { RtpUdpSocket } from './udp-socket.js';

export type { AudioFrame } from './reorder-buffer.js';

const CLOCK_RATE = 8000;
const COMFORT_NOISE_PT = 13; // RFC 3551 §6, table 4

export interface RtpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A received RFC 4733 packet, raw: the DTMF decoder interprets the payload. */
export interface TelephoneEventPacket {
  readonly payload: Buffer;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly sequenceNumber: number;
  readonly ssrc: number;
}

export interface RtpSessionOptions {
  readonly allocator: PortAllocator;
  /** IP literal to bind (IPv4 or IPv6). */
  readonly localAddress: string;
  /** The negotiated audio payload type (0 PCMU, 8 PCMA, …). */
  readonly payloadType: number;
  /** The negotiated telephone-event payload type, or null. */
  readonly telephoneEventPayloadType: number | null;
  /** Comfort noise payload type (RFC 3389); default 13; null to drop CN as unknown. */
  readonly comfortNoisePayloadType?: number | null;
  /** Packetization time, 10–60 ms (default send timestamp step = ptime × 8). */
  readonly ptime: number;
  /** Where media comes from and goes to, from the SDP (IP literal); null until the answer. */
  readonly remote: RtpEndpoint | null;
  /** RTCP port of the peer when the SDP has a=rtcp; default remote port + 1. */
  readonly rtcpRemotePort?: number;
  /** Latch onto the first valid packet's port from the signalled host (NAT). Default false. */
  readonly latch?: boolean;
  /**
   * Connect the RTP socket to the locked source (kernel-side source filter, cheaper sends;
   * see the module comment). Default true; never done on a wildcard bind.
   */
  readonly connect?: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onAudio?: ((frame: AudioFrame) => void) | null;
  readonly onTelephoneEvent?: ((packet: TelephoneEventPacket) => void) | null;
  /** Reorder depth in ms (default 3 × ptime). */
  readonly reorderWindowMs?: number;
  /** Forward timestamp jumps larger than this are resyncs, not silence (default 10 s). */
  readonly maxGapMs?: number;
  /** Mean RTCP report interval (default 5,000 ms; each one randomized ×0.5–1.5). */
  readonly rtcpIntervalMs?: number;
  /** SDES CNAME (default: random, RFC 7022). */
  readonly cname?: string;
  /** Wall clock for NTP timestamps in SR (default Date.now). */
  readonly wallClock?: () => number;
  /** Audio payload bytes per sample (1 for G.711). */
  readonly bytesPerSample?: number;
}

export type RtpSessionError = PortAllocationError | { readonly code: 'VM_MEDIA_INVALID_OPTIONS'; readonly message: string };

export interface RtpSessionStats {
  /** RTP packets accepted from the locked source (any payload type). */
  readonly packetsIn: number;
  /** Payload octets of those. */
  readonly bytesIn: number;
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly audioPacketsIn: number;
  readonly telephoneEventPacketsIn: number;
  readonly comfortNoisePacketsIn: number;
  /** Cumulative packets lost (RFC 3550 A.3), over all SSRCs seen. */
  readonly lost: number;
  /** Interarrival jitter of the current source, ms. */
  readonly jitterMs: number;
  readonly droppedWrongSource: number;
  readonly droppedNotRtp: number;
  readonly droppedMalformed: number;
  readonly droppedPayloadType: number;
  readonly duplicates: number;
  readonly late: number;
  /** Samples delivered as null frames because packets were missing. */
  readonly lostSamples: number;
  /** Samples delivered as null frames for comfort noise / silence before a marker. */
  readonly silenceSamples: number;
  readonly resyncs: number;
  readonly ssrcChanges: number;
  readonly rtcpIn: number;
  readonly rtcpOut: number;
  /** RTCP datagrams dropped: wrong source or unparsable. */
  readonly rtcpDropped: number;
  readonly byeReceived: boolean;
  /** Exceptions thrown by onAudio/onTelephoneEvent (caught and logged). */
  readonly callbackErrors: number;
  readonly socketErrors: number;
  /**
   * ICMP errors (port/host/network unreachable) the kernel reported on the connected RTP
   * socket: the peer stopped listening or cannot be reached. Also counted in socketErrors.
   */
  readonly remoteUnreachable: number;
  /** Whether the RTP socket is connected to the locked source now (kernel-side source filter). */
  readonly connected: boolean;
}

/** Errno codes the kernel reports on a connected UDP socket after an ICMP error. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);

function normalizeIp(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  if (family === 4) return address;
  return new SocketAddress({ address, family: 'ipv6' }).address;
}

/** Log the 1st, 10th, 100th… occurrence only: counters, not log floods. */
function isLogWorthy(n: number): boolean {
  return n === 1 || n === 10 || n === 100 || n === 1000 || n % 10_000 === 0;
}

export class RtpSession implements TickDeferred {
  onAudio: ((frame: AudioFrame) => void) | null;
  /**
   * When set, an audio packet that continues the stream exactly (the reorder buffer would
   * hand it on at once, whole: the usual packet) comes here instead of to `onAudio`, as
   * its payload's place in the datagram (valid during the call only): no view, no frame
   * object. Everything else (holes, reordering, silence, resyncs) still goes to `onAudio`.
   */
  onAudioInOrder: ((datagram: Buffer, offset: number, length: number) => void) | null = null;
  onTelephoneEvent: ((packet: TelephoneEventPacket) => void) | null;

  readonly ssrc: number;
  readonly cname: string;

  private readonly pair: PortPair;
  private readonly rtp: RtpUdpSocket;
  private readonly rtcp: RtpUdpSocket;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly wallClock: () => number;
  private readonly payloadType: number;
  private readonly tePayloadType: number;
  private readonly cnPayloadType: number;
  private readonly ptime: number;
  private readonly frameSamples: number;
  private readonly bytesPerSample: number;
  private readonly latch: boolean;
  private readonly rtcpIntervalMs: number;
  private readonly reorder: ReorderBuffer;
  private readonly recv = new RtpReceiverStats();
  private readonly view = newRtpPacketView();

  // Remote / source lock. `lockedPort` −1: waiting to latch (latch mode) or no remote.
  private remoteAddress: string | null = null;
  private remotePort = 0;
  private lockedPort = -1;
  private rtcpRemotePort = 0;
  private rtcpLockedPort = -1;
  /** The RTP socket may be connected (option on, specific local address). */
  private readonly mayConnect: boolean;
  /** Where the RTP socket is connected, or -1 / null. */
  private connectedPort = -1;
  private connectedAddress: string | null = null;

  // Send state: buffers of exactly one packet's size (audio; telephone-event and others).
  private sendBuf: Buffer;
  private sendBufOther: Buffer;
  private seq: number;
  private ts: number;
  private sentAny = false;
  /** A packet written during a media-clock tick, sent at the tick's end (tick-batch.ts), or null. */
  private pending: Buffer | null = null;
  private pendingPayloadBytes = 0;

  // RTCP state.
  private rtcpTimer: TimerHandle | null = null;
  private packetsOutAtLastReport = 0;
  private lastSrMiddle = 0;
  private lastSrAt = 0;

  // Counters.
  private packetsIn = 0;
  private bytesIn = 0;
  private packetsOut = 0;
  private bytesOut = 0;
  private audioIn = 0;
  private teIn = 0;
  private cnIn = 0;
  private lostCarried = 0;
  private droppedWrongSource = 0;
  private droppedNotRtp = 0;
  private droppedMalformed = 0;
  private droppedPayloadType = 0;
  private rtcpIn = 0;
  private rtcpOut = 0;
  private rtcpDropped = 0;
  private byeReceived = false;
  private callbackErrors = 0;
  private socketErrors = 0;
  private remoteUnreachable = 0;

  private closing: Promise<void> | null = null;

  /** Bind a port pair and start receiving. Never throws. */
  static async open(opts: RtpSessionOptions): Promise<Result<RtpSession, RtpSessionError>> {
    const bad = RtpSession.invalidOptions(opts);
    if (bad !== null) return bad;
    const pair = await opts.allocator.allocate(opts.localAddress);
    if (!pair.ok) return pair;
    return ok(new RtpSession(opts, pair.value));
  }

  /**
   * The same on a pair allocated beforehand (a media worker's spare, so that the SIP side
   * can answer without waiting for a bind): synchronous. On an error the pair is the
   * caller's to release.
   */
  static openOn(opts: Omit<RtpSessionOptions, 'allocator'>, pair: PortPair): Result<RtpSession, RtpSessionError> {
    const bad = RtpSession.invalidOptions(opts);
    if (bad !== null) return bad;
    if (pair.localAddress !== opts.localAddress) return err({ code: 'VM_MEDIA_INVALID_OPTIONS', message: `the pair is bound to ${pair.localAddress}, not ${opts.localAddress}` });
    return ok(new RtpSession(opts, pair));
  }

  private static invalidOptions(opts: Omit<RtpSessionOptions, 'allocator'>): Result<never, RtpSessionError> | null {
    const invalid = (message: string) => err({ code: 'VM_MEDIA_INVALID_OPTIONS' as const, message });
    if (!(opts.ptime >= 10 && opts.ptime <= 60)) return invalid(`ptime ${String(opts.ptime)} ms is outside 10–60`);
    for (const pt of [opts.payloadType, opts.telephoneEventPayloadType, opts.comfortNoisePayloadType]) {
      if (pt !== null && pt !== undefined && !(Number.isInteger(pt) && pt >= 0 && pt <= 127)) return invalid(`payload type ${String(pt)} is outside 0–127`);
    }
    if (opts.remote !== null && !validRemote(opts.localAddress, opts.remote.address, opts.remote.port)) {
      return invalid(`remote ${opts.remote.address}:${String(opts.remote.port)} is not an IP literal of the local address family with a port`);
    }
    return null;
  }

  private constructor(opts: Omit<RtpSessionOptions, 'allocator'>, pair: PortPair) {
    this.pair = pair;
    this.rtp = pair.rtp;
    this.rtcp = pair.rtcp;
    this.clock = opts.clock;
    this.log = lazyChild(opts.logger, { rtpPort: pair.rtpPort });
    this.wallClock = opts.wallClock ?? Date.now;
    this.payloadType = opts.payloadType;
    this.tePayloadType = opts.telephoneEventPayloadType ?? -1;
    this.cnPayloadType = opts.comfortNoisePayloadType === undefined ? COMFORT_NOISE_PT : (opts.comfortNoisePayloadType ?? -1);
    this.ptime = opts.ptime;
    this.frameSamples = Math.round((opts.ptime * CLOCK_RATE) / 1000);
    this.bytesPerSample = opts.bytesPerSample ?? 1;
    this.latch = opts.latch ?? false;
    this.rtcpIntervalMs = opts.rtcpIntervalMs ?? 5000;
    this.onAudio = opts.onAudio ?? null;
    this.onTelephoneEvent = opts.onTelephoneEvent ?? null;
    const local = normalizeIp(pair.localAddress);
    this.mayConnect = (opts.connect ?? true) && local !== '0.0.0.0' && local !== '::';
    this.sendBuf = Buffer.allocUnsafe(RTP_HEADER_BYTES + this.frameSamples * this.bytesPerSample);
    this.sendBufOther = Buffer.allocUnsafe(RTP_HEADER_BYTES + 4); // RFC 4733: 4-byte events

    const rnd = randomBytes(18);
    this.seq = rnd.readUInt16BE(0);
    this.ts = rnd.readUInt32BE(2);
    this.ssrc = rnd.readUInt32BE(6) || 1;
    this.cname = opts.cname ?? rnd.subarray(10, 18).toString('hex');

    this.reorder = new ReorderBuffer({
      ptimeMs: opts.ptime,
      bytesPerSample: this.bytesPerSample,
      onFrame: this.deliverFrame,
      ...(opts.reorderWindowMs !== undefined ? { windowMs: opts.reorderWindowMs } : {}),
      ...(opts.maxGapMs !== undefined ? { maxGapMs: opts.maxGapMs } : {}),
    });

    if (opts.remote !== null) this.setRemoteFields(opts.remote.address, opts.remote.port, opts.rtcpRemotePort);

    this.rtp.listen(this.onRtpMessage, this.onRtpSocketError);
    this.rtcp.listen(this.onRtcpMessage, this.onSocketError);
    this.syncConnection();
    this.scheduleRtcp(0.5);
  }

  get localAddress(): string {
    return this.pair.localAddress;
  }

  get localPort(): number {
    return this.pair.rtpPort;
  }

  /** Which sockets carry this session (udp-socket.ts). */
  get socketKind(): 'native' | 'dgram' {
    return this.rtp.kind;
  }

  get localRtcpPort(): number {
    return this.pair.rtcpPort;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Where we send RTP now (the latched port once latched), or null. */
  get remote(): RtpEndpoint | null {
    return this.remoteAddress === null ? null : { address: this.remoteAddress, port: this.sendPort() };
  }

  /** The RTP timestamp the next `sendAudio` will carry. */
  get nextTimestamp(): number {
    return this.ts;
  }

  /**
   * Set or change the remote media address (SDP answer, re-INVITE). Resets the latch.
   * Returns an error (and changes nothing) if it is not an IP literal of our family.
   */
  setRemote(address: string, port: number, rtcpPort?: number): Result<void, string> {
    if (!validRemote(this.pair.localAddress, address, port)) return err(`remote ${address}:${String(port)} is not usable from ${this.pair.localAddress}`);
    this.applyRemote(address, port, rtcpPort);
    return ok(undefined);
  }

  private applyRemote(address: string, port: number, rtcpPort: number | undefined): void {
    this.setRemoteFields(address, port, rtcpPort);
    this.syncConnection();
  }

  private setRemoteFields(address: string, port: number, rtcpPort: number | undefined): void {
    this.remoteAddress = normalizeIp(address);
    this.remotePort = port;
    this.lockedPort = this.latch ? -1 : port;
    this.rtcpRemotePort = rtcpPort ?? port + 1;
    this.rtcpLockedPort = this.latch ? -1 : this.rtcpRemotePort;
  }

  /**
   * Connect the RTP socket to the locked source, or disconnect it while there is none
   * (waiting to latch, closing). Errors are counted, never thrown: the session then
   * stays on the unconnected path, where the userland lock applies.
   */
  private syncConnection(): void {
    const address = this.mayConnect && this.closing === null ? this.remoteAddress : null;
    const port = address === null ? -1 : this.lockedPort;
    if (port === this.connectedPort && (port < 0 || address === this.connectedAddress)) return;
    if (this.connectedPort >= 0) {
      this.connectedPort = -1;
      this.connectedAddress = null;
      this.rtp.disconnect();
    }
    if (port < 0 || address === null) return;
    // Synchronous for IP literals (udp-socket.ts); a failure is reported to onRtpSocketError.
    if (this.rtp.connect(address, port)) {
      this.connectedPort = port;
      this.connectedAddress = address;
      this.log.debug({ remote: `${address}:${String(port)}` }, 'RTP socket connected to the locked source');
    }
  }

  private sendPort(): number {
    return this.lockedPort >= 0 ? this.lockedPort : this.remotePort;
  }

  // --- receive ------------------------------------------------------------------------

  /** `msg` is valid during this call only (udp-socket.ts): what is kept is copied (the reorder buffer does). */
  private readonly onRtpMessage = (msg: Buffer, fromAddress: string, fromPort: number): void => {
    if (this.closing !== null) return;
    const latching = fromPort !== this.lockedPort;
    if (fromAddress !== this.remoteAddress || (latching && !(this.latch && this.lockedPort < 0))) {
      if (isLogWorthy(++this.droppedWrongSource)) {
        this.log.debug({ from: `${fromAddress}:${String(fromPort)}`, count: this.droppedWrongSource }, 'RTP from a source other than the locked one dropped');
      }
      return;
    }
    const v = this.view;
    const e = parseRtpInto(msg, v);
    if (e !== null) {
      if (e === 'not-rtp-v2' || e === 'too-short') this.droppedNotRtp++;
      else this.droppedMalformed++;
      return;
    }
    const pt = v.payloadType;
    if (pt !== this.payloadType && pt !== this.tePayloadType && pt !== this.cnPayloadType) {
      this.droppedPayloadType++;
      return;
    }
    if (latching) {
      this.lockedPort = fromPort;
      this.log.debug({ port: fromPort, signalled: this.remotePort }, 'RTP source latched');
      this.syncConnection();
    }
    this.packetsIn++;
    this.bytesIn += v.payloadLength;
    const prevSsrc = this.recv.ssrc;
    if (prevSsrc !== null && prevSsrc !== v.ssrc) {
      this.lostCarried += Math.max(0, this.recv.lost);
      this.log.debug({ from: prevSsrc, to: v.ssrc }, 'RTP SSRC changed');
    }
    this.recv.update(v.ssrc, v.sequenceNumber);
    if (pt === this.payloadType) {
      this.audioIn++;
      this.recv.updateJitter(v.timestamp, Math.round(this.clock.now() * (CLOCK_RATE / 1000)));
      const samples = Math.floor(v.payloadLength / this.bytesPerSample);
      const inOrder = this.onAudioInOrder;
      if (inOrder !== null && this.reorder.passInOrder(v.ssrc, v.sequenceNumber, v.timestamp, samples)) {
        try {
          inOrder(msg, v.payloadOffset, v.payloadLength);
        } catch (x) {
          this.callbackError(x);
        }
      } else {
        this.reorder.push(v.ssrc, v.sequenceNumber, v.timestamp, v.marker, msg.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength), samples);
      }
    } else if (pt === this.tePayloadType) {
      this.teIn++;
      const cb = this.onTelephoneEvent;
      if (cb !== null) {
        try {
          cb({
            payload: msg.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength),
            timestamp: v.timestamp,
            marker: v.marker,
            sequenceNumber: v.sequenceNumber,
            ssrc: v.ssrc,
          });
        } catch (x) {
          this.callbackError(x);
        }
      }
    } else {
      this.cnIn++;
      this.reorder.pushComfortNoise(v.ssrc, v.sequenceNumber, v.timestamp, v.marker);
    }
  };

  private readonly deliverFrame = (frame: AudioFrame): void => {
    const cb = this.onAudio;
    if (cb === null) return;
    try {
      cb(frame);
    } catch (x) {
      this.callbackError(x);
    }
  };

  private callbackError(x: unknown): void {
    if (isLogWorthy(++this.callbackErrors)) this.log.error({ err: x, count: this.callbackErrors }, 'RTP session callback threw');
  }

  private readonly onSocketError = (e: Error): void => {
    // The session goes on whatever the error.
    if (isLogWorthy(++this.socketErrors)) this.log.debug({ err: e, count: this.socketErrors }, 'RTP/RTCP socket error');
  };

  private readonly onRtpSocketError = (e: Error): void => {
    // On the connected socket the kernel reports ICMP errors for what we sent (the peer
    // closed its port, a host is unreachable): counted; the session goes on.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREACHABLE.has(code) && isLogWorthy(++this.remoteUnreachable)) {
      this.log.debug({ code, count: this.remoteUnreachable }, 'RTP peer unreachable (ICMP)');
    }
    this.onSocketError(e);
  };

  /**
   * Read the datagrams waiting in the RTP socket now, through the normal receive path:
   * true if the socket can (native), false if they come with the event loop (dgram).
   */
  drainSocket(): boolean {
    return this.rtp.drain();
  }

  /** Deliver what the reorder buffer holds (end of a recording). `close()` does it too. */
  flush(): void {
    this.reorder.flush();
  }

  // --- send ---------------------------------------------------------------------------

  /**
   * Send one audio packet with the negotiated payload type. Sequence numbers and
   * timestamps run on across calls; the timestamp advances by `samples` (default ptime × 8).
   * The first packet carries the marker unless told otherwise. Returns false if not sent
   * (closed, no remote yet).
   */
  sendAudio(payload: Buffer, opts?: { readonly marker?: boolean; readonly samples?: number }): boolean {
    const ok = this.sendRtp(this.payloadType, payload, opts?.marker ?? !this.sentAny, this.ts);
    // The media clock runs whether or not the packet left (no remote yet → the timeline
    // still advances, as a real-time source would).
    this.ts = addTs(this.ts, opts?.samples ?? this.frameSamples);
    return ok;
  }

  /**
   * Send one RFC 4733 packet (payload built by the DTMF module) with the given event
   * timestamp (usually `nextTimestamp` at the event start); does not advance the audio
   * timestamp. False if no telephone-event type was negotiated.
   */
  sendTelephoneEvent(payload: Buffer, opts: { readonly timestamp: number; readonly marker?: boolean }): boolean {
    if (this.tePayloadType < 0) return false;
    return this.sendRtp(this.tePayloadType, payload, opts.marker ?? false, opts.timestamp);
  }

  private sendRtp(pt: number, payload: Uint8Array, marker: boolean, ts: number): boolean {
    if (this.closing !== null || this.remoteAddress === null) return false;
    if (this.pending !== null) this.flushDeferred(); // its buffer is about to be rewritten
    const total = RTP_HEADER_BYTES + payload.length;
    let buf = this.sendBuf;
    if (buf.length !== total) {
      buf = this.sendBufOther;
      if (buf.length !== total) buf = this.sendBufOther = Buffer.allocUnsafe(total);
    }
    writeRtpHeaderValues(buf, 0, marker, pt, this.seq, ts, this.ssrc);
    buf.set(payload, RTP_HEADER_BYTES);
    this.seq = addSeq(this.seq, 1);
    this.sentAny = true;
    // The first packet of a talk spurt (marker) leaves at once even inside a tick: a caller
    // waits for it (the greeting after the answer), and at 2,500 calls it would wait for the
    // walk of every call's player and ~700 sends per media thread. A few per tick cost
    // nothing of what the batching saves.
    if (inTickScope() && !marker) {
      this.pending = buf;
      this.pendingPayloadBytes = payload.length;
      deferToTickEnd(this);
      return true;
    }
    return this.transmit(buf, payload.length);
  }

  /** Send the packet written during the tick (tick-batch.ts); a no-op when none waits. */
  flushDeferred(): void {
    const buf = this.pending;
    if (buf === null) return;
    this.pending = null;
    if (this.closing !== null || this.remoteAddress === null) return;
    this.transmit(buf, this.pendingPayloadBytes);
  }

  private transmit(buf: Buffer, payloadBytes: number): boolean {
    const address = this.remoteAddress;
    if (address === null) return false;
    // A refused send was reported to the error handler (counted) by the socket.
    if (!(this.connectedPort >= 0 ? this.rtp.send(buf) : this.rtp.sendTo(buf, this.sendPort(), address))) return false;
    // Sent (copied into the kernel) synchronously unless the kernel said EAGAIN or an
    // earlier send still waits; then dgram holds `buf` until it is sent: leave it to it.
    if (this.rtp.lastSendQueued()) {
      if (buf === this.sendBuf) this.sendBuf = Buffer.allocUnsafe(buf.length);
      else if (buf === this.sendBufOther) this.sendBufOther = Buffer.allocUnsafe(buf.length);
    }
    this.packetsOut++;
    this.bytesOut += payloadBytes;
    return true;
  }

  // --- RTCP ---------------------------------------------------------------------------

  private readonly onRtcpMessage = (msg: Buffer, fromAddress: string, fromPort: number): void => {
    if (this.closing !== null) return;
    const latching = fromPort !== this.rtcpLockedPort;
    if (fromAddress !== this.remoteAddress || (latching && !(this.latch && this.rtcpLockedPort < 0))) {
      this.rtcpDropped++;
      return;
    }
    const r = parseRtcp(msg);
    if (!r.ok) {
      this.rtcpDropped++;
      return;
    }
    if (latching) this.rtcpLockedPort = fromPort;
    this.rtcpIn++;
    for (const p of r.value) {
      if (p.type === 'sr') {
        this.lastSrMiddle = ntpMiddle32(p.ntpSeconds, p.ntpFraction);
        this.lastSrAt = this.clock.now();
      } else if (p.type === 'bye') {
        this.byeReceived = true;
        this.log.debug({ reason: p.reason }, 'RTCP BYE received');
      }
    }
  };

  private scheduleRtcp(factor: number): void {
    // RFC 3550 §6.2/§6.3.1: randomized interval (×0.5–1.5) avoids synchronized reports.
    const ms = this.rtcpIntervalMs * factor * (0.5 + Math.random());
    this.rtcpTimer = this.clock.setTimer(ms, this.onRtcpTimer);
  }

  private readonly onRtcpTimer = (): void => {
    this.rtcpTimer = null;
    if (this.closing !== null) return;
    this.sendRtcp(false);
    this.scheduleRtcp(1);
  };

  private buildReport(): Buffer {
    const rb = this.recv.report();
    const blocks: RtcpReportBlock[] = [];
    if (rb !== null) {
      const dlsr = this.lastSrMiddle === 0 ? 0 : Math.round(((this.clock.now() - this.lastSrAt) / 1000) * 65536);
      blocks.push({ ...rb, lastSr: this.lastSrMiddle, delaySinceLastSr: dlsr >>> 0 });
    }
    // §6.4: an SR if we sent RTP since the last report, else an RR.
    const sender = this.packetsOut > this.packetsOutAtLastReport;
    this.packetsOutAtLastReport = this.packetsOut;
    if (!sender) return buildReceiverReport(this.ssrc, blocks);
    const ntp = ntpFromUnixMs(this.wallClock());
    return buildSenderReport(
      this.ssrc,
      { ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: this.ts, packetCount: this.packetsOut >>> 0, octetCount: this.bytesOut >>> 0 },
      blocks,
    );
  }

  private sendRtcp(bye: boolean): void {
    if (this.remoteAddress === null) return;
    const parts = [this.buildReport(), buildSdesCname(this.ssrc, this.cname)];
    if (bye) parts.push(buildBye([this.ssrc]));
    const port = this.rtcpLockedPort >= 0 ? this.rtcpLockedPort : this.rtcpRemotePort;
    if (this.rtcp.sendTo(buildCompound(parts), port, this.remoteAddress)) this.rtcpOut++;
  }

  // --- stats and lifecycle ------------------------------------------------------------

  stats(): RtpSessionStats {
    const r = this.reorder.stats;
    return {
      packetsIn: this.packetsIn,
      bytesIn: this.bytesIn,
      packetsOut: this.packetsOut,
      bytesOut: this.bytesOut,
      audioPacketsIn: this.audioIn,
      telephoneEventPacketsIn: this.teIn,
      comfortNoisePacketsIn: this.cnIn,
      lost: this.lostCarried + Math.max(0, this.recv.lost),
      jitterMs: this.recv.jitter / (CLOCK_RATE / 1000),
      droppedWrongSource: this.droppedWrongSource,
      droppedNotRtp: this.droppedNotRtp,
      droppedMalformed: this.droppedMalformed,
      droppedPayloadType: this.droppedPayloadType,
      duplicates: r.duplicates,
      late: r.late,
      lostSamples: r.lostSamples,
      silenceSamples: r.silenceSamples,
      resyncs: r.resyncs,
      ssrcChanges: this.recv.ssrcChanges,
      rtcpIn: this.rtcpIn,
      rtcpOut: this.rtcpOut,
      rtcpDropped: this.rtcpDropped,
      byeReceived: this.byeReceived,
      callbackErrors: this.callbackErrors,
      socketErrors: this.socketErrors,
      remoteUnreachable: this.remoteUnreachable,
      connected: this.connectedPort >= 0,
    };
  }

  /**
   * Idempotent: delivers what the reorder buffer holds (to `onAudio`), sends RTCP BYE,
   * cancels the timer, closes both sockets and returns the ports to the allocator.
   * Resolves when the sockets are closed.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    let done!: () => void;
    this.flushDeferred(); // a packet written in this tick still goes out, before the BYE
    this.closing = new Promise<void>((resolve) => (done = resolve)); // set first: re-entrant calls (from onAudio) get it
    this.rtcpTimer?.cancel();
    this.rtcpTimer = null;
    this.reorder.flush();
    this.sendRtcp(true);
    this.rtp.mute();
    this.rtcp.mute();
    this.log.debug({ stats: this.stats() }, 'RTP session closed');
    void this.pair.release().then(done);
    return this.closing;
  }
}

function validRemote(localAddress: string, address: string, port: number): boolean {
  const family = isIP(address);
  return family !== 0 && family === isIP(localAddress) && Number.isInteger(port) && port > 0 && port <= 65535;
}
