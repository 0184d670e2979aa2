import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../shared/logger.js';
import { parseMessage, type ParseLimits } from '../message/parser.js';
import type { BoundAddress, Destination, MessageSource, TransportHandlers } from './types.js';

/**
 * SIP over UDP (RFC 3261 §18): one socket per listen address. Every datagram is parsed
 * on its own; a bad one is reported and the socket keeps serving.
 */
export class UdpTransport {
  private readonly sockets: { socket: dgram.Socket; address: string; port: number; v6: boolean }[] = [];

  constructor(
    private readonly limits: ParseLimits,
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
  ) {}

  async listen(host: string, port: number): Promise<BoundAddress> {
    const v6 = isIPv6(host);
    const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    const entry = { socket, address: host, port: bound.port, v6 };
    this.sockets.push(entry);
    socket.on('error', (e) => this.log.warn({ err: e, code: 'VM_SIP_TRANSPORT' }, 'UDP socket error'));
    socket.on('message', (buf, rinfo) => this.receive(buf, rinfo, entry));
    return { transport: 'udp', host, port: bound.port };
  }

  private receive(buf: Buffer, rinfo: dgram.RemoteInfo, local: { address: string; port: number }): void {
    const source: MessageSource = {
      transport: 'udp',
      remoteAddress: rinfo.address,
      remotePort: rinfo.port,
      localAddress: local.address,
      localPort: local.port,
      connectionId: null,
    };
    // A datagram of CR/LF only is a keep-alive, not a message (RFC 5626 §3.5.1).
    if (buf.length <= 4 && buf.every((b) => b === 0x0d || b === 0x0a)) return;
    try {
      const parsed = parseMessage(buf, { limits: this.limits, datagram: true });
      if (parsed.ok) this.handlers.onMessage(parsed.value, source);
      else this.handlers.onBadMessage(parsed.error, source);
    } catch (e) {
      // The parser returns errors as values; this is the last guard against a bug
      // taking the whole server down for one datagram.
      this.log.error({ err: e, code: 'VM_SIP_INTERNAL' }, 'unexpected error on a UDP datagram');
    }
  }

  send(data: Buffer, dest: Destination, onSent?: () => void): void {
    const v6 = isIPv6(dest.address);
    const entry =
      this.sockets.find((s) => s.v6 === v6 && s.port === dest.localPort && s.address === dest.localAddress) ??
      this.sockets.find((s) => s.v6 === v6);
    if (!entry) {
      this.log.warn({ code: 'VM_SIP_NO_ROUTE', to: dest.address }, 'no UDP socket for this address family');
      onSent?.();
      return;
    }
    // dgram sends on a later tick (after its address lookup), hence the callback.
    entry.socket.send(data, dest.port, dest.address, (e) => {
      if (e) this.log.debug({ err: e, to: `${dest.address}:${dest.port}` }, 'UDP send failed');
      onSent?.();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
    this.sockets.length = 0;
  }
}
