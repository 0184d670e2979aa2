/**
 * The live feed (GET /api/v1/events, server-sent events). EventSource reconnects by
 * itself after a dropped connection; when the server refuses (404 on a server without
 * the route, 401 after the session ended) it gives up, so we try again ourselves, with a
 * growing pause. After any reconnect the list is reloaded: events missed meanwhile are gone.
 */
import { API } from '../api/client.js';
import type { LiveEvent } from '../api/types.js';
import { parseLiveEvent } from './messages.js';

export type LiveStatus = 'connecting' | 'open' | 'down';

export interface LiveHandlers {
  onEvent: (event: LiveEvent) => void;
  onStatus: (status: LiveStatus) => void;
  onReconnect: () => void;
}

const TYPES = ['message.created', 'message.updated', 'message.deleted'] as const;

/** Connects; returns the function that disconnects. */
export function connectLive(handlers: LiveHandlers): () => void {
  if (typeof EventSource === 'undefined') return () => undefined;
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let wasOpen = false;
  let lost = false;
  let pause = 5000;
  let closed = false;

  const open = (): void => {
    source = new EventSource(`${API}/events`, { withCredentials: true });
    handlers.onStatus('connecting');
    source.onopen = () => {
      handlers.onStatus('open');
      pause = 5000;
      if (wasOpen && lost) handlers.onReconnect();
      wasOpen = true;
      lost = false;
    };
    source.onerror = () => {
      lost = true;
      handlers.onStatus('down');
      if (source?.readyState === EventSource.CLOSED && !closed) {
        source = null;
        retry = setTimeout(open, pause);
        pause = Math.min(pause * 2, 60_000);
        wasOpen = true;
      }
    };
    for (const type of TYPES) {
      source.addEventListener(type, (e) => {
        const event = parseLiveEvent(type, String(e.data));
        if (event) handlers.onEvent(event);
      });
    }
  };
  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}
