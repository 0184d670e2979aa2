import { findHeaderEnd } from '../message/parser.js';

/**
 * Cuts a TCP byte stream into SIP messages (RFC 3261 §18.3): each message ends at its
 * header section's empty line plus Content-Length octets, which is mandatory on a
 * stream. Leading CRLFs are skipped; a double-CRLF keep-alive ping is reported so the
 * connection can answer with a single CRLF pong (RFC 5626 §3.5.1).
 *
 * Cost is linear in the bytes received however the peer splits them: bytes go into one
 * growing buffer (amortised copies), the search for the header end resumes where the
 * last one stopped, and the header section is read once per message. A peer sending a
 * 64 KB header one byte at a time costs ~64 KB of work, not 2 GB of re-copying.
 * Memory is bounded: a message may not exceed `maxMessageBytes`.
 */
export type FrameResult =
  | { readonly kind: 'message'; readonly data: Buffer }
  | { readonly kind: 'ping' }
  | { readonly kind: 'error'; readonly reason: string; readonly status: 400 | 513; readonly data: Buffer | null };

const CL_RE = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$/gim;
const INITIAL_CAPACITY = 4096;

export class StreamFramer {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  /** Unconsumed bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  /** Where the search for the header end resumes (absolute index in buf). */
  private scanFrom = 0;
  /** Size of the message at `start` once its header section has been read. */
  private pendingTotal = -1;
  /** LFs seen in a run of CR/LF between messages (a ping may span reads). */
  private crlfRun = 0;
  private failed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes held that do not yet form a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Whether a message has started but is not complete (for the per-message timeout). */
  get inMessage(): boolean {
    return this.end > this.start;
  }

  /**
   * Add bytes and take out every complete message. After an 'error' result the stream
   * cannot be re-synchronised: the caller must close the connection.
   */
  push(chunk: Buffer): FrameResult[] {
    if (this.failed) return [];
    this.append(chunk);
    const out: FrameResult[] = [];
    for (;;) {
      if (this.pendingTotal < 0) {
        // Between messages: skip CR/LF, noting a CRLF CRLF keep-alive.
        while (this.start < this.end && (this.buf[this.start] === 0x0d || this.buf[this.start] === 0x0a)) {
          if (this.buf[this.start] === 0x0a && ++this.crlfRun === 2) out.push({ kind: 'ping' });
          this.start++;
        }
        if (this.start === this.end) break;
        this.crlfRun = 0;
        if (this.scanFrom < this.start) this.scanFrom = this.start;

        const view = this.buf.subarray(0, this.end);
        const he = findHeaderEnd(view, Math.max(this.start, this.scanFrom - 3));
        if (!he) {
          this.scanFrom = this.end;
          if (this.end - this.start > this.maxMessageBytes) return this.fail(out, 'header section exceeds the size limit', 513, null);
          break;
        }
        const [headEnd, bodyStart] = he;
        const headBytes = (): Buffer => this.buf.subarray(this.start, bodyStart);
        const cls = [...this.buf.toString('latin1', this.start, headEnd).matchAll(CL_RE)];
        if (cls.length === 0) return this.fail(out, 'Content-Length is required on a stream transport', 400, headBytes());
        if (cls.length > 1) return this.fail(out, 'more than one Content-Length', 400, headBytes());
        const clText = cls[0]![1]!;
        if (!/^\d{1,10}$/.test(clText)) return this.fail(out, 'Content-Length is not a valid number', 400, headBytes());
        const total = bodyStart - this.start + Number(clText);
        if (total > this.maxMessageBytes) return this.fail(out, 'message exceeds the size limit', 513, headBytes());
        this.pendingTotal = total;
      }
      if (this.end - this.start < this.pendingTotal) break;
      // Copy out: the buffer is reused for the next bytes.
      out.push({ kind: 'message', data: Buffer.from(this.buf.subarray(this.start, this.start + this.pendingTotal)) });
      this.start += this.pendingTotal;
      this.scanFrom = this.start;
      this.pendingTotal = -1;
    }
    if (this.start === this.end) {
      this.start = this.end = this.scanFrom = 0;
      // Give back memory a large message made us take.
      if (this.buf.length > 4 * INITIAL_CAPACITY) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
    }
    return out;
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const need = live + chunk.length;
      const target = need > this.buf.length / 2 ? Math.max(2 * this.buf.length, need) : this.buf.length;
      const next = target === this.buf.length ? this.buf : Buffer.allocUnsafe(target);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.scanFrom -= this.start;
      this.end = live;
      this.start = 0;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private fail(out: FrameResult[], reason: string, status: 400 | 513, data: Buffer | null): FrameResult[] {
    this.failed = true;
    out.push({ kind: 'error', reason, status, data: data ? Buffer.from(data) : null });
    this.buf = Buffer.alloc(0);
    this.start = this.end = this.scanFrom = 0;
    return out;
  }
}
