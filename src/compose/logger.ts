/**
 * The one pino logger of a running server: one JSON line per event on stdout, level from
 * the config, secrets redacted wherever a module puts them (`{ pin }`, `{ user: { password } }`).
 */
import type { DestinationStream } from 'pino';
import { pino } from 'pino';
import type { LogLevel } from '../config/index.js';
import { REDACT_PATHS, REDACTED, type Logger } from '../shared/logger.js';

export { REDACT_PATHS, REDACTED } from '../shared/logger.js';

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
