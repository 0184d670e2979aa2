import type { SipStack } from '../../src/sip/index.js';
import { MediaTestApp } from './media-app.js';
import { LossyRtpRelay } from './rtp-relay.js';
import { startStack } from './stack.js';

export interface RelayedMediaApp {
  readonly app: MediaTestApp;
  readonly stack: SipStack;
  /** One relay per call, in call order. */
  readonly relays: readonly LossyRtpRelay[];
  close(): Promise<void>;
}

/**
 * The SIP stack + media test app with every call's incoming RTP through a
 * `LossyRtpRelay` (our SDP names the relay's port), losing and reordering at the given
 * rates (0, 0: a relay that only counts what the caller sent).
 */
export async function startRelayedMediaApp(lossRate: number, reorderRate: number): Promise<RelayedMediaApp> {
  const relays: LossyRtpRelay[] = [];
  const app = new MediaTestApp({
    advertisePort: async (mediaPort) => {
      const relay = new LossyRtpRelay({ address: '127.0.0.1', port: mediaPort }, lossRate, reorderRate);
      relays.push(relay);
      return relay.start();
    },
  });
  const stack = await startStack(app);
  return {
    app,
    stack,
    relays,
    close: async () => {
      await stack.close();
      await app.settle();
      app.close();
      for (const r of relays) r.close();
    },
  };
}
