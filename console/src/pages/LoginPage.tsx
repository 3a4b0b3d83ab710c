// Log in: email and password, then the two-factor code when the account has one.
import { useState, type FormEvent } from 'react';
import { ApiError, client, ok, setCsrf } from '../api.ts';
import { errorText } from '../errors.ts';
import { useI18n } from '../i18n.ts';
import type { Me } from '../components/Layout.tsx';
import { Notice } from '../components/Notice.tsx';

export function LoginPage({ onLogin, onSwitchLang }: { onLogin: (m: Me) => void; onSwitchLang: () => void }) {
  const t = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [err, setErr] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const m = await ok(client.POST('/api/auth/login', { body: { email, password, ...(totp ? { totp } : {}) } }));
      setCsrf(m.csrfToken);
      onLogin(await ok(client.GET('/api/auth/me')));
    } catch (x) {
      if (x instanceof ApiError && x.code === 'totp_required') setNeedTotp(true);
      setErr(errorText(x, t));
    }
  };
  return (
    <main className="login-wrap">
      <form className="login" onSubmit={submit}>
        <h1>{t('app')}</h1>
        <p className="muted">{t('subtitle')}</p>
        <Notice err={err} />
        <label>
          {t('login.email')}
          <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {needTotp && (
          <label>
            {t('login.totp')}
            <input
              name="totp"
              autoComplete="one-time-code"
              aria-describedby="totp-hint"
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
            />
            <span id="totp-hint" className="muted">
              {t('login.totpHint')}
            </span>
          </label>
        )}
        <div className="buttons">
          <button className="primary" type="submit">
            {t('login.submit')}
          </button>
          <button type="button" onClick={onSwitchLang} lang={t.lang === 'ja' ? 'en' : 'ja'} data-testid="lang">
            {t('lang')}
          </button>
        </div>
      </form>
    </main>
  );
}
