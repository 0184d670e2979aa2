/**
 * The UDP socket an RTP session uses, in two implementations with one behaviour:
 *
 * - `NativeRtpSocket` (native-rtp-socket.ts, the default where the addon is built):
 *   every socket of a thread in one epoll set, read in batches, sent without a
 *   per-packet object (ADR 0006);
 * - `DgramRtpSocket` (here): node:dgram — IPv6, and machines without the addon.
 *
 * Received data is valid only during the handler call (the native one is a view of a
 * slab that the next batch overwrites): a consumer that keeps bytes copies them.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';

export type DatagramHandler = (data: Buffer, address: string, port: number) => void;
export type SocketErrorHandler = (e: NodeJS.ErrnoException) => void;

export interface RtpUdpSocket {
  /** The bound local port. */
  readonly port: number;
  /** Which implementation (shown in stats and logs). */
  readonly kind: 'native' | 'dgram';
  /** Start delivering datagrams (and socket errors: ICMP on a connected socket). */
  listen(onDatagram: DatagramHandler, onError: SocketErrorHandler): void;
  /** Stop delivering (the socket stays open until `close`). */
  mute(): void;
  /** connect(2) to an IP literal: true when connected now. Throws nothing. */
  connect(address: string, port: number): boolean;
  /** Dissolve the association (idempotent). */
  disconnect(): void;
  /** Send on the connected socket: false when the kernel refused it. */
  send(data: Buffer): boolean;
  /** Send to an IP literal: false when the kernel refused it. */
  sendTo(data: Buffer, port: number, address: string): boolean;
  /**
   * True when the last send could not be handed to the kernel at once and still owns
   * its buffer (dgram queues it; the native socket never does: it drops, as a full
   * socket buffer drops anyway).
   */
  lastSendQueued(): boolean;
  /**
   * Read what the socket holds now and deliver it before returning: true if it could
   * (the native socket), false if datagrams only come through the event loop (dgram).
   */
  drain(): boolean;
  close(): Promise<void>;
}

/** Bind one socket on (address, port): the socket, or the errno code (EADDRINUSE…). */
export type UdpBinder = (address: string, port: number, recvBufferSize: number | undefined) => Promise<RtpUdpSocket | string>;

/** Synchronous lookup for IP literals only: sends need no DNS round trip or closure. */
function literalLookup(address: string, family: unknown, callback: (e: Error | null, address: string, family: number) => void): void {
  const f = isIP(address);
  if (f === 0) callback(Object.assign(new Error(`not an IP address: ${address}`), { code: 'EINVAL' }), '', 0);
  else callback(null, address, f);
}

export function createRtpSocket(localAddress: string): dgram.Socket {
  const type = isIP(localAddress) === 6 ? 'udp6' : 'udp4';
  return dgram.createSocket({ type, lookup: literalLookup });
}

function bindDgram(socket: dgram.Socket, port: number, address: string): Promise<string | null> {
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

/** node:dgram behind the RtpUdpSocket interface. */
export class DgramRtpSocket implements RtpUdpSocket {
  readonly kind = 'dgram' as const;
  private onDatagram: DatagramHandler | null = null;
  private connectedTo = false;
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {}

  static readonly bind: UdpBinder = async (address, port, recvBufferSize) => {
    const s = createRtpSocket(address);
    const e = await bindDgram(s, port, address);
    if (e !== null) {
      await closeDgram(s);
      return e;
    }
    if (recvBufferSize !== undefined) {
      try {
        s.setRecvBufferSize(recvBufferSize);
      } catch {
        // best effort: capped by net.core.rmem_max
      }
    }
    return new DgramRtpSocket(s, s.address().port);
  };

  listen(onDatagram: DatagramHandler, onError: SocketErrorHandler): void {
    this.onDatagram = onDatagram;
    this.socket.on('message', this.onMessage);
    this.socket.on('error', onError);
  }

  private readonly onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    this.onDatagram?.(msg, rinfo.address, rinfo.port);
  };

  /** node:dgram reads only in the event loop's poll phase. */
  drain(): boolean {
    return false;
  }

  mute(): void {
    this.onDatagram = null;
    this.socket.off('message', this.onMessage);
  }

  connect(address: string, port: number): boolean {
    this.disconnect();
    try {
      // IP literals resolve synchronously (literalLookup): connected when this returns;
      // an error would come as an 'error' event.
      this.socket.connect(port, address);
      this.connectedTo = this.socket.remoteAddress().port === port;
    } catch {
      this.connectedTo = false;
    }
    return this.connectedTo;
  }

  disconnect(): void {
    if (!this.connectedTo) return;
    this.connectedTo = false;
    try {
      this.socket.disconnect();
    } catch {
      // not connected after all
    }
  }

  send(data: Buffer): boolean {
    try {
      this.socket.send(data);
      return true;
    } catch {
      return false;
    }
  }

  sendTo(data: Buffer, port: number, address: string): boolean {
    try {
      this.socket.send(data, port, address);
      return true;
    } catch {
      return false;
    }
  }

  lastSendQueued(): boolean {
    return this.socket.getSendQueueCount() > 0;
  }

  close(): Promise<void> {
    this.closed ??= closeDgram(this.socket);
    return this.closed;
  }
}

function closeDgram(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
