// テナント設定 (admins; operators for the chosen tenant): the tenant's time zone — every time its
// people see on pages, notices, digests and CSV is shown in it — and its display name. The zone is
// typed or picked from a searchable list (common zones first), checked as it is typed and shown as
// the time now in it; the server checks it again (error.invalid_time_zone). Saving reloads `me`, so
// every page formats in the new zone at once.
import { useState } from 'react';
import { client, ok } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useNow } from '../hooks/useNow.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { isTimeZone } from '../../../src/util/zoned-time.ts';

/** Zones Sekisho's customers use most, offered first. */
const COMMON_ZONES = [
  'Asia/Tokyo',
  'Asia/Seoul',
  'Asia/Shanghai',
  'Asia/Taipei',
  'Asia/Singapore',
  'Asia/Bangkok',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'UTC',
];

function allZones(): string[] {
  const more = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...COMMON_ZONES, ...more.filter((z) => !COMMON_ZONES.includes(z))];
}

export function TenantSettingsPage({ tenantName, onSaved }: { tenantName: string; onSaved: () => void }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/tenant/profile')));
  return (
    <section>
      <h2>{t('settings.title')}</h2>
      <p>{t('settings.intro')}</p>
      <LoadState loaded={loaded}>{(p) => <ProfileForm {...p} tenantName={tenantName} onSaved={onSaved} />}</LoadState>
    </section>
  );
}

function ProfileForm(props: { timeZone: string; displayName: string | null; tenantName: string; onSaved: () => void }) {
  const t = useI18n();
  const now = useNow(30_000);
  const action = useAction();
  const [zone, setZone] = useState(props.timeZone);
  const [name, setName] = useState(props.displayName ?? '');
  const valid = isTimeZone(zone.trim());
  const save = () =>
    action.run(() => ok(client.PUT('/api/tenant/profile', { body: { timeZone: zone.trim(), displayName: name.trim() || null } })), {
      done: t('settings.saved'),
      // the form keeps what was saved; `me` is fetched again so every page formats in the new zone
      onDone: () => props.onSaved(),
    });
  return (
    <form
      className="card form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <ActionFeedback action={action} />
      <label>
        <span>{t('settings.timeZone')}</span>
        <input
          className="wide"
          list="time-zones"
          value={zone}
          onChange={(e) => setZone(e.target.value)}
          aria-invalid={!valid}
          aria-describedby="zone-hint"
          autoComplete="off"
          spellCheck={false}
          placeholder={t('settings.timeZoneSearch')}
          data-testid="time-zone"
        />
        <datalist id="time-zones">
          {allZones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </label>
      <p id="zone-hint" className={valid ? 'muted' : 'msg err'} data-testid="zone-hint">
        {valid ? t('settings.now', { time: formatDate(now, { lang: t.lang, zone: zone.trim() }) }) : t('error.invalid_time_zone')}
      </p>
      <label>
        <span>{t('settings.displayName')}</span>
        <input
          className="wide"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          aria-describedby="name-hint"
          data-testid="display-name"
        />
      </label>
      <p id="name-hint" className="muted">
        {t('settings.displayNameHint', { name: props.tenantName })}
      </p>
      <button type="submit" className="primary" disabled={!valid || action.busy} data-testid="save-profile">
        {t('settings.save')}
      </button>
    </form>
  );
}
