import type { SipResponse } from '../message/types.js';
import type { ClientRequest } from '../transaction/client-transaction.js';
import type { Destination } from '../transport/types.js';
import type { SubscriptionHost } from './types.js';

/**
 * Send a non-INVITE request in a client transaction and resolve with its final status:
 * 408 when Timer F fires (RFC 3261 §17.1.2.2, §8.1.3.1). A guard a little longer than
 * Timer F settles it as 408 too if the request could not be sent at all (stack closing).
 */
export function requestStatus(host: SubscriptionHost, request: ClientRequest, destination: Destination): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const settle = (status: number): void => {
      if (done) return;
      done = true;
      guard.cancel();
      resolve(status);
    };
    const guard = host.clock.setTimer(64 * host.timers.T1 + 1000, () => settle(408));
    host.sendRequest(request, destination, {
      onResponse: (res: SipResponse) => {
        if (res.status >= 200) settle(res.status);
      },
      onTimeout: () => settle(408),
    });
  });
}
