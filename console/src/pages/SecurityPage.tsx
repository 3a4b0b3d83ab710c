// パスワード・2段階認証: change your own password (the current one required; your other sessions
// end), and TOTP enrolment — a QR code of the otpauth:// URI (drawn here, QrCode.tsx) and the key
// for typing by hand, then a code from the app turns it on and ten backup codes are shown once.
// With two-factor on: how many backup codes are left, and a new set (password required).
import { useState } from 'react';
import { client, ok } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import type { Me } from '../components/Layout.tsx';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { Notice } from '../components/Notice.tsx';
import { QrCode } from '../components/QrCode.tsx';

export function SecurityPage({ me }: { me: Me }) {
  const t = useI18n();
  const [on, setOn] = useState(me.totpEnabled);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [left, setLeft] = useState(me.backupCodesLeft);
  const shown = (c: string[]) => {
    setCodes(c);
    setLeft(c.length);
  };
  return (
    <section>
      <h2>{t('nav.security')}</h2>
      {me.role !== 'operator' && <PasswordForm />}
      <h3>{t('totp.title')}</h3>
      {codes ? (
        <BackupCodes codes={codes} onKept={() => setCodes(null)} />
      ) : on ? (
        <>
          <Notice ok={t('totp.enabled')} />
          <p data-testid="backup-codes-left">{t('totp.codesLeft', { n: left })}</p>
          <RegenerateCodes onIssued={shown} />
        </>
      ) : (
        <Enrolment
          onEnabled={(c) => {
            setOn(true);
            shown(c);
          }}
        />
      )}
    </section>
  );
}

/** Steps 1 and 2 of turning two-factor on: scan (or type the key), then prove it with a code. */
function Enrolment({ onEnabled }: { onEnabled: (backupCodes: string[]) => void }) {
  const t = useI18n();
  const action = useAction();
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  return (
    <>
      <p>{t('totp.intro')}</p>
      <p className="muted">{t('totp.apps')}</p>
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
              onDone: (r) => onEnabled(r.backupCodes),
            });
          }}
        >
          <p>{t('totp.scan')}</p>
          <QrCode text={secret.otpauthUrl} label={t('totp.qrLabel')} />
          <p>
            <a href={secret.otpauthUrl} data-testid="totp-uri">
              {t('totp.openInApp')}
            </a>
          </p>
          <p className="muted">{t('totp.manual')}</p>
          <p>
            <code data-testid="totp-secret" className="secret">
              {secret.secret.match(/.{1,4}/g)?.join(' ')}
            </code>
          </p>
          <p>{t('totp.enterCode')}</p>
          <label>
            {t('totp.code')}
            <input
              name="code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              inputMode="numeric"
              autoComplete="one-time-code"
              required
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
  );
}

/** The ten codes, this once; the person says they kept them before the screen moves on. */
function BackupCodes({ codes, onKept }: { codes: string[]; onKept: () => void }) {
  const t = useI18n();
  return (
    <div className="card">
      <Notice ok={t('totp.enabled')} />
      <h4>{t('totp.codesTitle')}</h4>
      <p>{t('totp.codesOnce')}</p>
      <ol className="backup-codes" data-testid="backup-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="buttons">
        <button type="button" className="primary" onClick={onKept}>
          {t('totp.codesDone')}
        </button>
      </div>
    </div>
  );
}

function RegenerateCodes({ onIssued }: { onIssued: (codes: string[]) => void }) {
  const t = useI18n();
  const action = useAction();
  const [password, setPassword] = useState('');
  return (
    <form
      className="card form"
      data-testid="regenerate-codes"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(() => ok(client.POST('/api/auth/totp/backup-codes', { body: { password } })), {
          done: null,
          onDone: (r) => {
            setPassword('');
            onIssued(r.backupCodes);
          },
        });
      }}
    >
      <h4>{t('totp.regenerate')}</h4>
      <p className="muted">{t('totp.regenerateHelp')}</p>
      <ActionFeedback action={action} />
      <label>
        {t('totp.password')}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <div className="buttons">
        <button className="primary" type="submit" disabled={action.busy}>
          {t('totp.regenerate')}
        </button>
      </div>
    </form>
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
