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
/** A lazy child's own bindings, for bindingsOf (null once pino's setBindings replaced them). */
const RAW_BINDINGS = Symbol('voxmail.lazyChild.bindings');

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
  const own: { raw: Bindings | null } = { raw: bindings };
  Object.defineProperty(child, chindingsSym, {
    configurable: true,
    get: (): string => (serialised ??= (parent.child(bindings) as unknown as Record<symbol, string>)[chindingsSym]!),
    // pino's setBindings assigns it: from then on only pino's bindings() knows them.
    set: (v: string): void => {
      serialised = v;
      own.raw = null;
    },
  });
  Object.defineProperty(child, RAW_BINDINGS, { value: own });
  return child;
}

/**
 * `logger.bindings()` — the bindings of the logger and of every logger it descends from —
 * without making a lazy child serialise them: the lazy children's own objects, merged
 * over the nearest eager logger's `bindings()`.
 *
 * Why: the media worker pool sends a call's bindings with each call to the worker, which
 * logs for it; `bindings()` on a lazy child serialised it on the SIP thread anyway, for a
 * call that then logs nothing. Unlike `bindings()` the values are not redacted or passed
 * through JSON: the receiving logger must redact (the workers use `REDACT_PATHS`). A value
 * that is not a string, number, boolean or null (it might not survive a structured clone,
 * or it serialises in its own way) makes this fall back to `bindings()`.
 */
export function bindingsOf(logger: Logger): Bindings {
  const own = Object.hasOwn(logger, RAW_BINDINGS) ? (logger as unknown as Record<symbol, { raw: Bindings | null }>)[RAW_BINDINGS]!.raw : undefined;
  if (own === undefined || own === null || !Object.values(own).every(isPlain)) return logger.bindings();
  return { ...bindingsOf(Object.getPrototypeOf(logger) as Logger), ...own };
}

function isPlain(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

const SECRET_KEYS = ['password', 'pin', 'newPin', 'oldPin', 'secret', 'token', 'apiKey', 'authorization', 'cookie'];

/**
 * pino redact paths of every Voxmail logger (the server's and the media workers'): the
 * secret keys at the top of a log object and one and two levels down (`*.pin`,
 * `*.*.pin`), plus HTTP request headers.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
];

/** What a redacted value reads in a log line. */
export const REDACTED = '[redacted]';
