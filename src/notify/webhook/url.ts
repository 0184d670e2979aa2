/**
 * The webhook URL checks, made before any secret is read or byte is sent. The URL was
 * queued from the tenant's settings at event time, so a bad one fails the notification
 * for good: retrying the same string cannot make it valid.
 */
import { err, ok, type Result } from '../../shared/result.js';

export function parseWebhookUrl(recipient: string): Result<URL> {
  let url: URL;
  try {
    url = new URL(recipient);
  } catch {
    return err('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err(`webhook URL must be http(s) (got ${url.protocol.slice(0, 20)})`);
  }
  // fetch refuses credentials in the URL; say why here instead of a generic TypeError.
  if (url.username !== '' || url.password !== '') {
    return err('webhook URL must not contain user:password@ (authenticate with the signature)');
  }
  return ok(url);
}

/**
 * The URL as logs show it: scheme, host and path only. Query strings often hold tokens
 * (`?key=…`), so they stay out of log files.
 */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
