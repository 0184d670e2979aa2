import { findHeaderEnd } from '../message/parser.js';

/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3): each message ends at its
 * header section's empty line plus Content-Length octets, which is mandatory on a
 * stream. Leading CRLFs are skipped; a double-CRLF keep-alive ping is reported so the
 * connection can answer with a single CRLF pong (RFC 5626 §3.5.1).
 *
 * Memory is bounded: a message may not exceed `maxMessageBytes`, so at most that much
 * (plus one read chunk) is ever buffered for one connection.
 */
export type FrameResult =
  | { readonly kind: 'message'; readonly data: Buffer }
  | { readonly kind: 'ping' }
  | { readonly kind: 'error'; readonly reason: string; readonly status: 400 | 513; readonly data: Buffer | null };

const CL_RE = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$/gim;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes held that do not yet form a message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Whether a message has started but is not complete (for the per-message timeout). */
  get inMessage(): boolean {
    return this.buf.length > 0;
  }

  /**
   * Add bytes and take out every complete message. After an 'error' result the stream
   * cannot be re-synchronised: the caller must close the connection.
   */
  push(chunk: Buffer): FrameResult[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: FrameResult[] = [];
    for (;;) {
      let i = 0;
      let crlfs = 0;
      while (i < this.buf.length && (this.buf[i] === 0x0d || this.buf[i] === 0x0a)) {
        if (this.buf[i] === 0x0a) crlfs++;
        i++;
      }
      if (crlfs >= 2) out.push({ kind: 'ping' });
      if (i > 0) this.buf = this.buf.subarray(i);
      if (this.buf.length === 0) break;

      const he = findHeaderEnd(this.buf);
      if (!he) {
        if (this.buf.length > this.maxMessageBytes) return this.fail(out, 'header section exceeds the size limit', 513, null);
        break;
      }
      const [headEnd, bodyStart] = he;
      const head = this.buf.toString('latin1', 0, headEnd);
      const cls = [...head.matchAll(CL_RE)];
      if (cls.length === 0) {
        return this.fail(out, 'Content-Length is required on a stream transport', 400, this.buf.subarray(0, bodyStart));
      }
      if (cls.length > 1) return this.fail(out, 'more than one Content-Length', 400, this.buf.subarray(0, bodyStart));
      const clText = cls[0]![1]!;
      if (!/^\d{1,10}$/.test(clText)) return this.fail(out, 'Content-Length is not a valid number', 400, this.buf.subarray(0, bodyStart));
      const total = bodyStart + Number(clText);
      if (total > this.maxMessageBytes) return this.fail(out, 'message exceeds the size limit', 513, this.buf.subarray(0, bodyStart));
      if (this.buf.length < total) break;
      out.push({ kind: 'message', data: this.buf.subarray(0, total) });
      this.buf = this.buf.subarray(total);
    }
    // Do not pin a large chunk in memory for a few left-over bytes.
    if (this.buf.length > 0 && this.buf.byteOffset > 0) this.buf = Buffer.from(this.buf);
    return out;
  }

  private fail(out: FrameResult[], reason: string, status: 400 | 513, data: Buffer | null): FrameResult[] {
    this.failed = true;
    out.push({ kind: 'error', reason, status, data: data ? Buffer.from(data) : null });
    this.buf = Buffer.alloc(0);
    return out;
  }
}
