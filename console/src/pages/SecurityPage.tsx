// パスワード・2段階認証: change your own password (the current one required; your other sessions
// end), and TOTP enrolment — a key (and otpauth:// URL) for the authenticator app, then a code
// from the app turns it on.
import { useState } from 'react';
import { client, ok } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import type { Me } from '../components/Layout.tsx';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { Notice } from '../components/Notice.tsx';

export function SecurityPage({ me }: { me: Me }) {
  const t = useI18n();
  const action = useAction();
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [on, setOn] = useState(me.totpEnabled);
  return (
    <section>
      <h2>{t('nav.security')}</h2>
      {me.role !== 'operator' && <PasswordForm />}
      <h3>{t('totp.title')}</h3>
      {on ? (
        <Notice ok={t('totp.enabled')} />
      ) : (
        <>
          <ActionFeedback action={action} />
          {!secret ? (
            <button
              type="button"
              className="primary"
              disabled={action.busy}
              onClick={() => action.run(() => ok(client.POST('/api/auth/totp/enrol')), { done: null, onDone: setSecret })}
            >
              {t('totp.enrol')}
            </button>
          ) : (
            <form
              className="card form"
              onSubmit={(e) => {
                e.preventDefault();
                void action.run(() => ok(client.POST('/api/auth/totp/verify', { body: { code } })), {
                  done: null,
                  onDone: () => setOn(true),
                });
              }}
            >
              <p>{t('totp.secret')}</p>
              <p>
                <code data-testid="totp-secret">{secret.secret}</code>
              </p>
              <p className="muted">
                <code>{secret.otpauthUrl}</code>
              </p>
              <label>
                {t('totp.code')}
                <input
                  name="code"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                />
              </label>
              <div className="buttons">
                <button className="primary" type="submit" disabled={action.busy}>
                  {t('totp.verify')}
                </button>
              </div>
            </form>
          )}
        </>
      )}
    </section>
  );
}

function PasswordForm() {
  const t = useI18n();
  const action = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  return (
    <form
      className="card form"
      data-testid="password-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() => ok(client.POST('/api/auth/password', { body: { currentPassword: current, newPassword: next } })), {
          done: (r) => t('password.done', { n: r.sessionsEnded }),
          onDone: () => {
            setCurrent('');
            setNext('');
          },
        });
      }}
    >
      <h3>{t('password.title')}</h3>
      <ActionFeedback action={action} />
      <label>
        {t('password.current')}
        <input
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          required
        />
      </label>
      <label>
        {t('password.new')}
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          minLength={8}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
        />
      </label>
      <div className="buttons">
        <button className="primary" type="submit" disabled={action.busy}>
          {t('password.change')}
        </button>
      </div>
    </form>
  );
}
