/**
 * What an HTTP status means for the outbox: delivered, try again later, or give up now.
 * Giving up early matters as much as retrying: a receiver that says "this will never
 * work" (400, 401, 404, 410) should not be hammered for a day.
 */

export type StatusClass = 'ok' | 'retry' | 'permanent' | 'redirect';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  // Redirects are not followed (the signed body must not go to an address nobody
  // configured); retrying would get the same redirect, so the caller fails it for good.
  if (status >= 300 && status < 400) return 'redirect';
  // Request Timeout and Too Many Requests are the receiver asking us to come back later.
  if (status === 408 || status === 429) return 'retry';
  // 410 Gone and the other client errors: the receiver refuses this request as it is;
  // sending the same bytes again cannot help.
  if (status >= 400 && status < 500) return 'permanent';
  // 5xx, and anything outside the registry: the receiver's trouble, hopefully temporary.
  return 'retry';
}
