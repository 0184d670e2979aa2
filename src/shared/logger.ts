/**
 * The logger type every module takes. Concrete pino instances are made in the
 * composition root (main.ts) and passed down; modules make child loggers per call or
 * transaction (`log.child({ callId })`).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger that discards everything (library use and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
