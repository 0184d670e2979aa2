import dgram from 'node:dgram';

/** A UDP socket on loopback that sends raw bytes and collects what comes back. */
export class UdpClient {
  readonly received: Buffer[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (m) => {
      this.received.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(host = '127.0.0.1'): Promise<UdpClient> {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => s.bind(0, host, () => r()));
    return new UdpClient(s);
  }

  get port(): number {
    return (this.socket.address()).port;
  }

  send(data: Buffer | string, port: number, host = '127.0.0.1'): void {
    this.socket.send(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, port, host);
  }

  /** Wait until a datagram satisfying `pred` has arrived, or `ms` passed (then null). */
  async waitFor(pred: (m: Buffer) => boolean, ms: number): Promise<Buffer | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Status code of a response datagram, or null if it is not a response. */
export function statusOf(m: Buffer): number | null {
  const r = /^SIP\/2\.0 (\d{3}) /.exec(m.toString('latin1', 0, 16));
  return r ? Number(r[1]) : null;
}

export function optionsRequest(port: number, callId: string, clientPort: number, transport = 'UDP'): string {
  return (
    `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0\r\n` +
    `Via: SIP/2.0/${transport} 127.0.0.1:${clientPort};branch=z9hG4bK-${callId};rport\r\n` +
    `From: <sip:tester@127.0.0.1>;tag=t-${callId}\r\n` +
    `To: <sip:probe@127.0.0.1>\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\n` +
    `Max-Forwards: 70\r\n` +
    `Content-Length: 0\r\n\r\n`
  );
}
