/** The sign-in form (POST /auth/login). */
import { useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client.js';
import type { LoginReply } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';

export function Login({ api, onLogin }: { api: ApiClient; onLogin: (reply: LoginReply) => void }) {
  const { t } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await api.login(login.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.failed') : err instanceof ApiError && err.status === 429 ? t('login.locked') : describeError(err, t));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login" tabIndex={-1}>
      <form class="card" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>
          <span class="logo" aria-hidden="true" />
          {t('app.name')}
        </h1>
        <h2>{t('login.title')}</h2>
        <div class="field">
          <label for="login">{t('login.login')}</label>
          <input id="login" name="username" autoComplete="username" autoCapitalize="none" spellcheck={false} required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="password">{t('login.password')}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </div>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
