/**
 * The logger type every module takes. Concrete pino instances are made in the
 * composition root (main.ts) and passed down; modules make child loggers per call or
 * transaction (`log.child({ callId })`).
 */
export type { Logger } from 'pino';
import { pino } from 'pino';

/** A logger that discards everything (library use and tests). */
export function silentLogger(): import('pino').Logger {
  return pino({ level: 'silent' });
}
