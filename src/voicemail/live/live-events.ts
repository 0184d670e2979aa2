/**
 * Live updates for open inboxes (the web app's server-sent events): what changed in a
 * mailbox, published after the change committed. In-process only — the CLI, running in
 * another process, changes the database without reaching the server's open inboxes;
 * the web app reloads its list whenever its event stream reconnects, so nothing stays
 * stale for long.
 *
 * Listeners must be cheap and must not throw (an SSE stream only writes to its socket);
 * a throwing listener is isolated so it cannot break the change that published.
 */
import type { Message } from '../model.js';

export type LiveEvent =
  | { readonly type: 'message.created'; readonly message: Message }
  | { readonly type: 'message.updated'; readonly message: Message }
  | { readonly type: 'message.deleted'; readonly id: string; readonly tenantId: string; readonly mailboxId: string };

export type LiveListener = (event: LiveEvent) => void;

/** Where a live event happened: what the scope check of a subscriber needs. */
export function mailboxOf(event: LiveEvent): { readonly tenantId: string; readonly mailboxId: string } {
  return event.type === 'message.deleted' ? event : event.message;
}

export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();

  /** Returns the function that unsubscribes (idempotent). */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure is its own (it closes its stream); the change is done.
      }
    }
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
