/** Poll `check` until it returns true or `timeoutMs` passes; then fail with `what()`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: () => string, intervalMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
