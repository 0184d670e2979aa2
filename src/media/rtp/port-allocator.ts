/**
 * Hands out RTP/RTCP port pairs (even port for RTP, +1 for RTCP) from a configured
 * range, with both UDP sockets already bound.
 *
 * - A pair is reserved synchronously before binding, so concurrent `allocate()` calls
 *   never get the same pair; a held pair is never handed out again until released.
 * - A bind that fails with EADDRINUSE/EACCES (the port is taken by another process, or
 *   reserved) closes what was bound and tries the next pair; each pair is tried at most
 *   once per call. Any other bind error (e.g. EADDRNOTAVAIL: the address is not on this
 *   machine) is returned at once, since another port would fail the same way.
 * - The cursor rotates through the range, so a just-released pair is reused last: stray
 *   packets of the previous call do not land in the next one.
 *
 * Sockets are native (native-rtp-socket.ts: one epoll set per thread, batched reads;
 * ADR 0006) where the addon is built and the address is IPv4, else node:dgram
 * (udp-socket.ts); `sockets` forces one or the other.
 *
 * @see RFC 3550 §11 (RTP on an even port, RTCP on the next odd port)
 */
import { isIP } from 'node:net';
import { err, ok, type Result } from '../../shared/result.js';
import { NativeRtpSocket } from './native-rtp-socket.js';
import { DgramRtpSocket, type RtpUdpSocket, type UdpBinder } from './udp-socket.js';

/** Which sockets: native where possible (default), or node:dgram always. */
export type RtpSocketKind = 'auto' | 'native' | 'dgram';

export interface PortAllocatorOptions {
  /** Lowest port (rounded up to even). */
  readonly min: number;
  /** Highest port (the RTCP port of the last pair is ≤ max). */
  readonly max: number;
  /** Kernel receive buffer per RTP socket in bytes (SO_RCVBUF), if set. */
  readonly recvBufferSize?: number;
  /**
   * 'auto' (default): native sockets where the addon is built and the address is IPv4,
   * node:dgram otherwise; 'native': native or an error at allocation; 'dgram'.
   */
  readonly sockets?: RtpSocketKind;
  /**
   * Native sockets only: how often a socket that has received is read (ms; 0: as soon as
   * it is readable). Default 100 (`rtp.readIntervalMs`, ADR 0006 amendment).
   */
  readonly readIntervalMs?: number;
}

export type PortAllocationError =
  | { readonly code: 'VM_MEDIA_PORTS_EXHAUSTED'; readonly message: string }
  | { readonly code: 'VM_MEDIA_BIND_FAILED'; readonly message: string; readonly errno: string };

/** A bound pair. `release()` closes both sockets and returns the pair to the pool (idempotent). */
export interface PortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly localAddress: string;
  readonly rtp: RtpUdpSocket;
  readonly rtcp: RtpUdpSocket;
  release(): Promise<void>;
}

export class PortAllocator {
  readonly min: number;
  readonly max: number;
  private readonly pairs: number;
  private readonly held = new Set<number>();
  private cursor = 0;
  private readonly recvBufferSize: number | undefined;
  private readonly sockets: RtpSocketKind;
  private readonly nativeBind: UdpBinder;

  constructor(opts: PortAllocatorOptions) {
    const min = opts.min + (opts.min % 2);
    if (!Number.isInteger(opts.min) || !Number.isInteger(opts.max) || min < 1024 || opts.max > 65535 || min + 1 > opts.max) {
      throw new RangeError(`RTP port range ${String(opts.min)}-${String(opts.max)} holds no even/odd pair within 1024–65535`);
    }
    this.min = min;
    this.max = opts.max;
    this.pairs = Math.floor((opts.max - min + 1) / 2);
    this.recvBufferSize = opts.recvBufferSize;
    this.sockets = opts.sockets ?? 'auto';
    this.nativeBind = NativeRtpSocket.binder(opts.readIntervalMs);
  }

  /** The binder for `localAddress`, or null when 'native' was asked for and cannot be had. */
  private binderFor(localAddress: string): UdpBinder | null {
    if (this.sockets === 'dgram') return DgramRtpSocket.bind;
    if (NativeRtpSocket.available(localAddress)) return this.nativeBind;
    return this.sockets === 'native' ? null : DgramRtpSocket.bind;
  }

  /** Pairs handed out and not yet released. */
  get inUse(): number {
    return this.held.size;
  }

  get capacity(): number {
    return this.pairs;
  }

  /** Bind an RTP/RTCP pair on `localAddress` (an IPv4 or IPv6 literal). */
  async allocate(localAddress: string): Promise<Result<PortPair, PortAllocationError>> {
    if (isIP(localAddress) === 0) {
      return err({ code: 'VM_MEDIA_BIND_FAILED', message: `local address ${localAddress} is not an IP address`, errno: 'EINVAL' });
    }
    const bind = this.binderFor(localAddress);
    if (bind === null) {
      return err({ code: 'VM_MEDIA_BIND_FAILED', message: `native RTP sockets are not available for ${localAddress} (the addon is not built, or the address is not IPv4)`, errno: 'ENOSYS' });
    }
    let taken = 0;
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.min + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.held.has(port)) continue;
      this.held.add(port); // reserve before the first await
      const rtp = await bind(localAddress, port, this.recvBufferSize);
      const rtcp = typeof rtp === 'string' ? null : await bind(localAddress, port + 1, undefined);
      if (typeof rtp !== 'string' && rtcp !== null && typeof rtcp !== 'string') {
        return ok(this.makePair(port, localAddress, rtp, rtcp));
      }
      if (typeof rtp !== 'string') await rtp.close();
      this.held.delete(port);
      const code = typeof rtp === 'string' ? rtp : (rtcp as string);
      if (code !== 'EADDRINUSE' && code !== 'EACCES') {
        return err({ code: 'VM_MEDIA_BIND_FAILED', message: `cannot bind UDP ${localAddress}:${String(port)}: ${code}`, errno: code });
      }
      taken++;
    }
    return err({
      code: 'VM_MEDIA_PORTS_EXHAUSTED',
      message: `no free RTP port pair in ${String(this.min)}-${String(this.max)} (${String(this.held.size)} held by us, ${String(taken)} taken by others)`,
    });
  }

  private makePair(port: number, localAddress: string, rtp: RtpUdpSocket, rtcp: RtpUdpSocket): PortPair {
    let released: Promise<void> | null = null;
    return {
      rtpPort: port,
      rtcpPort: port + 1,
      localAddress,
      rtp,
      rtcp,
      release: () => {
        if (released === null) {
          released = Promise.all([rtp.close(), rtcp.close()]).then(() => {
            this.held.delete(port);
          });
        }
        return released;
      },
    };
  }
}
