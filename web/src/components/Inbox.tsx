/**
 * The inbox "like SMS": folders, search, pages via nextCursor, live updates over SSE,
 * the player of the selected message with its actions, and keyboard shortcuts.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { withQuery, type ApiClient } from '../api/client.js';
import { FOLDERS, type Folder, type Mailbox, type Message, type User } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';
import { formatDuration, formatFull, formatWhen } from '../lib/format.js';
import { connectLive, type LiveStatus } from '../lib/live.js';
import { applyLive, insertSorted, matchesView, type View } from '../lib/messages.js';
import { ForwardDialog } from './ForwardDialog.js';
import { IconNext, IconPrev } from './Icons.js';
import { Player, type PlayerHandle } from './Player.js';
import { useToasts } from './Toasts.js';

const PAGE = 50;

export interface InboxProps {
  api: ApiClient;
  user: User;
  mailboxes: Mailbox[];
  mailboxId: string;
}

function loadSpeed(): number {
  const v = Number(localStorage.getItem('vxm.speed'));
  return [1, 1.25, 1.5, 2].includes(v) ? v : 1;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function Inbox({ api, user, mailboxes, mailboxId }: InboxProps) {
  const { t, lang } = useI18n();
  const toasts = useToasts();
  const [folder, setFolder] = useState<Folder>('inbox');
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [autoplay, setAutoplay] = useState(false);
  const [speed, setSpeedState] = useState(loadSpeed);
  const [forwarding, setForwarding] = useState<Message | null>(null);
  const [live, setLive] = useState<LiveStatus>('connecting');
  const player = useRef<PlayerHandle>(null);
  const generation = useRef(0);
  const lastDeleted = useRef<Message | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);

  const admin = user.role === 'platform-admin';
  const tenantOf = (tenantId: string): string | undefined => (admin ? tenantId : undefined);
  const boxTenant = admin ? mailboxes.find((m) => m.id === mailboxId)?.tenantId : undefined;
  const view: View = { mailboxId, folder, q };
  const viewRef = useRef(view);
  viewRef.current = view;
  const messagesRef = useRef(messages);
  messagesRef.current = messages;

  const tzOf = (m: Message): string | undefined => mailboxes.find((b) => b.id === m.mailboxId && b.tenantId === m.tenantId)?.timeZone;
  const who = (m: Message): string => m.callerName?.trim() || m.callerNumber || t('inbox.unknownCaller');

  const load = useCallback(
    async (from: string | null): Promise<void> => {
      const gen = ++generation.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.messages({ mailbox: mailboxId || undefined, folder, q: q || undefined, cursor: from, limit: PAGE, tenant: boxTenant });
        if (gen !== generation.current) return;
        setMessages((prev) => (from === null ? page.messages : [...prev, ...page.messages.filter((m) => !prev.some((p) => p.id === m.id))]));
        setCursor(page.nextCursor);
      } catch (err) {
        if (gen === generation.current) setError(describeError(err, t));
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [api, mailboxId, folder, q, boxTenant, t],
  );

  // A new view (mailbox, folder, search): the first page again.
  useEffect(() => {
    setMessages([]);
    setCursor(null);
    void load(null);
  }, [load]);

  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim().slice(0, 100)), 300);
    return () => clearTimeout(timer);
  }, [search]);

  // Live updates: apply events to the list; after a reconnect, reload it.
  const reload = useRef(load);
  reload.current = load;
  useEffect(
    () =>
      connectLive({
        onEvent: (event) => {
          const before = messagesRef.current;
          const after = applyLive(before, event, viewRef.current);
          if (after !== before) setMessages(after);
          if (event.type === 'message.created' && after !== before) toasts.show(t('inbox.newMessage', { who: who(event.message) }));
        },
        onStatus: setLive,
        onReconnect: () => void reload.current(null),
      }),
    // who/t change with the language only; the handlers read the view through refs.
    [toasts],
  );

  // Infinite scroll: the sentinel after the list asks for the next page.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !cursor || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void load(cursor);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [cursor, loading, load]);

  const selected = messages.find((m) => m.id === selectedId) ?? null;
  const index = selected ? messages.indexOf(selected) : -1;

  const replace = (m: Message): void => setMessages((list) => (matchesView(m, viewRef.current) ? list.map((x) => (x.id === m.id ? m : x)) : list.filter((x) => x.id !== m.id)));

  function select(m: Message | undefined, play: boolean, focus = false): void {
    if (!m) return;
    setAutoplay(play);
    setSelectedId(m.id);
    // On a phone the player sits above the list: bring it into view.
    if (window.matchMedia('(max-width: 720px)').matches) requestAnimationFrame(() => document.querySelector('.detail')?.scrollIntoView({ block: 'start' }));
    if (focus) requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-testid="message-row"][data-id="${CSS.escape(m.id)}"] button`)?.focus());
  }

  function step(delta: number): void {
    const list = messagesRef.current;
    const i = selectedId ? list.findIndex((m) => m.id === selectedId) : -1;
    const target = i < 0 ? list[0] : list[i + delta];
    const media = document.querySelector<HTMLAudioElement>('audio[data-testid="player-audio"]');
    select(target, !!media && !media.paused, true);
  }

  function setSpeed(s: number): void {
    setSpeedState(s);
    localStorage.setItem('vxm.speed', String(s));
  }

  async function markHeard(m: Message): Promise<void> {
    if (m.heard) return;
    setMessages((list) => list.map((x) => (x.id === m.id ? { ...x, heard: true } : x)));
    try {
      replace(await api.markHeard(m, tenantOf(m.tenantId)));
    } catch {
      // The list shows it heard; the next reload tells the truth.
    }
  }

  async function run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      toasts.show(describeError(err, t), { kind: 'error' });
    }
  }

  const neighbour = (m: Message): Message | undefined => {
    const list = messagesRef.current;
    const i = list.findIndex((x) => x.id === m.id);
    return list[i + 1] ?? list[i - 1];
  };

  async function undo(m: Message): Promise<void> {
    await run(async () => {
      const back = await api.restore(m.id, tenantOf(m.tenantId));
      lastDeleted.current = null;
      if (matchesView(back, viewRef.current)) {
        setMessages((list) => insertSorted(list, back));
        setSelectedId(back.id);
      }
      toasts.show(t('toast.restored'));
    });
  }

  async function remove(m: Message): Promise<void> {
    if (m.folder === 'trash') {
      if (!window.confirm(t('action.purgeConfirm'))) return;
      await run(async () => {
        await api.purge(m, tenantOf(m.tenantId));
        const next = neighbour(m);
        setMessages((list) => list.filter((x) => x.id !== m.id));
        setSelectedId(next?.id ?? null);
        toasts.show(t('toast.purged'));
      });
      return;
    }
    await run(async () => {
      const moved = await api.move(m, 'trash', tenantOf(m.tenantId));
      const next = neighbour(m);
      setMessages((list) => list.filter((x) => x.id !== m.id));
      setSelectedId(next?.id ?? null);
      lastDeleted.current = moved;
      toasts.show(t('toast.deleted'), { action: { label: t('action.undo'), run: () => void undo(moved) } });
    });
  }

  async function moveTo(m: Message, to: Folder): Promise<void> {
    await run(async () => {
      const moved = to === 'inbox' && m.folder === 'trash' ? await api.restore(m.id, tenantOf(m.tenantId)) : await api.move(m, to, tenantOf(m.tenantId));
      const next = neighbour(m);
      replace(moved);
      if (!matchesView(moved, viewRef.current)) setSelectedId(next?.id ?? null);
      toasts.show(m.folder === 'trash' ? t('toast.restored') : to === 'saved' ? t('toast.saved') : t('toast.movedInbox'));
    });
  }

  // Keyboard shortcuts, outside text fields and dialogs.
  const keys = useRef<(e: KeyboardEvent) => void>(() => undefined);
  keys.current = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
    const target = e.target instanceof HTMLElement ? e.target : null;
    const onRow = !!target?.closest('[data-testid="message-row"]');
    const onControl = !!target?.closest('button, a, [role="button"]') && !onRow;
    switch (e.key) {
      case ' ':
        if (onControl) return;
        e.preventDefault();
        if (onRow) {
          const id = target?.closest<HTMLElement>('[data-testid="message-row"]')?.dataset.id;
          if (id && id !== selectedId) return select(messagesRef.current.find((m) => m.id === id), true);
        }
        if (selected) player.current?.toggle();
        else select(messagesRef.current[0], true, true);
        return;
      case 'j':
      case 'ArrowDown':
        e.preventDefault();
        return step(1);
      case 'k':
      case 'ArrowUp':
        e.preventDefault();
        return step(-1);
      case 'Delete':
      case '#':
        if (selected) {
          e.preventDefault();
          void remove(selected);
        }
        return;
      case 'u':
        if (lastDeleted.current) {
          e.preventDefault();
          void undo(lastDeleted.current);
        }
        return;
      default:
        return;
    }
  };
  useEffect(() => {
    const handler = (e: KeyboardEvent): void => keys.current(e);
    document.addEventListener('keydown', handler);
    return () => document.removeEventListener('keydown', handler);
  }, []);

  const now = new Date();

  return (
    <main id="main" class="inbox" tabIndex={-1}>
      <h1 class="sr-only">{t('inbox.list')}</h1>
      <div class="list-pane">
        <div class="toolbar">
          <div class="folders" role="group" aria-label={t('folder.label')}>
            {FOLDERS.map((f) => (
              <button
                key={f}
                type="button"
                class="btn btn-tab"
                aria-pressed={folder === f}
                data-testid={`folder-${f}`}
                onClick={() => {
                  setFolder(f);
                  setSelectedId(null);
                }}
              >
                {t(`folder.${f}`)}
              </button>
            ))}
          </div>
          <label class="sr-only" for="search">
            {t('inbox.search')}
          </label>
          <input id="search" type="search" class="search" placeholder={t('inbox.searchHint')} value={search} maxLength={100} onInput={(e) => setSearch(e.currentTarget.value)} data-testid="search" />
          <span class={`live live-${live}`} role="status" title={live === 'open' ? t('inbox.live') : t('inbox.offline')}>
            <span class="sr-only">{live === 'open' ? t('inbox.live') : t('inbox.offline')}</span>
          </span>
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <ul class="messages" aria-label={t('inbox.list')} aria-busy={loading}>
          {messages.map((m) => {
            const when = formatWhen(m.receivedAt, now, tzOf(m), lang);
            const duration = formatDuration(m.durationMs);
            const by =
              m.origin === 'forward' && m.forwardedBy
                ? t('inbox.forwardedBy', { who: m.forwardedBy })
                : m.origin === 'broadcast'
                  ? m.forwardedBy && m.forwardedBy !== m.callerNumber
                    ? t('inbox.broadcastBy', { who: m.forwardedBy })
                    : t('inbox.broadcast')
                  : null;
            return (
              <li key={m.id} data-testid="message-row" data-id={m.id} data-heard={String(m.heard)} class={`message${m.heard ? '' : ' unheard'}${m.id === selectedId ? ' selected' : ''}`}>
                <button type="button" class="row" aria-current={m.id === selectedId ? 'true' : undefined} onClick={() => select(m, false)}>
                  <span class="row-top">
                    <span class="caller">
                      {!m.heard && <span class="dot" aria-hidden="true" />}
                      {who(m)}
                    </span>
                    <time dateTime={m.receivedAt} title={formatFull(m.receivedAt, tzOf(m), lang)}>
                      {when}
                    </time>
                  </span>
                  <span class="row-sub">
                    <span class="sub">{[m.callerName?.trim() && m.callerNumber ? m.callerNumber : null, by, !mailboxId && mailboxes.length > 1 ? m.mailboxId : null].filter(Boolean).join(' · ')}</span>
                    <span class="duration">{duration}</span>
                  </span>
                  {m.transcript && <span class="preview">{m.transcript}</span>}
                  {!m.heard && <span class="sr-only">{t('inbox.stateNew')}</span>}
                </button>
              </li>
            );
          })}
        </ul>
        {!loading && messages.length === 0 && !error && <p class="empty">{q ? t('inbox.emptySearch') : t('inbox.empty')}</p>}
        {loading && <p class="hint">{t('app.loading')}</p>}
        {cursor && !loading && (
          <button type="button" class="btn more" onClick={() => void load(cursor)} data-testid="load-more">
            {t('inbox.more')}
          </button>
        )}
        <div ref={sentinel} aria-hidden="true" />
      </div>
      <div class={`detail-pane${selected ? ' has-selection' : ''}`}>
        {selected ? (
          <article class="detail" aria-labelledby="detail-title">
            <header class="detail-head">
              <h2 id="detail-title" class="caller-name">
                {who(selected)}
              </h2>
              <p class="meta">
                {selected.callerName && selected.callerNumber && <span>{selected.callerNumber} · </span>}
                <time dateTime={selected.receivedAt}>{formatFull(selected.receivedAt, tzOf(selected), lang)}</time>
                {selected.calledNumber && <span> · {t('player.to', { number: selected.calledNumber })}</span>}
                {selected.origin !== 'broadcast' && <span> · {t('player.reason', { reason: t(`reason.${selected.reason}`) })}</span>}
                {selected.recovered && <span> · {t('inbox.recovered')}</span>}
              </p>
            </header>
            <Player
              key={selected.id}
              handle={player}
              message={selected}
              speed={speed}
              onSpeed={setSpeed}
              autoplay={autoplay}
              onPlayed={() => void markHeard(selected)}
              onEnded={() => undefined}
            />
            <div class="row-actions" role="group" aria-label={t('player.region')}>
              <button type="button" class="btn" onClick={() => step(-1)} disabled={index <= 0} aria-label={t('player.prev')} data-testid="prev">
                <IconPrev /> <span class="label-wide">{t('player.prev')}</span>
              </button>
              <button type="button" class="btn" onClick={() => step(1)} disabled={index < 0 || index >= messages.length - 1} aria-label={t('player.next')} data-testid="next">
                <IconNext /> <span class="label-wide">{t('player.next')}</span>
              </button>
              {selected.folder === 'inbox' && (
                <button type="button" class="btn" onClick={() => void moveTo(selected, 'saved')} data-testid="save">
                  {t('action.save')}
                </button>
              )}
              {selected.folder === 'saved' && (
                <button type="button" class="btn" onClick={() => void moveTo(selected, 'inbox')} data-testid="to-inbox">
                  {t('action.toInbox')}
                </button>
              )}
              {selected.folder === 'trash' && (
                <button type="button" class="btn" onClick={() => void moveTo(selected, 'inbox')} data-testid="restore">
                  {t('action.restore')}
                </button>
              )}
              <button type="button" class="btn btn-danger" onClick={() => void remove(selected)} data-testid="delete">
                {selected.folder === 'trash' ? t('action.purge') : t('action.delete')}
              </button>
              <a class="btn" href={withQuery(selected.audioUrl, { download: true })} download data-testid="download">
                {t('action.download')}
              </a>
              <button type="button" class="btn" onClick={() => setForwarding(selected)} data-testid="forward">
                {t('action.forward')}
              </button>
              {selected.heard && (
                <button type="button" class="btn btn-quiet" onClick={() => void run(async () => replace(await api.markNew(selected, tenantOf(selected.tenantId))))} data-testid="mark-new">
                  {t('action.markNew')}
                </button>
              )}
            </div>
            {selected.transcript && (
              <section class="transcript" aria-label={t('player.transcript')}>
                <h3>{t('player.transcript')}</h3>
                <p>{selected.transcript}</p>
              </section>
            )}
            <p class="hint shortcuts">{t('player.shortcuts')}</p>
          </article>
        ) : (
          <p class="empty">{t('inbox.noSelection')}</p>
        )}
      </div>
      {forwarding && <ForwardDialog api={api} message={forwarding} mailboxes={mailboxes} tenant={tenantOf(forwarding.tenantId)} onClose={() => setForwarding(null)} />}
    </main>
  );
}
