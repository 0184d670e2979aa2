/** An error in words for the user: the API's own message, or ours for network and missing routes. */
import { ApiError } from '../api/client.js';
import type { Translate } from '../i18n/index.js';

export function describeError(err: unknown, t: Translate): string {
  if (err instanceof ApiError) {
    if (err.code === 'NETWORK') return t('error.network');
    // A route this server does not have yet: the generic 404 of an unknown path.
    if (err.status === 404 && err.message === 'no such resource') return t('toast.notAvailable');
    return err.message;
  }
  return t('error.generic', { why: err instanceof Error ? err.message : String(err) });
}
