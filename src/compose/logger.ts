/**
 * The one pino logger of a running server: one JSON line per event on stdout, level from
 * the config, secrets redacted wherever a module puts them (`{ pin }`, `{ user: { password } }`).
 */
import type { DestinationStream } from 'pino';
import { pino } from 'pino';
import type { LogLevel } from '../config/index.js';
import type { Logger } from '../shared/logger.js';

const SECRET_KEYS = ['password', 'pin', 'newPin', 'oldPin', 'secret', 'token', 'apiKey', 'authorization', 'cookie'];

/**
 * pino redact paths: the secret keys at the top of a log object and one and two levels
 * down (`*.pin`, `*.*.pin`), plus HTTP request headers.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export const REDACTED = '[redacted]';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'voxmail',
      level,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous stdout: nothing is lost when the process exits right after a signal.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
