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
 * Sockets are created with a synchronous `lookup` that accepts only IP literals: a send
 * then happens inside `socket.send()` (no DNS round trip through the event loop, no
 * per-packet closure), which is what lets an RTP session reuse one send buffer.
 *
 * @see RFC 3550 §11 (RTP on an even port, RTCP on the next odd port)
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { err, ok, type Result } from '../../shared/result.js';

export interface PortAllocatorOptions {
  /** Lowest port (rounded up to even). */
  readonly min: number;
  /** Highest port (the RTCP port of the last pair is ≤ max). */
  readonly max: number;
  /** Kernel receive buffer per RTP socket in bytes (SO_RCVBUF), if set. */
  readonly recvBufferSize?: number;
}

export type PortAllocationError =
  | { readonly code: 'VM_MEDIA_PORTS_EXHAUSTED'; readonly message: string }
  | { readonly code: 'VM_MEDIA_BIND_FAILED'; readonly message: string; readonly errno: string };

/** A bound pair. `release()` closes both sockets and returns the pair to the pool (idempotent). */
export interface PortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly localAddress: string;
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  release(): Promise<void>;
}

/** Synchronous lookup for IP literals only (see the module comment). */
function literalLookup(address: string, family: unknown, callback: (e: Error | null, address: string, family: number) => void): void {
  const f = isIP(address);
  if (f === 0) callback(Object.assign(new Error(`not an IP address: ${address}`), { code: 'EINVAL' }), '', 0);
  else callback(null, address, f);
}

export function createRtpSocket(localAddress: string): dgram.Socket {
  const type = isIP(localAddress) === 6 ? 'udp6' : 'udp4';
  return dgram.createSocket({ type, lookup: literalLookup });
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      socket.off('listening', onListening);
      resolve(e.code ?? 'EUNKNOWN');
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve(null);
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    try {
      socket.bind({ port, address, exclusive: true });
    } catch (e) {
      socket.off('error', onError);
      socket.off('listening', onListening);
      resolve((e as NodeJS.ErrnoException).code ?? 'EUNKNOWN');
    }
  });
}

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export class PortAllocator {
  readonly min: number;
  readonly max: number;
  private readonly pairs: number;
  private readonly held = new Set<number>();
  private cursor = 0;
  private readonly recvBufferSize: number | undefined;

  constructor(opts: PortAllocatorOptions) {
    const min = opts.min + (opts.min % 2);
    if (!Number.isInteger(opts.min) || !Number.isInteger(opts.max) || min < 1024 || opts.max > 65535 || min + 1 > opts.max) {
      throw new RangeError(`RTP port range ${String(opts.min)}-${String(opts.max)} holds no even/odd pair within 1024–65535`);
    }
    this.min = min;
    this.max = opts.max;
    this.pairs = Math.floor((opts.max - min + 1) / 2);
    this.recvBufferSize = opts.recvBufferSize;
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
    let taken = 0;
    for (let tried = 0; tried < this.pairs; tried++) {
      const port = this.min + 2 * this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.held.has(port)) continue;
      this.held.add(port); // reserve before the first await
      const rtp = createRtpSocket(localAddress);
      const rtcp = createRtpSocket(localAddress);
      const e1 = await bind(rtp, port, localAddress);
      const e2 = e1 === null ? await bind(rtcp, port + 1, localAddress) : null;
      if (e1 === null && e2 === null) {
        if (this.recvBufferSize !== undefined) {
          try {
            rtp.setRecvBufferSize(this.recvBufferSize);
          } catch {
            // best effort: capped by net.core.rmem_max
          }
        }
        return ok(this.makePair(port, localAddress, rtp, rtcp));
      }
      await Promise.all([closeSocket(rtp), closeSocket(rtcp)]);
      this.held.delete(port);
      const code = (e1 ?? e2)!;
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

  private makePair(port: number, localAddress: string, rtp: dgram.Socket, rtcp: dgram.Socket): PortPair {
    let released: Promise<void> | null = null;
    return {
      rtpPort: port,
      rtcpPort: port + 1,
      localAddress,
      rtp,
      rtcp,
      release: () => {
        if (released === null) {
          released = Promise.all([closeSocket(rtp), closeSocket(rtcp)]).then(() => {
            this.held.delete(port);
          });
        }
        return released;
      },
    };
  }
}
