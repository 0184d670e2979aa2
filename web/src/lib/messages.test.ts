import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types.js';
import { applyLive, insertSorted, parseLiveEvent, type View } from './messages.js';

const msg = (id: string, receivedAt: string, extra: Partial<Message> = {}): Message => ({
  id,
  tenantId: 'demo',
  mailboxId: '100',
  callerNumber: '+7495',
  callerName: null,
  calledNumber: null,
  reason: 'busy',
  receivedAt,
  durationMs: 1000,
  heard: false,
  folder: 'inbox',
  folderChangedAt: receivedAt,
  recovered: false,
  sizeBytes: 100,
  audioUrl: `/api/v1/messages/${id}/audio`,
  ...extra,
});
const view: View = { mailboxId: '', folder: 'inbox', q: '' };

describe('live events', () => {
  const list = [msg('b', '2026-01-02T00:00:00Z'), msg('a', '2026-01-01T00:00:00Z')];

  it('puts a new message at the top, once', () => {
    const c = msg('c', '2026-01-03T00:00:00Z');
    const after = applyLive(list, { type: 'message.created', message: c }, view);
    expect(after.map((m) => m.id)).toEqual(['c', 'b', 'a']);
    expect(applyLive(after, { type: 'message.created', message: c }, view)).toBe(after);
  });

  it('ignores new messages of another folder or mailbox, or while searching', () => {
    const c = msg('c', '2026-01-03T00:00:00Z');
    expect(applyLive(list, { type: 'message.created', message: c }, { ...view, folder: 'saved' })).toBe(list);
    expect(applyLive(list, { type: 'message.created', message: c }, { ...view, mailboxId: '200' })).toBe(list);
    expect(applyLive(list, { type: 'message.created', message: c }, { ...view, q: 'x' })).toBe(list);
  });

  it('updates in place, drops what moved away, and removes purged ones', () => {
    const heard = applyLive(list, { type: 'message.updated', message: { ...list[0]!, heard: true } }, view);
    expect(heard[0]?.heard).toBe(true);
    const moved = applyLive(list, { type: 'message.updated', message: { ...list[0]!, folder: 'trash' } }, view);
    expect(moved.map((m) => m.id)).toEqual(['a']);
    expect(applyLive(list, { type: 'message.deleted', id: 'a', tenantId: 'demo', mailboxId: '100' }, view).map((m) => m.id)).toEqual(['b']);
  });

  it('inserts a restored message in order', () => {
    expect(insertSorted(list, msg('m', '2026-01-01T12:00:00Z')).map((m) => m.id)).toEqual(['b', 'm', 'a']);
  });

  it('parses event data as docs/api.md describes it, refusing anything else', () => {
    const m = msg('x', '2026-01-01T00:00:00Z');
    expect(parseLiveEvent('message.created', JSON.stringify({ message: m }))).toEqual({ type: 'message.created', message: m });
    expect(parseLiveEvent('message.deleted', '{"id":"x","tenantId":"demo","mailboxId":"100"}')).toEqual({ type: 'message.deleted', id: 'x', tenantId: 'demo', mailboxId: '100' });
    expect(parseLiveEvent('message.created', '{broken')).toBeNull();
    expect(parseLiveEvent('message.updated', '{"message":{}}')).toBeNull();
    expect(parseLiveEvent('other', '{}')).toBeNull();
  });
});
