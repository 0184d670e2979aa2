import dgram from 'node:dgram';

/**
 * A UDP relay for RTP between a caller and our media port that loses and reorders
 * packets on the way in (caller → us), deterministically (seeded), to test that a
 * recording keeps real time on a bad network. Packets from us go back to the caller's
 * last address untouched.
 */
export class LossyRtpRelay {
  readonly socket = dgram.createSocket('udp4');
  forwarded = 0;
  dropped = 0;
  reordered = 0;
  /** G.711 audio packets (payload type 0 or 8) that came from the caller, lost or not. */
  audioFromCaller = 0;
  /** When the first and the last of those arrived (performance.now()). */
  firstAudioAt = 0;
  lastAudioAt = 0;
  private caller: { address: string; port: number } | null = null;
  private held: Buffer | null = null;
  private seed: number;

  constructor(
    private readonly target: { address: string; port: number },
    private readonly lossRate: number,
    private readonly reorderRate: number,
    seed = 12345,
  ) {
    this.seed = seed;
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.socket.on('message', (msg, rinfo) => {
      if (rinfo.address === this.target.address && rinfo.port === this.target.port) {
        if (this.caller) this.socket.send(msg, this.caller.port, this.caller.address);
        return;
      }
      this.caller = { address: rinfo.address, port: rinfo.port };
      const pt = msg.length > 1 ? msg[1]! & 0x7f : -1;
      if (pt === 0 || pt === 8) {
        if (this.audioFromCaller++ === 0) this.firstAudioAt = performance.now();
        this.lastAudioAt = performance.now();
      }
      this.inbound(msg);
    });
    return this.socket.address().port;
  }

  private random(): number {
    // xorshift32: the same losses on every run.
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x1_0000_0000;
  }

  private inbound(msg: Buffer): void {
    if (this.random() < this.lossRate) {
      this.dropped++;
      return;
    }
    if (this.held === null && this.random() < this.reorderRate) {
      this.held = Buffer.from(msg); // send it after the next one
      this.reordered++;
      return;
    }
    this.send(msg);
    if (this.held) {
      this.send(this.held);
      this.held = null;
    }
  }

  private send(msg: Buffer): void {
    this.forwarded++;
    this.socket.send(msg, this.target.port, this.target.address);
  }

  close(): void {
    this.socket.close();
  }
}
