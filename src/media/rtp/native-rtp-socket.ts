/**
 * RTP sockets on the native addon (ADR 0006): all of a thread's sockets in one epoll
 * set (`NativeUdpHub`, one per thread, made on first use), read in batches into one
 * slab; each datagram reaches its socket's handler as a view of the slab, valid during
 * the call only. Sends go straight from the caller's buffer (no copy, no request
 * object); a send the kernel refuses (a full buffer: EAGAIN) is dropped, as the network
 * would drop it, and counted by the session as a socket error.
 *
 * Paced reads (`rtp.readIntervalMs`, ADR 0006 amendment): a socket that has received is
 * no longer read when it becomes readable but every `readIntervalMs`, by a 20 ms timer
 * that reads one of the addon's paced parts per turn (the sockets are spread over
 * readIntervalMs ÷ 20 of them by slot). Several datagrams per recvmmsg and no wake-up per
 * packet: about a third less CPU per received packet at 2,500 calls (BENCHMARKS.md §4).
 * A socket's first datagram is still read at once (the remote address latches on it).
 */
import { getSystemErrorName } from 'node:util';
import { loadNativeUdpIo, META_INTS, type NativeSet, type NativeUdpIo } from './native-udp-io.js';
import type { DatagramHandler, RtpUdpSocket, SocketErrorHandler, UdpBinder } from './udp-socket.js';

/** Slab and record space for one batch: 256 KiB holds 128 datagrams of the largest kind we accept. */
// Every datagram gets a 2,048-byte stretch (recvmmsg): 512 datagrams per JavaScript call.
const SLAB_BYTES = 1024 * 1024;
const META_RECORDS = 1024;
const EMPTY = Buffer.alloc(0);
/** `rtp.readIntervalMs` when nothing sets it (config/schema.ts has the same default). */
export const DEFAULT_READ_INTERVAL_MS = 100;

function ipv4ToString(ip: number): string {
  return `${String(ip >>> 24)}.${String((ip >>> 16) & 255)}.${String((ip >>> 8) & 255)}.${String(ip & 255)}`;
}

function ipv4ToInt(address: string): number {
  const p = address.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** An error like node's own from a negative errno (as the addon returns them). */
function errnoError(negErrno: number, syscall: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(negErrno);
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno: negErrno, syscall });
}

/** The paced timer's period: one media tick (every paced part is read once per read interval). */
const PACED_TICK_MS = 20;

/** Paced sets for a read interval: 0 (read on readiness) below two ticks. */
export function pacedParts(readIntervalMs: number): number {
  return readIntervalMs >= 2 * PACED_TICK_MS ? Math.round(readIntervalMs / PACED_TICK_MS) : 0;
}

