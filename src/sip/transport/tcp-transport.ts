import net from 'node:net';
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { parseMessage } from '../message/parser.js';
import type { SipHeaders } from '../message/headers.js';
import type { SipLimits } from '../options.js';
import { StreamFramer } from './stream-framer.js';
import type { BoundAddress, Destination, MessageSource, TransportHandlers } from './types.js';

interface Connection {
  readonly id: number;
  readonly socket: net.Socket;
  readonly key: string;
  readonly framer: StreamFramer;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  idleTimer: TimerHandle | null;
  messageTimer: TimerHandle | null;
  closed: boolean;
}

/**
 * SIP over TCP (RFC 3261 §18): inbound and outbound connections, reused per remote
 * address:port for requests and responses (§18.2.2). Bounded by a connection cap, an
 * idle timeout, a per-message completion timeout (a peer that trickles a header forever
 * is cut off), the framer's size cap and a cap on unsent output.
 */
export class TcpTransport {
  private readonly servers: { server: net.Server; address: string; port: number }[] = [];
  private readonly byId = new Map<number, Connection>();
  private readonly byKey = new Map<string, Connection>();
  private nextId = 1;

  constructor(
    private readonly limits: SipLimits,
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  get connectionCount(): number {
    return this.byId.size;
  }

  async listen(host: string, port: number): Promise<BoundAddress> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket, host, bound.port));
    server.maxConnections = this.limits.tcpMaxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address() as net.AddressInfo;
    this.servers.push({ server, address: host, port: bound.port });
    server.on('error', (e) => this.log.warn({ err: e, code: 'VM_SIP_TRANSPORT' }, 'TCP server error'));
    return { transport: 'tcp', host, port: bound.port };
  }

  private accept(socket: net.Socket, localAddress: string, localPort: number): void {
    if (this.byId.size >= this.limits.tcpMaxConnections) {
      socket.destroy();
      return;
    }
    this.adopt(socket, localAddress, localPort, socket.remoteAddress ?? '', socket.remotePort ?? 0);
  }

  private adopt(socket: net.Socket, localAddress: string, localPort: number, remoteAddress: string, remotePort: number): Connection {
    const conn: Connection = {
      id: this.nextId++,
      socket,
      key: `${remoteAddress}|${remotePort}`,
      framer: new StreamFramer(this.limits.maxMessageBytes),
      localAddress,
      localPort,
      remoteAddress,
      remotePort,
      idleTimer: null,
      messageTimer: null,
      closed: false,
    };
    this.byId.set(conn.id, conn);
    this.byKey.set(conn.key, conn);
    this.touch(conn);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.onData(conn, chunk);
      } catch (e) {
        this.log.error({ err: e, code: 'VM_SIP_INTERNAL', conn: conn.id }, 'unexpected error on a TCP connection; closing it');
        this.destroy(conn);
      }
    });
    socket.on('error', (e) => this.log.debug({ err: e, conn: conn.id }, 'TCP connection error'));
    socket.on('close', () => this.drop(conn));
    return conn;
  }

  private touch(conn: Connection): void {
    conn.idleTimer?.cancel();
    conn.idleTimer = this.clock.setTimer(this.limits.tcpIdleTimeoutMs, () => {
      this.log.debug({ conn: conn.id }, 'closing idle TCP connection');
      this.destroy(conn);
    });
  }

  private onData(conn: Connection, chunk: Buffer): void {
    const frames = conn.framer.push(chunk);
    const source: MessageSource = {
      transport: 'tcp',
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
      localAddress: conn.localAddress,
      localPort: conn.localPort,
      connectionId: conn.id,
    };
    for (const f of frames) {
      if (f.kind === 'ping') {
        // A keep-alive keeps the connection open (RFC 5626 §4.4.1) and gets a pong.
        this.touch(conn);
        if (!conn.closed) conn.socket.write('\r\n');
        continue;
      }
      if (f.kind === 'error') {
        // Framing is lost: answer if we can (from the header text), then close (RFC 4475 §3.3.9).
        const headers = f.data ? parseHeadersOnly(f.data) : null;
        this.handlers.onBadMessage({ reason: f.reason, status: headers ? f.status : 0, headers }, source);
        this.log.info({ conn: conn.id, reason: f.reason, code: 'VM_SIP_FRAMING' }, 'closing TCP connection: framing error');
        conn.socket.end();
        this.clock.setTimer(1000, () => this.destroy(conn));
        return;
      }
      this.touch(conn);
      // A message completed: the next one (maybe already begun in this chunk) gets its own deadline.
      conn.messageTimer?.cancel();
      conn.messageTimer = null;
      const parsed = parseMessage(f.data, { limits: this.limits, datagram: false });
      if (parsed.ok) this.handlers.onMessage(parsed.value, source);
      else this.handlers.onBadMessage(parsed.error, source);
    }
    // A started message must complete in time, however slowly its bytes trickle in.
    if (conn.framer.inMessage) {
      conn.messageTimer ??= this.clock.setTimer(this.limits.tcpMessageTimeoutMs, () => {
        this.log.info({ conn: conn.id, code: 'VM_SIP_TCP_TIMEOUT' }, 'closing TCP connection: message not completed in time');
        this.destroy(conn);
      });
    } else {
      conn.messageTimer?.cancel();
      conn.messageTimer = null;
    }
  }

  send(data: Buffer, dest: Destination, onSent?: () => void): void {
    let conn = dest.connectionId != null ? this.byId.get(dest.connectionId) : undefined;
    if (!conn || conn.closed) conn = this.byKey.get(`${dest.address}|${dest.port}`);
    if (conn && !conn.closed) {
      this.write(conn, data, onSent);
      return;
    }
    // §18.2.2: the connection is gone; open a new one to the destination.
    if (this.byId.size >= this.limits.tcpMaxConnections) {
      this.log.warn({ code: 'VM_SIP_TCP_LIMIT', to: `${dest.address}:${dest.port}` }, 'TCP connection limit reached; message not sent');
      onSent?.();
      return;
    }
    const socket = net.connect({ host: dest.address, port: dest.port, noDelay: true });
    const fresh = this.adopt(socket, dest.localAddress ?? '', 0, dest.address, dest.port);
    this.write(fresh, data, onSent);
  }

  private write(conn: Connection, data: Buffer, onSent?: () => void): void {
    // A peer that does not read cannot make us buffer without bound.
    if (conn.socket.writableLength > this.limits.maxMessageBytes * 4) {
      this.log.warn({ conn: conn.id, code: 'VM_SIP_TCP_BACKLOG' }, 'peer is not reading; closing TCP connection');
      this.destroy(conn);
      onSent?.();
      return;
    }
    if (onSent) conn.socket.write(data, () => onSent());
    else conn.socket.write(data);
  }

  private destroy(conn: Connection): void {
    conn.socket.destroy();
    this.drop(conn);
  }

  private drop(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.idleTimer?.cancel();
    conn.messageTimer?.cancel();
    this.byId.delete(conn.id);
    if (this.byKey.get(conn.key) === conn) this.byKey.delete(conn.key);
  }

  async close(): Promise<void> {
    for (const c of [...this.byId.values()]) this.destroy(c);
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.server.close(() => r()))));
    this.servers.length = 0;
  }
}

/** Header fields of a message whose framing failed, to answer it with 400. */
function parseHeadersOnly(head: Buffer): SipHeaders | null {
  const r = parseMessage(head, {
    limits: { maxMessageBytes: head.length, maxHeaders: 256, maxLineBytes: 16_384 },
    datagram: true,
  });
  if (r.ok) return r.value.headers;
  return r.error.headers;
}

