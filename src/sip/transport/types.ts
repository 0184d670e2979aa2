import type { SipMessage, SipParseError } from '../message/types.js';

export type TransportProtocol = 'udp' | 'tcp';

/** Where a message came from and which of our sockets took it. */
export interface MessageSource {
  readonly transport: TransportProtocol;
  /** Bare IP literal (no brackets), as the socket reports it. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The TCP connection it arrived on; null for UDP. */
  readonly connectionId: number | null;
}

/** Where to send a message. */
export interface Destination {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
  /** Send from this local socket (RFC 3581 §4: a response leaves from where the request came). */
  readonly localAddress?: string;
  readonly localPort?: number;
  /** Reuse this TCP connection if it is still open (RFC 3261 §18.2.2). */
  readonly connectionId?: number | null;
}

export interface BoundAddress {
  readonly transport: TransportProtocol;
  readonly host: string;
  readonly port: number;
}

export interface TransportHandlers {
  onMessage(message: SipMessage, source: MessageSource): void;
  /** A message that could not be parsed; the core may still answer 400. */
  onBadMessage(error: SipParseError, source: MessageSource): void;
}

/** What the transaction layer and core need from the transports. */
export interface TransportSender {
  /**
   * Fire and forget; failures are logged and counted, never thrown. `onSent`, when given, is
   * called once the message has been handed to the kernel, or could not be: what must
   * follow it on the wire (the media after a 200 OK) waits for it.
   */
  send(data: Buffer, dest: Destination, onSent?: () => void): void;
}
