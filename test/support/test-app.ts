import dgram from 'node:dgram';
import { answerOffer, createOffer, type IncomingCall, type SessionDescription, type SipApplication } from '../../src/sip/index.js';

export interface TestAppOptions {
  /** Users that answer; every other user gets 404 (as in production before call flows). */
  readonly users: readonly string[];
  /** Send 180 and wait this long before answering (0: answer at once). */
  readonly ringMs?: number;
  /** Hang up (BYE) this long after the ACK; undefined: wait for the caller's BYE. */
  readonly hangupAfterMs?: number;
}

export interface CallRecord {
  readonly callId: string;
  readonly user: string;
  readonly events: string[];
  hadOffer: boolean;
  answerInAck: SessionDescription | null;
  infoBodies: string[];
}

/**
 * The small application the SIP tests run in place of the voicemail call flows: it
 * answers INVITEs for chosen users with a real SDP answer (or offer), counts the RTP it
 * receives on a real UDP port, and records what happened to each call.
 */
export class TestApp implements SipApplication {
  readonly calls = new Map<string, CallRecord>();
  rtpPackets = 0;
  private rtp: dgram.Socket | null = null;
  private rtpPort = 0;

  constructor(private readonly options: TestAppOptions) {}

  async start(): Promise<void> {
    this.rtp = dgram.createSocket('udp4');
    this.rtp.on('message', () => this.rtpPackets++);
    await new Promise<void>((r) => this.rtp!.bind(0, '127.0.0.1', () => r()));
    this.rtpPort = (this.rtp.address()).port;
  }

  close(): void {
    this.rtp?.close();
    this.rtp = null;
  }

  ended(): CallRecord[] {
    return [...this.calls.values()].filter((c) => c.events.some((e) => e.startsWith('terminated:')));
  }

  onInvite(call: IncomingCall): void {
    const user = call.request.uri.kind === 'sip' ? (call.request.uri.user ?? '') : '';
    const rec: CallRecord = { callId: call.callId, user, events: ['invite'], hadOffer: call.offer !== null, answerInAck: null, infoBodies: [] };
    this.calls.set(call.callId, rec);
    call.on('terminated', (reason) => rec.events.push(`terminated:${reason}`));
    call.on('cancel', () => rec.events.push('cancel'));
    call.on('bye', () => rec.events.push('bye'));
    call.on('info', (req) => {
      rec.events.push('info');
      rec.infoBodies.push(req.body.toString('utf8'));
    });
    call.on('ack', (answer) => {
      rec.events.push('ack');
      rec.answerInAck = answer;
      if (this.options.hangupAfterMs !== undefined) setTimeout(() => call.hangup(), this.options.hangupAfterMs).unref();
    });
    if (!this.options.users.includes(user)) {
      call.reject(404);
      return;
    }
    const caps = { address: '127.0.0.1', port: this.rtpPort, codecs: ['PCMU', 'PCMA'] as ('PCMU' | 'PCMA')[], telephoneEvent: true };
    const answer = (): void => {
      if (call.state === 'terminated') return;
      if (call.offer) {
        const r = answerOffer(call.offer, caps);
        if (!r.ok) {
          call.reject(488);
          return;
        }
        call.accept({ sdp: r.value.answer });
      } else {
        call.accept({ sdp: createOffer(caps) });
      }
      rec.events.push('answered');
    };
    if (this.options.ringMs) {
      call.progress(180);
      setTimeout(answer, this.options.ringMs).unref();
    } else answer();
  }
}
