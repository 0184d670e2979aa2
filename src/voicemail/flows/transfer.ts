/**
 * Sending an answered caller to the operator with REFER (RFC 3515): the PBX or the
 * caller's phone places the new call; we hang up once the transfer is under way.
 */
import type { FlowContext } from './flow-context.js';

/** How long to wait for the NOTIFY that the transfer target answered before leaving anyway. */
const NOTIFY_WAIT_MS = 4_000;

/** Returns true if the caller was handed over (REFER accepted); false lets the flow go on. */
export async function transferToOperator(ctx: FlowContext): Promise<boolean> {
  const { session, mailbox, log } = ctx;
  const target = mailbox.operatorUri;
  if (target === null || session.ended.aborted) return false;
  log.info({ operator: target }, 'transferring the caller to the operator (REFER)');
  const notified = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, NOTIFY_WAIT_MS);
    t.unref();
    session.call.on('notify', (status) => {
      if (status >= 200) {
        clearTimeout(t);
        resolve();
      }
    });
    session.ended.addEventListener('abort', () => resolve(), { once: true });
  });
  const { status } = await session.call.refer(target);
  if (status < 200 || status >= 300) {
    log.warn({ status }, 'the transfer was refused; staying in voicemail');
    return false;
  }
  await notified;
  session.hangup();
  return true;
}
