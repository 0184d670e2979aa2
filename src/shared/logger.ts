/**
 * The logger type every module takes. Concrete pino instances are made in the
 * composition root (main.ts) and passed down; modules make child loggers per call or
 * transaction (`log.child({ callId })`, or `lazyChild` on the per-call hot path).
 */
import { pino, type Bindings, type Logger } from 'pino';

export type { Logger };

/** A logger that discards everything (library use and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

const { chindingsSym } = pino.symbols;

/**
 * `parent.child(bindings)` whose bindings are serialised only when it first writes a line.
 *
 * Why: pino serialises a child's bindings when the child is made, through the redaction
 * of every path (`*.pin`, …) — for a `{ callId }` that is then never used (a call that
 * logs nothing at `warn`) it was a tenth of what the SIP thread allocated per call at
 * 2,500 calls (BENCHMARKS.md §4). This is pino's own child (an object whose prototype is
 * the parent, so level, serialisers and redaction are the parent's) with the serialised
 * bindings made on first use by `parent.child(bindings)` itself: the same line, later.
 * `bindings` must not change afterwards (it is read when the first line is written, or
 * when `bindings()` is asked for: the media worker pool sends them with each call).
 */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  const child = Object.create(parent) as Logger;
  let serialised: string | undefined;
  Object.defineProperty(child, chindingsSym, {
    configurable: true,
    get: (): string => (serialised ??= (parent.child(bindings) as unknown as Record<symbol, string>)[chindingsSym]!),
    // pino's setBindings assigns it.
    set: (v: string): void => {
      serialised = v;
    },
  });
  return child;
}
