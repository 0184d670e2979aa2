/**
 * The app shell: session (GET /auth/me on start, the login page on 401), language, the
 * mailbox picker, a tiny history-API router (/, /settings/:id, /broadcast, /login).
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api/client.js';
import type { Language, LoginReply, Mailbox, User } from './api/types.js';
import { Broadcast } from './components/Broadcast.js';
import { Inbox } from './components/Inbox.js';
import { Login } from './components/Login.js';
import { Settings } from './components/Settings.js';
import { ToastProvider } from './components/Toasts.js';
import { I18nContext, translate, type I18n } from './i18n/index.js';

type Route = { page: 'inbox' } | { page: 'settings'; mailboxId: string } | { page: 'broadcast' } | { page: 'login' };

export function parseRoute(path: string): Route {
  const settings = /^\/settings\/([^/]+)\/?$/.exec(path);
  if (settings?.[1]) return { page: 'settings', mailboxId: decodeURIComponent(settings[1]) };
  if (path === '/broadcast') return { page: 'broadcast' };
  if (path === '/login') return { page: 'login' };
  return { page: 'inbox' };
}

function storedLanguage(): Language | null {
  const v = localStorage.getItem('vxm.lang');
  return v === 'ru' || v === 'en' ? v : null;
}

function browserLanguage(): Language {
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  const [lang, setLangState] = useState<Language>(() => storedLanguage() ?? browserLanguage());
  const [mailboxes, setMailboxes] = useState<Mailbox[]>([]);
  const [mailboxId, setMailboxId] = useState<string>(() => localStorage.getItem('vxm.mailbox') ?? '');

  const navigate = useCallback((path: string, replace = false) => {
    if (location.pathname !== path) {
      if (replace) history.replaceState(null, '', path);
      else history.pushState(null, '', path);
    }
    setRoute(parseRoute(path));
    requestAnimationFrame(() => document.getElementById('main')?.focus({ preventScroll: true }));
  }, []);

  const api = useMemo(
    () =>
      new ApiClient({
        onUnauthorized: () => {
          setUser(null);
          navigate('/login', true);
        },
      }),
    [navigate],
  );

  useEffect(() => {
    const onPop = (): void => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const setLang = useCallback((l: Language) => {
    setLangState(l);
    localStorage.setItem('vxm.lang', l);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = translate(lang, 'app.name');
  }, [lang]);

  const signedIn = useCallback(
    (u: User) => {
      setUser(u);
      if (!storedLanguage()) setLangState(u.language);
      api
        .mailboxes()
        .then((r) => {
          setMailboxes(r.mailboxes);
          setMailboxId((current) => (current && r.mailboxes.some((m) => m.id === current) ? current : r.mailboxes.length === 1 ? (r.mailboxes[0]?.id ?? '') : ''));
        })
        .catch(() => setMailboxes([]));
    },
    [api],
  );

  useEffect(() => {
    api
      .me()
      .then((me) => {
        signedIn(me.user);
        if (parseRoute(location.pathname).page === 'login') navigate('/', true);
      })
      .catch(() => navigate('/login', true))
      .finally(() => setChecked(true));
  }, [api, signedIn, navigate]);

  useEffect(() => {
    if (mailboxId) localStorage.setItem('vxm.mailbox', mailboxId);
    else localStorage.removeItem('vxm.mailbox');
  }, [mailboxId]);

  const i18n: I18n = useMemo(() => ({ lang, setLang, t: (k, p) => translate(lang, k, p) }), [lang, setLang]);
  const t = i18n.t;

  const onLogin = (reply: LoginReply): void => {
    signedIn(reply.user);
    navigate('/', true);
  };

  const logout = async (): Promise<void> => {
    try {
      await api.logout();
    } catch {
      // Gone already: the login page either way.
    }
    setUser(null);
    setMailboxes([]);
    navigate('/login', true);
  };

  const link = (path: string) => (e: MouseEvent) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(path);
  };

  const settingsId = mailboxId || mailboxes[0]?.id || '';
  const tenantOfBox = (id: string): string | undefined => mailboxes.find((m) => m.id === id)?.tenantId ?? user?.tenantId ?? undefined;

  let body;
  if (!checked) body = <p class="hint page">{t('app.loading')}</p>;
  else if (!user || route.page === 'login') body = <Login api={api} onLogin={onLogin} />;
  else if (route.page === 'settings')
    body = <Settings api={api} user={user} mailboxId={route.mailboxId} tenantId={tenantOfBox(route.mailboxId)} onMailboxChanged={(m) => setMailboxes((list) => list.map((x) => (x.id === m.id && x.tenantId === m.tenantId ? m : x)))} />;
  else if (route.page === 'broadcast') body = <Broadcast api={api} mailboxes={mailboxes} tenant={user.role === 'platform-admin' ? tenantOfBox(mailboxId) : undefined} />;
  else body = <Inbox api={api} user={user} mailboxes={mailboxes} mailboxId={mailboxId} />;

  const showChrome = checked && user && route.page !== 'login';

  return (
    <I18nContext.Provider value={i18n}>
      <ToastProvider>
        <a class="skip" href="#main">
          {t('app.skip')}
        </a>
        <header class="topbar">
          <a class="brand" href="/" onClick={link('/')}>
            <span class="logo" aria-hidden="true" />
            {t('app.name')}
          </a>
          {showChrome && (
            <nav aria-label={t('nav.main')} class="nav">
              <a href="/" onClick={link('/')} aria-current={route.page === 'inbox' ? 'page' : undefined}>
                {t('nav.inbox')}
              </a>
              <a href="/broadcast" onClick={link('/broadcast')} aria-current={route.page === 'broadcast' ? 'page' : undefined}>
                {t('nav.broadcast')}
              </a>
              {settingsId && (
                <a href={`/settings/${encodeURIComponent(settingsId)}`} onClick={link(`/settings/${encodeURIComponent(settingsId)}`)} aria-current={route.page === 'settings' ? 'page' : undefined} data-testid="nav-settings">
                  {t('nav.settings')}
                </a>
              )}
            </nav>
          )}
          <div class="tools">
            {showChrome && mailboxes.length > 1 && (
              <>
                <label for="mailbox-pick" class="sr-only">
                  {t('mailbox.pick')}
                </label>
                <select
                  id="mailbox-pick"
                  value={route.page === 'settings' ? route.mailboxId : mailboxId}
                  data-testid="mailbox-picker"
                  onChange={(e) => {
                    const id = e.currentTarget.value;
                    setMailboxId(id);
                    if (route.page === 'settings' && id) navigate(`/settings/${encodeURIComponent(id)}`);
                  }}
                >
                  {route.page !== 'settings' && <option value="">{t('mailbox.all')}</option>}
                  {mailboxes.map((m) => (
                    <option key={`${m.tenantId}/${m.id}`} value={m.id}>
                      {m.name ? `${m.name} (${m.id})` : m.id}
                    </option>
                  ))}
                </select>
              </>
            )}
            <label for="ui-language" class="sr-only">
              {t('app.language')}
            </label>
            <select id="ui-language" value={lang} onChange={(e) => setLang(e.currentTarget.value === 'ru' ? 'ru' : 'en')} data-testid="language">
              <option value="ru">RU</option>
              <option value="en">EN</option>
            </select>
            {showChrome && (
              <button type="button" class="btn btn-quiet" onClick={() => void logout()}>
                {t('app.logout')}
              </button>
            )}
          </div>
        </header>
        {showChrome && mailboxes.length === 0 && <p class="hint page">{t('mailbox.none')}</p>}
        {body}
      </ToastProvider>
    </I18nContext.Provider>
  );
}
