/**
 * Reading the receiver's response within a byte budget. Only a short excerpt is kept
 * (for the error shown by `voxmail messages show`), and a receiver that answers with
 * megabytes, or never stops, must not cost us memory.
 */

/** At most `maxBytes` of `body`; the rest is cancelled, which also releases the connection. */
export async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const next = await reader.read();
      if (next.done) break;
      const take = Math.min(next.value.byteLength, maxBytes - total);
      chunks.push(Buffer.from(next.value.buffer, next.value.byteOffset, take));
      total += take;
    }
    return Buffer.concat(chunks, total);
  } finally {
    // Errors here (stream already errored or aborted) change nothing for the result.
    await reader.cancel().catch(() => undefined);
  }
}

const EXCERPT_CHARS = 200;

/** A one-line, printable excerpt of a response body for error messages; '' when empty. */
export function excerpt(body: Buffer): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const text = body.toString('utf8').replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
