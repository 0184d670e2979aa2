/**
 * The list's bookkeeping, pure: which messages belong to the current view, where a
 * message goes (newest first: receivedAt, then id, descending, like the API's pages),
 * and how a live event changes the list. Returns the same array when nothing changes.
 */
import type { Folder, LiveEvent, Message } from '../api/types.js';

export interface View {
  /** '' for every mailbox the user sees. */
  mailboxId: string;
  folder: Folder;
  /** A search is active: new messages are not inserted (they may not match it). */
  q: string;
}

export function matchesView(m: Message, view: View): boolean {
  return (view.mailboxId === '' || m.mailboxId === view.mailboxId) && m.folder === view.folder;
}

/** Newer first: a negative number when a comes before b. */
export function compareNewestFirst(a: Message, b: Message): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

export function insertSorted(list: readonly Message[], m: Message): Message[] {
  const rest = list.filter((x) => x.id !== m.id);
  const at = rest.findIndex((x) => compareNewestFirst(m, x) < 0);
  return at < 0 ? [...rest, m] : [...rest.slice(0, at), m, ...rest.slice(at)];
}

export function applyLive(list: Message[], event: LiveEvent, view: View): Message[] {
  switch (event.type) {
    case 'message.created': {
      const m = event.message;
      if (view.q || !matchesView(m, view) || list.some((x) => x.id === m.id)) return list;
      return insertSorted(list, m);
    }
    case 'message.updated': {
      const m = event.message;
      const present = list.some((x) => x.id === m.id);
      if (!matchesView(m, view)) return present ? list.filter((x) => x.id !== m.id) : list;
      if (present) return list.map((x) => (x.id === m.id ? m : x));
      if (view.q) return list;
      // Only where it falls inside the loaded part (an older one belongs to a later page).
      const last = list[list.length - 1];
      return last && compareNewestFirst(m, last) > 0 ? list : insertSorted(list, m);
    }
    case 'message.deleted':
      return list.some((x) => x.id === event.id) ? list.filter((x) => x.id !== event.id) : list;
    default:
      return list;
  }
}

/** Parses one SSE `data:` of a named event; null when it is not what docs/api.md says. */
export function parseLiveEvent(type: string, data: string): LiveEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (type === 'message.created' || type === 'message.updated') {
    const m = b.message;
    if (typeof m !== 'object' || m === null || typeof (m as { id?: unknown }).id !== 'string') return null;
    return { type, message: m as Message };
  }
  if (type === 'message.deleted' && typeof b.id === 'string') {
    return { type, id: b.id, tenantId: typeof b.tenantId === 'string' ? b.tenantId : '', mailboxId: typeof b.mailboxId === 'string' ? b.mailboxId : '' };
  }
  return null;
}