class NativeUdpHub {
  readonly set: NativeSet;
  private readonly slab: Buffer;
  private readonly meta: Int32Array;
  private readonly sockets: (NativeRtpSocket | undefined)[] = [];
  private open = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly io: NativeUdpIo,
    private readonly parts: number,
  ) {
    const slab = new ArrayBuffer(SLAB_BYTES);
    const meta = new ArrayBuffer(META_RECORDS * META_INTS * 4);
    this.slab = Buffer.from(slab);
    this.meta = new Int32Array(meta);
    this.set = io.create(slab, meta, this.onBatch, parts);
  }

  register(slot: number, s: NativeRtpSocket): void {
    this.sockets[slot] = s;
    // The paced timer runs while a socket is open (unref'd: it never keeps the thread alive).
    if (this.open++ === 0 && this.parts > 1) this.timer = setInterval(this.poll, PACED_TICK_MS).unref();
  }

  unregister(slot: number): void {
    this.sockets[slot] = undefined;
    if (--this.open === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  // An exception from a handler is uncaught here as it is on a readiness read (the addon's
  // napi_fatal_exception): the handlers count their own errors and do not throw.
  private lastPoll = 0;
  private readonly poll = (): void => {
    const now = performance.now();
    // A late timer (a busy thread) reads every part that was due, not one.
    const due = this.lastPoll === 0 ? 1 : Math.min(this.parts, Math.max(1, Math.round((now - this.lastPoll) / PACED_TICK_MS)));
    this.lastPoll = now;
    for (let i = 0; i < due; i++) this.io.poll(this.set);
  };

  /** Inside `io.drain` (a socket read on demand): no batch hook there (see onReceiveBatchEnd). */
  draining = false;

  private readonly onBatch = (count: number): void => {
    const m = this.meta;
    for (let i = 0, r = 0; i < count; i++, r += META_INTS) {
      const s = this.sockets[m[r]!];
      if (s === undefined) continue;
      const errno = m[r + 5]!;
      if (errno !== 0) {
        s.deliverError(errno);
        continue;
      }
      const len = m[r + 2]!;
      // A truncated datagram (len < 0: larger than any RTP we take) arrives empty, so
      // the session counts it as not RTP.
      const data = len > 0 ? this.slab.subarray(m[r + 1], m[r + 1]! + len) : EMPTY;
      s.deliver(data, m[r + 3]! >>> 0, m[r + 4]!);
    }
    if (batchEndHook !== undefined && !this.draining) batchEndHook();
  };
}

let batchEndHook: (() => void) | undefined;

/**
 * Run `fn` after each batch of received datagrams of this thread's sockets has been
 * handed to their handlers (undefined: none). A media worker takes its waiting messages
 * there: a busy worker's receive pass reads every ready socket, hundreds of batches'
 * worth after a stall, and a greeting to start should not wait for all of it. Not run for
 * a socket read on demand (`drain()`), whose caller is in the middle of its own work.
 * `fn` runs while the addon reads: it may send, open and close sockets (a closed
 * socket's remaining datagrams are dropped, as on close), and must not throw.
 */
export function onReceiveBatchEnd(fn: (() => void) | undefined): void {
  batchEndHook = fn;
}

/** This thread's hubs, by paced parts (one in a server: every allocator has the same setting). */
const hubs = new Map<number, NativeUdpHub>();

function theHub(io: NativeUdpIo, readIntervalMs: number): NativeUdpHub {
  const parts = pacedParts(readIntervalMs);
  let h = hubs.get(parts);
  if (h === undefined) {
    h = new NativeUdpHub(io, parts);
    hubs.set(parts, h);
  }
  return h;
}

export class NativeRtpSocket implements RtpUdpSocket {
  readonly kind = 'native' as const;
  private onDatagram: DatagramHandler | null = null;
  private onError: SocketErrorHandler | null = null;
  private lastIp = -1;
  private lastIpString = '';
  private open = true;

  private constructor(
    private readonly hub: NativeUdpHub,
    private readonly slot: number,
    readonly port: number,
  ) {
    hub.register(slot, this);
  }

  /** Whether native sockets can serve this local address here (the addon is built; IPv4). */
  static available(localAddress: string): boolean {
    return loadNativeUdpIo().io !== null && /^\d{1,3}(\.\d{1,3}){3}$/.test(localAddress);
  }

  /** Binds native sockets read every `readIntervalMs` once they have received (0: on readiness). */
  static binder(readIntervalMs = DEFAULT_READ_INTERVAL_MS): UdpBinder {
    return (address, port, recvBufferSize) => NativeRtpSocket.bindOn(readIntervalMs, address, port, recvBufferSize);
  }

  static readonly bind: UdpBinder = NativeRtpSocket.binder();

  private static bindOn(readIntervalMs: number, address: string, port: number, recvBufferSize: number | undefined): Promise<NativeRtpSocket | string> {
    const io = loadNativeUdpIo().io;
    if (io === null) return Promise.resolve('ENOSYS');
    const h = theHub(io, readIntervalMs);
    const slot = io.open(h.set, address, port, recvBufferSize ?? 0);
    if (slot < 0) return Promise.resolve(getSystemErrorName(slot));
    const bound = io.localPort(h.set, slot);
    return Promise.resolve(new NativeRtpSocket(h, slot, bound));
  };

  /** @internal From the hub: one datagram. */
  deliver(data: Buffer, ip: number, port: number): void {
    const fn = this.onDatagram;
    if (fn === null) return;
    if (ip !== this.lastIp) {
      // The source rarely changes: one string per source, not per packet.
      this.lastIp = ip;
      this.lastIpString = ipv4ToString(ip);
    }
    fn(data, this.lastIpString, port);
  }

  /** @internal From the hub: a socket error (ICMP unreachable on a connected socket…). */
  deliverError(errno: number): void {
    this.onError?.(errnoError(-errno, 'recvmsg'));
  }

  listen(onDatagram: DatagramHandler, onError: SocketErrorHandler): void {
    this.onDatagram = onDatagram;
    this.onError = onError;
  }

  mute(): void {
    this.onDatagram = null;
  }

  connect(address: string, port: number): boolean {
    if (!this.open) return false;
    const r = this.hub.io.connect(this.hub.set, this.slot, address, port);
    if (r < 0) this.onError?.(errnoError(r, 'connect'));
    return r === 0;
  }

  disconnect(): void {
    if (this.open) this.hub.io.connect(this.hub.set, this.slot, '', 0);
  }

  send(data: Buffer): boolean {
    if (!this.open) return false;
    const r = this.hub.io.send(this.hub.set, this.slot, data);
    if (r >= 0) return true;
    this.onError?.(errnoError(r, 'send'));
    return false;
  }

  sendTo(data: Buffer, port: number, address: string): boolean {
    if (!this.open) return false;
    const r = this.hub.io.sendTo(this.hub.set, this.slot, data, ipv4ToInt(address), port);
    if (r >= 0) return true;
    this.onError?.(errnoError(r, 'sendto'));
    return false;
  }

  lastSendQueued(): boolean {
    return false;
  }

  drain(): boolean {
    if (!this.open) return false;
    // −EBUSY: called from inside a batch (the slab is being read): the loop reads it next.
    const was = this.hub.draining;
    this.hub.draining = true;
    try {
      return this.hub.io.drain(this.hub.set, this.slot) >= 0;
    } finally {
      this.hub.draining = was;
    }
  }

  close(): Promise<void> {
    if (this.open) {
      this.open = false;
      this.onDatagram = null;
      this.onError = null;
      this.hub.unregister(this.slot);
      this.hub.io.closeSlot(this.hub.set, this.slot);
    }
    return Promise.resolve();
  }
}
