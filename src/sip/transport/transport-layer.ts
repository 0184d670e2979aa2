import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { SipLimits, SipListenAddress } from '../options.js';
import { TcpTransport } from './tcp-transport.js';
import type { BoundAddress, Destination, TransportHandlers, TransportProtocol, TransportSender } from './types.js';
import { UdpTransport } from './udp-transport.js';

/** UDP and TCP on every listen address, behind one `send()`. */
export class TransportLayer implements TransportSender {
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
  private bound: BoundAddress[] = [];

  constructor(
    private readonly options: {
      listen: readonly SipListenAddress[];
      transports: readonly TransportProtocol[];
      limits: SipLimits;
      logger: Logger;
      clock: Clock;
    },
    handlers: TransportHandlers,
  ) {
    this.udp = new UdpTransport(options.limits, handlers, options.logger);
    this.tcp = new TcpTransport(options.limits, handlers, options.logger, options.clock);
  }

  /**
   * Bind every address. With port 0 the first free port found is reused for every
   * other host and transport, so Voxmail has one SIP port; if it turns out to be taken
   * for one of them, everything is released and tried again with a new port.
   */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bindAll();
        return;
      } catch (e) {
        await this.close();
        this.bound = [];
        if (!this.options.listen.some((l) => l.port === 0) || attempt >= 10) throw e;
      }
    }
  }

  private async bindAll(): Promise<void> {
    let shared = 0;
    for (const l of this.options.listen) {
      for (const t of this.options.transports) {
        const port = l.port === 0 ? shared : l.port;
        const b = t === 'udp' ? await this.udp.listen(l.host, port) : await this.tcp.listen(l.host, port);
        this.bound.push(b);
        if (l.port === 0 && shared === 0) shared = b.port;
      }
    }
  }

  get boundAddresses(): readonly BoundAddress[] {
    return this.bound;
  }

  send(data: Buffer, dest: Destination, onSent?: () => void): void {
    if (dest.transport === 'tcp') this.tcp.send(data, dest, onSent);
    else this.udp.send(data, dest, onSent);
  }

  async close(): Promise<void> {
    await Promise.all([this.udp.close(), this.tcp.close()]);
  }
}
