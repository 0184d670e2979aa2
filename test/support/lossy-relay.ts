/**
 * A UDP relay for SIP between one client (SIPp) and the server (our stack) that drops
 * chosen messages, to prove that retransmissions recover from loss.
 *
 *     client  <-->  [clientSide]  relay  [serverSide]  <-->  server
 *
 * The client sends to `port` (clientSide); the relay forwards from serverSide, so the
 * server answers (and sends its own requests) to the relay. Contact headers are
 * rewritten so that in-dialog requests in both directions also pass through the relay:
 * the client's Contact becomes serverSide, the server's Contact becomes clientSide.
 * (Content-Length counts only the body, so header edits leave it valid.)
 *
 * A drop rule matches one kind of message (request method or response status, with
 * its CSeq method) in one direction, and drops the first `times` copies of each
 * distinct message: copies are told apart by start line, Call-ID and CSeq, so a
 * retransmission is a further copy of the same message and gets through.
 * RTP is not relayed.
 */
import dgram from 'node:dgram';

export type RelayDirection = 'to-server' | 'to-client';

export interface DropRule {
  readonly direction: RelayDirection;
  /** A request method (`INVITE`, `ACK`) or a response status (`200`, `487`). */
  readonly message: string;
  /** The CSeq method the message must carry (tells the 200 to INVITE from the 200 to BYE). */
  readonly cseq?: string;
  /** Copies of each matching message to drop: default 1 (the first), Infinity for all. */
  readonly times?: number;
}

export interface RelayEvent {
  /** ms since the relay started. */
  readonly at: number;
  readonly direction: RelayDirection;
  /** Method or status. */
  readonly message: string;
  readonly startLine: string;
  readonly callId: string;
  /** `1 INVITE` */
  readonly cseq: string;
  /** 1 for the first copy of this message, 2 for the first retransmission... */
  readonly copy: number;
  readonly action: 'forwarded' | 'dropped';
}

export interface LossyRelayOptions {
  readonly server: { readonly host: string; readonly port: number };
  readonly rules: readonly DropRule[];
}

export class LossyRelay {
  readonly events: RelayEvent[] = [];
  private readonly copies = new Map<string, number>();
  private client: { address: string; port: number } | null = null;
  private readonly started = Date.now();
  private closed = false;

  private constructor(
    private readonly options: LossyRelayOptions,
    private readonly clientSide: dgram.Socket,
    private readonly serverSide: dgram.Socket,
  ) {
    clientSide.on('message', (buf, rinfo) => {
      this.client = { address: rinfo.address, port: rinfo.port };
      this.relay('to-server', buf, serverSide, options.server);
    });
    serverSide.on('message', (buf, rinfo) => {
      // Only the server talks to this side; anything else is not part of the test.
      if (rinfo.address !== options.server.host || rinfo.port !== options.server.port) return;
      if (this.client) this.relay('to-client', buf, clientSide, this.client);
    });
  }

  static async start(options: LossyRelayOptions): Promise<LossyRelay> {
    const bind = (): Promise<dgram.Socket> =>
      new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => {
          s.off('error', reject);
          resolve(s);
        });
      });
    return new LossyRelay(options, await bind(), await bind());
  }

  /** Where the client sends. */
  get port(): number {
    return this.clientSide.address().port;
  }

  /** Where the server sees the client. */
  get serverSidePort(): number {
    return this.serverSide.address().port;
  }

  dropped(): RelayEvent[] {
    return this.events.filter((e) => e.action === 'dropped');
  }

  /** Every copy (forwarded or dropped) of messages of this kind in this direction. */
  seen(direction: RelayDirection, message: string, cseqMethod?: string): RelayEvent[] {
    return this.events.filter((e) => e.direction === direction && e.message === message && (cseqMethod === undefined || e.cseq.endsWith(` ${cseqMethod}`)));
  }

  /** A readable log for assertion messages. */
  describe(): string {
    return this.events
      .map((e) => `  ${String(e.at).padStart(5)} ms ${e.direction === 'to-server' ? '-->' : '<--'} ${e.action === 'dropped' ? 'DROP' : '    '} ${e.startLine} (CSeq ${e.cseq}, copy ${String(e.copy)})`)
      .join('\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.clientSide, this.serverSide].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private relay(direction: RelayDirection, buf: Buffer, out: dgram.Socket, to: { address?: string; host?: string; port: number }): void {
    if (this.closed) return;
    let text = buf.toString('latin1');
    const startLine = text.slice(0, Math.max(0, text.indexOf('\r\n')));
    const isResponse = startLine.startsWith('SIP/2.0 ');
    const message = (isResponse ? startLine.split(' ')[1] : startLine.split(' ')[0]) ?? '';
    const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)\r?$/im.exec(text)?.[1] ?? '';
    const cseqMatch = /^CSeq[ \t]*:[ \t]*(\d+)[ \t]+(\S+)/im.exec(text);
    const cseq = cseqMatch ? `${cseqMatch[1]!} ${cseqMatch[2]!}` : '';
    const key = `${direction}|${startLine}|${callId}|${cseq}`;
    const copy = (this.copies.get(key) ?? 0) + 1;
    this.copies.set(key, copy);
    const rule = this.options.rules.find(
      (r) => r.direction === direction && r.message === message && (r.cseq === undefined || cseqMatch?.[2] === r.cseq),
    );
    const drop = rule !== undefined && copy <= (rule.times ?? 1);
    this.events.push({ at: Date.now() - this.started, direction, message, startLine, callId, cseq, copy, action: drop ? 'dropped' : 'forwarded' });
    if (drop) return;
    text = direction === 'to-server' ? this.rewriteContact(text, this.client!, this.serverSidePort) : this.rewriteContact(text, { address: this.options.server.host, port: this.options.server.port }, this.port);
    out.send(Buffer.from(text, 'latin1'), to.port, to.address ?? to.host);
  }

  /** In Contact header fields, replace `from.address:from.port` by `127.0.0.1:port`. */
  private rewriteContact(text: string, from: { address: string; port: number }, port: number): string {
    const headEnd = text.indexOf('\r\n\r\n');
    const head = headEnd < 0 ? text : text.slice(0, headEnd);
    const needle = new RegExp(`${from.address.replace(/\./g, '\\.')}:${String(from.port)}(?!\\d)`, 'g');
    const rewritten = head.replace(/^(Contact|m)([ \t]*:.*)$/gim, (_line, name: string, rest: string) => `${name}${rest.replace(needle, `127.0.0.1:${String(port)}`)}`);
    return headEnd < 0 ? rewritten : rewritten + text.slice(headEnd);
  }
}
