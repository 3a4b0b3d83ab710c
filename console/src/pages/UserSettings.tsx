// One user's settings on the users page, opened under their row (編集): 氏名, 部署, 承認者, language,
// the addresses they may send as, and their sending settings — hold minutes (一時保留の時間; empty =
// the policy's) and 送信確認 on/off, which override the policy for their mail (docs/policy.md).
// 保存 sends only what changed, in one PUT /api/users/{email}; the server checks the approver exists.
import { useState } from 'react';
import type { GetAnswer } from '../api.ts';
import { formatDate, useI18n, type Translator } from '../i18n.ts';
import { languageLabel } from '../words/states.ts';

export type User = GetAnswer<'/api/users'>['items'][number];

/** What PUT /api/users/{email} may change from here. */
export interface UserChange {
  approver?: string | null;
  name?: string | null;
  department?: string | null;
  language?: 'ja' | 'en';
  maySendAs?: string[];
  holdMinutes?: number | null;
  confirm?: boolean;
}

/** "保留 10分 · 送信確認なし", or "ポリシーどおり" when the user has no settings of their own. */
export function sendingSummary(t: Translator, u: User): string {
  const parts = [
    ...(u.holdMinutes !== null ? [t('users.holdShort', { n: u.holdMinutes })] : []),
    ...(u.confirm ? [] : [t('users.confirmOffShort')]),
  ];
  return parts.length > 0 ? parts.join(' · ') : t('users.sendingPolicy');
}

interface Form {
  name: string;
  department: string;
  approver: string;
  language: 'ja' | 'en';
  maySendAs: string;
  holdMinutes: string;
  confirm: 'on' | 'off';
}

function formOf(u: User): Form {
  return {
    name: u.name ?? '',
    department: u.department ?? '',
    approver: u.approver ?? '',
    language: u.language === 'en' ? 'en' : 'ja',
    maySendAs: (u.maySendAs ?? []).join(', '),
    holdMinutes: u.holdMinutes === null ? '' : String(u.holdMinutes),
    confirm: u.confirm ? 'on' : 'off',
  };
}

const orNull = (s: string) => s.trim() || null;
const addresses = (s: string) => s.split(/[,\s]+/).filter(Boolean);

/** The fields that differ from the user as loaded ("" = none / the policy's). */
export function changesOf(u: User, f: Form): UserChange {
  const change: UserChange = {};
  if (orNull(f.name) !== u.name) change.name = orNull(f.name);
  if (orNull(f.department) !== u.department) change.department = orNull(f.department);
  if ((orNull(f.approver)?.toLowerCase() ?? null) !== u.approver) change.approver = orNull(f.approver);
  if (f.language !== u.language) change.language = f.language;
  if (addresses(f.maySendAs).join(',') !== (u.maySendAs ?? []).join(',')) change.maySendAs = addresses(f.maySendAs);
  const minutes = f.holdMinutes.trim() === '' ? null : Number(f.holdMinutes);
  if (minutes !== u.holdMinutes) change.holdMinutes = minutes;
  if ((f.confirm === 'on') !== u.confirm) change.confirm = f.confirm === 'on';
  return change;
}

export function UserSettings({
  user,
  busy,
  onSave,
  onClose,
}: {
  user: User;
  busy: boolean;
  onSave: (change: UserChange) => void;
  onClose: () => void;
}) {
  const t = useI18n();
  const [f, setF] = useState<Form>(() => formOf(user));
  const id = (field: string) => `user-${field}-${user.email}`;
  return (
    <form
      className="form user-settings"
      aria-label={t('users.editTitle', { email: user.email })}
      onSubmit={(e) => {
        e.preventDefault();
        onSave(changesOf(user, f));
      }}
    >
      <h4>{t('users.editTitle', { email: user.email })}</h4>
      <div className="fields">
        <label>
          {t('users.name')}
          <input name="name" maxLength={100} value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </label>
        <label>
          {t('users.department')}
          <input name="department" maxLength={100} value={f.department} onChange={(e) => setF({ ...f, department: e.target.value })} />
        </label>
        <label>
          {t('users.manager')}
          <input name="approver" type="email" value={f.approver} onChange={(e) => setF({ ...f, approver: e.target.value })} />
        </label>
        <label>
          {t('users.language')}
          <select name="language" value={f.language} onChange={(e) => setF({ ...f, language: e.target.value as 'ja' | 'en' })}>
            {(['ja', 'en'] as const).map((l) => (
              <option key={l} value={l}>
                {languageLabel(t, l)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('users.maySendAs')}
          <input
            name="maySendAs"
            placeholder={t('users.maySendAsHint')}
            value={f.maySendAs}
            onChange={(e) => setF({ ...f, maySendAs: e.target.value })}
          />
        </label>
        <label>
          {t('users.holdMinutes')}
          <input
            name="holdMinutes"
            type="number"
            min={1}
            max={4320}
            step={1}
            inputMode="numeric"
            placeholder={t('users.sendingPolicy')}
            aria-describedby={id('hold-hint')}
            value={f.holdMinutes}
            onChange={(e) => setF({ ...f, holdMinutes: e.target.value })}
          />
          <span className="muted" id={id('hold-hint')}>
            {t('users.holdMinutesHint')}
          </span>
        </label>
        <label>
          {t('users.confirm')}
          <select name="confirm" value={f.confirm} onChange={(e) => setF({ ...f, confirm: e.target.value as 'on' | 'off' })}>
            <option value="on">{t('users.confirmOn')}</option>
            <option value="off">{t('users.confirmOff')}</option>
          </select>
        </label>
      </div>
      <p className="muted">{t('users.settingsHelp')}</p>
      <p className="muted">{t('fact', { label: t('users.created'), value: formatDate(user.createdAt, t) })}</p>
      <div className="buttons">
        <button className="primary" type="submit" disabled={busy}>
          {t('users.save')}
        </button>
        <button type="button" onClick={onClose}>
          {t('users.close')}
        </button>
      </div>
    </form>
  );
}
