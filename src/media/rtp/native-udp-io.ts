import { createRequire } from 'node:module';

/**
 * The native UDP sockets of `native/udp-io` (ADR 0006): one epoll set per thread, read
 * in batches into one slab, one JavaScript call per batch; sends straight from a view.
 * This module only loads the addon and types it; `udp-endpoint.ts` builds RTP sockets
 * on it. IPv4 only.
 */
export interface NativeUdpIo {
  /** `parts` ≥ 2: paced reads over that many sets, read by `poll` (native-rtp-socket.ts); 0: on readiness only. */
  create(slab: ArrayBuffer, meta: ArrayBuffer, onBatch: (count: number) => void, parts?: number): NativeSet;
  /** A bound, non-blocking socket in the set: slot ≥ 0, or −errno. */
  open(set: NativeSet, ip: string, port: number, rcvbuf: number): number;
  localPort(set: NativeSet, slot: number): number;
  /** connect(2) (port 0: dissolve): 0 or −errno. */
  connect(set: NativeSet, slot: number, ip: string, port: number): number;
  /** Bytes sent, or −errno. */
  send(set: NativeSet, slot: number, data: Uint8Array): number;
  sendTo(set: NativeSet, slot: number, data: Uint8Array, ipv4: number, port: number): number;
  /** Read what the socket holds now and hand it to onBatch before returning: the count, or −errno (−EBUSY inside onBatch). */
  drain(set: NativeSet, slot: number): number;
  closeSlot(set: NativeSet, slot: number): number;
  /** Read every paced socket of the next part (slot % parts), each until empty, and hand the datagrams to onBatch before returning: the count, or −errno (−EBUSY inside onBatch). */
  poll(set: NativeSet): number;
  destroy(set: NativeSet): void;
  /** Name the calling thread (≤ 15 bytes) and, unless `nice` is 0, set its niceness: 0 or −errno. */
  tuneThread(name: string, nice: number): number;
}

/** An opaque handle (a napi external). */
export type NativeSet = { readonly __nativeUdpSet: unique symbol };

/** int32 values per received datagram in the meta array: slot, offset, length, IPv4, port, errno. */
export const META_INTS = 6;

let loaded: { io: NativeUdpIo | null; error: string | null } | null = null;

/** The addon, or null with the reason (not built, not Linux). Loaded once per thread. */
export function loadNativeUdpIo(): { io: NativeUdpIo | null; error: string | null } {
  if (loaded) return loaded;
  try {
    // Same relative path from src/media/rtp (tsx) and dist/media/rtp (built).
    const require = createRequire(import.meta.url);
    loaded = { io: require('../../../native/udp-io/build/Release/udp_io.node') as NativeUdpIo, error: null };
  } catch (e) {
    loaded = { io: null, error: e instanceof Error ? e.message : String(e) };
  }
  return loaded;
}
