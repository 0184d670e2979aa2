import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../src/shared/clock.js';
import { CallMedia } from '../../src/media/call-media.js';
import type { DtmfEvent } from '../../src/media/dtmf/digit.js';
import { MediaClock } from '../../src/media/media-clock.js';
import type { RecordingResult } from '../../src/media/recorder.js';
import { PortAllocator } from '../../src/media/rtp/index.js';
import { answerOffer, createOffer, acceptAnswer, type IncomingCall, type SipApplication } from '../../src/sip/index.js';

export interface MediaCallRecord {
  readonly callId: string;
  readonly events: string[];
  readonly digits: DtmfEvent[];
  recording: RecordingResult | null;
  media: CallMedia | null;
  /** performance.now() when the recorder opened / when the call ended. */
  recordingStartedAt?: number;
  recordingStoppedAt?: number;
}

export interface MediaAppOptions {
  /** Prompt played right after the ACK (e.g. a beep); recording starts when it ends. */
  readonly prompt?: Int16Array;
  /**
   * Prompts queued back to back right after `prompt` (all queued at once, so the player
   * joins them without a gap); recording starts when the last one ends.
   */
  readonly prompts?: readonly Int16Array[];
  readonly rtpRange?: { min: number; max: number };
  readonly maxDurationMs?: number;
  readonly inbandDtmf?: boolean;
  /** The port to put in our SDP instead of the media port (e.g. a relay in front of it). */
  readonly advertisePort?: (mediaPort: number) => Promise<number>;
}

/**
 * The test harness of the media issue: the SIP core plus the media engine. For every
 * INVITE it negotiates SDP, opens the call's media, answers, optionally plays a
 * prompt, records the caller to a WAV until BYE, and collects DTMF from every source.
 */
export class MediaTestApp implements SipApplication {
  readonly calls = new Map<string, MediaCallRecord>();
  readonly dir = mkdtempSync(path.join(tmpdir(), 'voxmail-media-'));
  readonly mediaClock = new MediaClock({ clock: systemClock });
  readonly allocator: PortAllocator;
  private readonly log = pino({ level: process.env['LOG'] ?? 'silent' });

  constructor(private readonly options: MediaAppOptions = {}) {
    const base = 30_000 + 2 * Math.floor(Math.random() * 4000);
    const range = options.rtpRange ?? { min: base, max: base + 399 };
    this.allocator = new PortAllocator({ min: range.min, max: range.max });
  }

  close(): void {
    this.mediaClock.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async settle(): Promise<void> {
    for (const c of this.calls.values()) await c.media?.close();
  }

  onInvite(call: IncomingCall): void {
    const rec: MediaCallRecord = { callId: call.callId, events: ['invite'], digits: [], recording: null, media: null };
    this.calls.set(call.callId, rec);
    void this.answer(call, rec).catch((e: unknown) => {
      rec.events.push(`error:${String(e)}`);
      call.reject(500);
    });
  }

  private async answer(call: IncomingCall, rec: MediaCallRecord): Promise<void> {
    const caps = { address: '127.0.0.1', port: 0, codecs: ['PCMU', 'PCMA'] as ('PCMU' | 'PCMA')[], telephoneEvent: true };
    // The codec does not depend on our port: negotiate once to learn it, open the media,
    // then answer with the real port.
    let params;
    if (call.offer) {
      const probe = answerOffer(call.offer, caps);
      if (!probe.ok) {
        call.reject(488);
        return;
      }
      const m = probe.value.media;
      params = { codec: m.codec.name, payloadType: m.codec.payloadType, telephoneEventPayloadType: m.telephoneEventPayloadType, ptime: m.ptime, remote: { address: m.remoteAddress, port: m.remotePort, rtcpPort: m.rtcpPort } };
    } else {
      params = { codec: 'PCMU' as const, payloadType: 0, telephoneEventPayloadType: 101, ptime: 20, remote: null };
    }
    const opened = await CallMedia.open({ ...params, allocator: this.allocator, localAddress: '127.0.0.1', mediaClock: this.mediaClock, clock: systemClock, logger: this.log, inbandDtmf: this.options.inbandDtmf ?? false });
    if (!opened.ok) {
      call.reject(503);
      return;
    }
    const media = opened.value;
    rec.media = media;
    media.onDtmf((e) => rec.digits.push(e));
    const real = { ...caps, port: this.options.advertisePort ? await this.options.advertisePort(media.localPort) : media.localPort };
    let ourOffer = null;
    if (call.offer) {
      const a = answerOffer(call.offer, real);
      if (!a.ok) throw new Error(a.error.reason);
      call.accept({ sdp: a.value.answer });
    } else {
      ourOffer = createOffer(real);
      call.accept({ sdp: ourOffer });
    }
    rec.events.push('answered');
    call.on('info', (req) => {
      rec.events.push('info');
      media.deliverInfo(req.headers.get('content-type') ?? '', req.body);
    });
    call.on('ack', (answer) => {
      rec.events.push('ack');
      if (ourOffer && answer) {
        const n = acceptAnswer(ourOffer, answer);
        if (n.ok) media.setRemote(n.value.remoteAddress, n.value.remotePort, n.value.rtcpPort);
      }
      void (async () => {
        if (this.options.prompt) await media.play(this.options.prompt);
        if (this.options.prompts) await Promise.all(this.options.prompts.map((p) => media.play(p)));
        await media.startRecording(path.join(this.dir, `${rec.callId.replace(/[^\w.-]/g, '_')}.wav`), { maxDurationMs: this.options.maxDurationMs ?? 180_000 });
        rec.recordingStartedAt = performance.now();
        rec.events.push('recording');
      })();
    });
    call.on('terminated', (reason) => {
      rec.events.push(`terminated:${reason}`);
      void (async () => {
        rec.recordingStoppedAt = performance.now();
        rec.recording = await media.stopRecording('hangup');
        await media.close();
        rec.events.push('closed');
      })();
    });
  }
}
