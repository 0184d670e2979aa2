/**
 * Errors the data commands (`mailbox`, `messages`, `tenant`) end with, each carrying
 * its exit code, and the mapping of store errors onto those codes. Scripts branch on
 * the code (3 not found, 4 conflict), people read the message.
 */
import { EXIT_CONFLICT, EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE } from './exit-codes.js';

export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(EXIT_USAGE, message);
export const notFound = (message: string): CliError => new CliError(EXIT_NOT_FOUND, message);
export const conflict = (message: string): CliError => new CliError(EXIT_CONFLICT, message);

/**
 * Every validation problem of one command line, reported together (like the config
 * loader does) so that one edit fixes them all.
 */
export class Problems {
  private readonly list: string[] = [];

  /** `option` is the flag or argument at fault (`--max-length`, `ID`). */
  add(option: string, message: string): void {
    this.list.push(`${option}: ${message}`);
  }

  /** The value of a check, or undefined after recording its problem. */
  take<T>(option: string, result: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string }): T | undefined {
    if (result.ok) return result.value;
    this.add(option, result.error);
    return undefined;
  }

  /** Throws a usage error (exit 2) listing every problem, if there is any. */
  throwIfAny(): void {
    if (this.list.length === 1) throw usageError(this.list[0] ?? '');
    if (this.list.length > 1) throw usageError(`invalid options:\n${this.list.map((p) => `  ${p}`).join('\n')}`);
  }
}

const STORE_EXIT_CODES: Readonly<Record<string, number>> = {
  VM_STORE_INVALID: EXIT_USAGE,
  VM_STORE_NOT_FOUND: EXIT_NOT_FOUND,
  VM_STORE_UNKNOWN_TENANT: EXIT_NOT_FOUND,
  VM_STORE_DUPLICATE_TENANT: EXIT_CONFLICT,
  VM_STORE_DUPLICATE_MAILBOX: EXIT_CONFLICT,
  VM_STORE_NUMBER_TAKEN: EXIT_CONFLICT,
};

/**
 * The exit code and stderr line for anything a command threw. Store errors are matched
 * by their stable `code` (docs/errors.md), so a race the command's own checks missed
 * (another process took the number meanwhile) still exits 3 or 4.
 */
export function describeFailure(e: unknown): { exitCode: number; message: string } {
  if (e instanceof CliError) return { exitCode: e.exitCode, message: e.message };
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { exitCode: STORE_EXIT_CODES[code] ?? EXIT_FAILURE, message: `${code}: ${e.message}` };
    return { exitCode: EXIT_FAILURE, message: e.message };
  }
  return { exitCode: EXIT_FAILURE, message: String(e) };
}
