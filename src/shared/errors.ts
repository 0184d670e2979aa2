/**
 * Errors with a stable machine-readable code. Every code is listed in docs/errors.md;
 * operators grep logs for them, so codes are never renamed once released.
 */
export class VoxmailError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VoxmailError';
    this.code = code;
  }
}
