/**
 * A caller over raw UDP for end-to-end tests of the real server: an INVITE whose offer
 * points at its own RTP socket, the ACK, the BYE — every datagram it receives kept.
 */
import assert from 'node:assert/strict';
import { rawRequest, sdpOffer } from './raw-request.js';
import { UdpClient, statusOf } from './udp-client.js';

const clients: UdpClient[] = [];

/** Closes the sockets of every caller opened so far (a test's `after`). */
export function closeRawCallers(): void {
  for (const c of clients.splice(0)) c.close();
}

/** A caller over raw UDP: INVITE with an offer towards its own RTP socket. */
export class RawCaller {
  private constructor(
    readonly sip: UdpClient,
    readonly rtp: UdpClient,
    private readonly serverPort: number,
    readonly callId: string,
  ) {}

  static async open(serverPort: number, callId: string): Promise<RawCaller> {
    const sip = await UdpClient.open();
    const rtp = await UdpClient.open();
    clients.push(sip, rtp);
    return new RawCaller(sip, rtp, serverPort, callId);
  }

  /** Sends the INVITE and returns the final response. */
  async invite(): Promise<Buffer> {
    this.send('INVITE', 1, 'z9hG4bK-inv', undefined, sdpOffer(this.rtp.port));
    const final = await this.sip.waitFor((m) => (statusOf(m) ?? 0) >= 200, 5000);
    assert.ok(final, `${this.callId}: no final response to the INVITE`);
    return final;
  }

  ack(ok: Buffer): string {
    const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))?.[1];
    assert.ok(toTag, `${this.callId}: the 200 has no To tag`);
    this.send('ACK', 1, 'z9hG4bK-ack', toTag);
    return toTag;
  }

  async bye(toTag: string): Promise<void> {
    this.send('BYE', 2, 'z9hG4bK-bye', toTag);
    const ok = await this.sip.waitFor((m) => statusOf(m) === 200 && m.toString('latin1').includes('CSeq: 2 BYE'), 5000);
    assert.ok(ok, `${this.callId}: no 200 to the BYE`);
  }

  private send(method: string, cseq: number, branch: string, toTag?: string, body?: string): void {
    const text = rawRequest({ method, host: '127.0.0.1', port: this.serverPort, clientPort: this.sip.port, callId: this.callId, branch: `${branch}-${this.callId}`, cseq, ...(toTag ? { toTag } : {}), ...(body ? { body } : {}) });
    this.sip.send(text, this.serverPort);
  }
}

/** Places a call to mailbox 100 and waits until its greeting plays (the media clock runs). */
export async function callInProgress(serverPort: number, callId: string): Promise<{ caller: RawCaller; toTag: string }> {
  const caller = await RawCaller.open(serverPort, callId);
  const ok = await caller.invite();
  assert.equal(statusOf(ok), 200, `${callId}: ${ok.toString('latin1').split('\r\n')[0] ?? ''}`);
  const toTag = caller.ack(ok);
  assert.ok(await caller.rtp.waitFor(() => true, 3000), `${callId}: no greeting RTP`);
  return { caller, toTag };
}
