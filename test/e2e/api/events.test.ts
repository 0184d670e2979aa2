/**
 * Live updates over server-sent events: each stream carries exactly the changes of the
 * mailboxes its user may see (never another tenant's or another owner's), ends when the
 * session ends, and the number of streams per user is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STREAMS_PER_USER } from '../../../src/http/routes/events.js';
import { call, type Harness, login, type Session, Sessions, startHarness } from './harness.js';

interface SseEvent {
  readonly event: string;
  readonly id: string | null;
  readonly data: unknown;
}

/** A text/event-stream reader over fetch, the way EventSource parses it (one `data:` line per frame here). */
class EventStream {
  private readonly events: SseEvent[] = [];
  private waiters: (() => void)[] = [];
  ended = false;
  readonly status: number;

  private constructor(
    private readonly response: Response,
    private readonly abort: AbortController,
  ) {
    this.status = response.status;
  }

  static async open(h: Harness, session: Session): Promise<EventStream> {
    const abort = new AbortController();
    const response = await fetch(`${h.base}/api/v1/events`, { headers: { cookie: session.cookie, accept: 'text/event-stream' }, signal: abort.signal });
    const s = new EventStream(response, abort);
    if (response.ok) void s.pump();
    return s;
  }

  private async pump(): Promise<void> {
    const body = this.response.body;
    if (!body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const event = fields.get('event');
          if (event !== undefined) this.events.push({ event, id: fields.get('id') ?? null, data: JSON.parse(fields.get('data') ?? 'null') });
          this.wake();
        }
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next event that is not a `ready`, or null if none comes within `ms`. */
  async next(ms = 2_000): Promise<SseEvent | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.events.findIndex((e) => e.event !== 'ready');
      if (i >= 0) return this.events.splice(i, 1)[0] ?? null;
      if (this.ended || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 100 && !this.events.some((e) => e.event === 'ready'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(this.events.some((e) => e.event === 'ready'), 'the stream starts with a ready event');
  }

  async waitEnded(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }
}

let h: Harness;
const sessions = new Sessions();
const streams: EventStream[] = [];
before(async () => {
  h = await startHarness({ eventsPingMs: 200 });
  await sessions.logIn(h, ['acme-admin', 'alice@acme.example', 'bob', 'beta-admin']);
});
after(async () => {
  for (const st of streams) st.close();
  await h.close();
});

const as = sessions.as;
async function open(user: string): Promise<EventStream> {
  const st = await EventStream.open(h, as(user));
  streams.push(st);
  assert.equal(st.status, 200);
  await st.ready();
  return st;
}

describe('GET /api/v1/events', () => {
  test('each user hears the changes of the mailboxes they may see, and only those', async () => {
    const alice = await open('alice@acme.example'); // owner of acme/100
    const admin = await open('acme-admin'); // every acme mailbox
    const beta = await open('beta-admin'); // another tenant with a mailbox "100" too

    const r = await call(h, '/api/v1/messages/a100-1/heard', { method: 'POST', session: as('alice@acme.example') });
    assert.equal(r.status, 200);
    for (const st of [alice, admin]) {
      const e = await st.next();
      assert.equal(e?.event, 'message.updated');
      const m = (e?.data as { message: { id: string; heard: boolean; mailboxId: string; tenantId: string; audioUrl: string } }).message;
      assert.deepEqual([m.id, m.heard, m.tenantId, m.mailboxId], ['a100-1', true, 'acme', '100']);
      assert.match(m.audioUrl, /^\/api\/v1\/messages\/a100-1\/audio/);
      assert.ok(e?.id !== null && Number(e?.id) > 0, 'every event has an id');
    }

    // acme/101 is Bob's: the acme admin hears it, Alice does not; beta hears nothing of acme.
    assert.equal((await call(h, '/api/v1/messages/a101-0', { method: 'DELETE', session: as('bob') })).status, 204);
    const deleted = await admin.next();
    assert.equal(deleted?.event, 'message.deleted');
    assert.deepEqual(deleted?.data, { id: 'a101-0', tenantId: 'acme', mailboxId: '101' });

    // beta's own change reaches beta only.
    assert.equal((await call(h, '/api/v1/messages/b100-0/heard', { method: 'POST', session: as('beta-admin') })).status, 200);
    const own = await beta.next();
    assert.equal(own?.event, 'message.updated');
    assert.equal((own?.data as { message: { tenantId: string } }).message.tenantId, 'beta');

    assert.equal(await alice.next(300), null, 'alice heard nothing of 101 or of beta');
    assert.equal(await admin.next(300), null, 'the acme admin heard nothing of beta');
    assert.equal(await beta.next(300), null, 'beta heard nothing of acme');
    for (const st of [alice, admin, beta]) st.close();
  });

  test('without a session: 401, no stream', async () => {
    const r = await fetch(`${h.base}/api/v1/events`);
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'VM_API_UNAUTHENTICATED');
  });

  test('logging out ends the open stream within a ping, and the reconnect is refused', async () => {
    const session = await login(h, 'bob');
    const st = await EventStream.open(h, session);
    streams.push(st);
    await st.ready();
    assert.equal((await call(h, '/api/v1/auth/logout', { method: 'POST', session })).status, 204);
    assert.ok(await st.waitEnded(3_000), 'the stream ended after logout');
    const again = await EventStream.open(h, session);
    assert.equal(again.status, 401);
  });

  test(`a user has at most ${String(STREAMS_PER_USER)} streams: a new one closes the oldest`, async () => {
    const mine: EventStream[] = [];
    for (let i = 0; i < STREAMS_PER_USER + 1; i++) mine.push(await open('acme-admin'));
    assert.ok(await mine[0]?.waitEnded(2_000), 'the oldest stream was closed');
    assert.equal(mine[1]?.ended, false, 'the others stay open');
    assert.equal(mine.at(-1)?.ended, false);
    for (const st of mine) st.close();
  });
});
