// ユーザー (admins): search (address, name, department) and pages of 50 (the server pages by
// keyset, so 10,000 users are as quick as 10), add one (an empty password is generated and shown
// once), CSV import and export (name, department, hold minutes, 送信確認; all rows or none; every bad row at once in the
// viewer's language), change role inline (making someone an admin asks first); 編集 opens the
// user's settings under their row (UserSettings: name, department, approver, language, send-as,
// hold minutes, 送信確認); disable and enable (asks first), a new password (asks, shown once) and
// removing two-factor (asks). Each is one call of /api/users (src/users/people.ts on the server).
// The table keeps to a few narrow columns so it fits 1366 px in either language.
import { useContext, useEffect, useRef, useState } from 'react';
import { TenantContext } from '../route.ts';
import { ApiError, client, ok, type ErrorBody } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { roleLabel } from '../words/states.ts';
import { sendingSummary, UserSettings, type User, type UserChange } from './UserSettings.tsx';

type Role = User['role'];
const ROLES: Role[] = ['user', 'approver', 'admin'];

export function UsersPage() {
  const t = useI18n();
  const tenant = useContext(TenantContext);
  // the search and where the page starts; `before` holds the starts of the earlier pages (前へ)
  const [query, setQuery] = useState<{ q: string; after?: string; before: Array<string | undefined> }>({ q: '', before: [] });
  const [typed, setTyped] = useState('');
  const loaded = useLoad(() =>
    ok(
      client.GET('/api/users', {
        params: { query: { ...(query.q ? { q: query.q } : {}), ...(query.after ? { after: query.after } : {}) } },
      }),
    ),
  );
  const mounted = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query (search or page) is what reloads the list
  useEffect(() => {
    if (mounted.current) loaded.reload();
    mounted.current = true;
  }, [query, loaded.reload]);
  const [csvErrors, setCsvErrors] = useState<NonNullable<ErrorBody['errors']>>([]);
  const action = useAction();
  const [nu, setNu] = useState<{ email: string; role: Role; approver: string }>({ email: '', role: 'user', approver: '' });
  const [csv, setCsv] = useState('');
  const [generated, setGenerated] = useState<Array<{ email: string; password: string }>>([]);
  // whose settings are open under their row (編集)
  const [editing, setEditing] = useState<string | null>(null);
  const update = (email: string, body: UserChange & { role?: Role }, confirm?: { text: string; yes: string }) =>
    action.run(() => ok(client.PUT('/api/users/{email}', { params: { path: { email } }, body })), {
      always: loaded.reload,
      ...(confirm ? { confirm } : {}),
    });
  const saveSettings = (email: string, change: UserChange) => {
    if (Object.keys(change).length === 0) return action.setNotice({ ok: t('users.unchanged') });
    return action.run(() => ok(client.PUT('/api/users/{email}', { params: { path: { email } }, body: change })), {
      done: t('users.saved', { email }),
      onDone: () => setEditing(null),
      always: loaded.reload,
    });
  };
  const path = (email: string) => ({ params: { path: { email } } });
  const setDisabled = (email: string, disable: boolean) =>
    action.run(() => ok(client.POST(disable ? '/api/users/{email}/disable' : '/api/users/{email}/enable', path(email))), {
      ...(disable ? { confirm: { text: t('users.disableAsk', { email }), yes: t('users.disable'), danger: true } } : {}),
      done: t(disable ? 'users.disabledDone' : 'users.enabledDone', { email }),
      always: loaded.reload,
    });
  const newPassword = (email: string) =>
    action.run(() => ok(client.POST('/api/users/{email}/password', { ...path(email), body: {} })), {
      confirm: { text: t('users.resetPasswordAsk', { email }), yes: t('users.resetPassword'), danger: true },
      done: t('users.resetPasswordDone', { email }),
      onDone: (r) => setGenerated(r.generatedPassword ? [{ email, password: r.generatedPassword }] : []),
    });
  const [resetLink, setResetLink] = useState<{ email: string; url: string; expiresAt: number } | null>(null);
  const issueResetLink = (email: string) =>
    action.run(() => ok(client.POST('/api/users/{email}/reset-link', path(email))), {
      confirm: { text: t('users.resetLinkAsk', { email }), yes: t('users.resetLink') },
      done: t('users.resetLinkDone', { email }),
      onDone: (r) => setResetLink({ email, url: r.url, expiresAt: r.expiresAt }),
    });
  const reset2fa = (email: string) =>
    action.run(() => ok(client.POST('/api/users/{email}/reset-2fa', path(email))), {
      confirm: { text: t('users.reset2faAsk', { email }), yes: t('users.reset2fa'), danger: true },
      done: t('users.reset2faDone', { email }),
      always: loaded.reload,
    });
  const roleOptions = ROLES.map((r) => (
    <option key={r} value={r}>
      {roleLabel(t, r)}
    </option>
  ));
  return (
    <section>
      <h2>{t('nav.users')}</h2>
      <ActionFeedback action={action} />
      {generated.length > 0 && (
        <div className="card" role="status">
          <b>{t('users.generated')}</b>
          {generated.map((g) => (
            <div key={g.email}>
              <code>
                {g.email},{g.password}
              </code>
            </div>
          ))}
        </div>
      )}
      {resetLink && (
        <div className="card" role="status" data-testid="reset-link">
          <b>{t('users.resetLinkShown', { email: resetLink.email, until: formatDate(resetLink.expiresAt, t) })}</b>
          <div>
            <code>{resetLink.url}</code>
          </div>
        </div>
      )}
      <div className="grid2">
        <form
          className="card form"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(
              () =>
                ok(
                  client.POST('/api/users', {
                    body: { email: nu.email, role: nu.role, ...(nu.approver ? { approver: nu.approver } : {}) },
                  }),
                ),
              {
                onDone: (r) => {
                  setGenerated(r.generatedPassword ? [{ email: r.email, password: r.generatedPassword }] : []);
                  setNu({ email: '', role: 'user', approver: '' });
                },
                always: loaded.reload,
              },
            );
          }}
        >
          <h3>{t('users.add')}</h3>
          <label>
            {t('login.email')}
            <input name="email" type="email" value={nu.email} onChange={(e) => setNu({ ...nu, email: e.target.value })} required />
          </label>
          <label>
            {t('users.role')}
            <select name="role" value={nu.role} onChange={(e) => setNu({ ...nu, role: e.target.value as Role })}>
              {roleOptions}
            </select>
          </label>
          <label>
            {t('users.manager')}
            <input name="approver" type="email" value={nu.approver} onChange={(e) => setNu({ ...nu, approver: e.target.value })} />
          </label>
          <div className="buttons">
            <button className="primary" type="submit" disabled={action.busy}>
              {t('users.add')}
            </button>
          </div>
        </form>
        <form
          className="card form"
          onSubmit={(e) => {
            e.preventDefault();
            setCsvErrors([]);
            void action.run(() => ok(client.POST('/api/users/import', { body: { csv } })), {
              done: (r) => t('users.imported', { n: r.imported }),
              onDone: (r) => {
                setGenerated(r.generated);
                setCsv('');
              },
              onError: (err) => setCsvErrors(err instanceof ApiError ? (err.body?.errors ?? []) : []),
              always: loaded.reload,
            });
          }}
        >
          <h3>{t('users.import')}</h3>
          <p className="muted" id="csv-help">
            {t('users.importHelp')}
          </p>
          <label>
            {t('users.csv')}
            <textarea name="csv" rows={4} value={csv} aria-describedby="csv-help" onChange={(e) => setCsv(e.target.value)} />
          </label>
          <label>
            {t('users.csvFile')}
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                if (f) setCsv(await f.text());
              }}
            />
          </label>
          <div className="buttons">
            <button className="primary" type="submit" disabled={action.busy}>
              {t('users.import')}
            </button>
            {/* the same columns, so an exported file edited in Excel imports again (new users) */}
            <a
              className="button"
              href={`/api/users/export${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`}
              download
              data-testid="users-export"
            >
              {t('users.export')}
            </a>
          </div>
          {csvErrors.length > 0 && (
            <ul className="msg err csv-errors" data-testid="csv-errors">
              {csvErrors.map((e) => (
                <li key={`${e.line}-${e.code ?? e.message}`}>
                  {(e.line ? `${t('users.csvLine', { line: e.line })} ` : '') +
                    (t.maybe(`csv.${e.code ?? ''}`, { value: e.value ?? '' }) ?? e.message)}
                </li>
              ))}
            </ul>
          )}
        </form>
      </div>
      <h3>{t('users.list')}</h3>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is too new for the browsers the console supports */}
      <form
        className="search-row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: typed.trim(), before: [] });
        }}
      >
        <label>
          {t('users.search')}
          <input name="q" type="search" value={typed} placeholder={t('users.searchHint')} onChange={(e) => setTyped(e.target.value)} />
        </label>
        <button type="submit">{t('users.searchButton')}</button>
      </form>
      {loaded.data && (
        <p className="muted" data-testid="users-count">
          {t('users.count', { total: loaded.data.total, shown: loaded.data.items.length })}
        </p>
      )}
      <LoadState loaded={loaded} empty={t('users.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<User>
              label={t('users.list')}
              rows={data.items}
              rowKey={(u) => u.email}
              expanded={(u) =>
                editing === u.email && (
                  <UserSettings
                    user={u}
                    busy={action.busy}
                    onSave={(change) => void saveSettings(u.email, change)}
                    onClose={() => setEditing(null)}
                  />
                )
              }
              columns={[
                {
                  key: 'user',
                  label: t('users.user'),
                  className: 'person',
                  render: (u) => (
                    <>
                      <span className="address">{u.email}</span>
                      {(u.name || u.department) && <span className="muted">{[u.name, u.department].filter(Boolean).join(' · ')}</span>}
                    </>
                  ),
                },
                {
                  key: 'status',
                  label: t('users.status'),
                  render: (u) => (
                    <span className={u.disabled ? 'badge b-blocked' : 'badge b-delivered'} data-testid={`status-${u.email}`}>
                      {t(u.disabled ? 'users.disabled' : 'users.active')}
                      {u.twoFactor ? ` · ${t('users.twoFactorOn')}` : ''}
                    </span>
                  ),
                },
                {
                  key: 'role',
                  label: t('users.role'),
                  render: (u) => (
                    <select
                      aria-label={t('users.roleOf', { email: u.email })}
                      value={u.role}
                      onChange={(e) => {
                        const role = e.target.value as Role;
                        const ask =
                          role === 'admin' ? { text: t('users.adminAsk', { email: u.email }), yes: t('users.makeAdmin') } : undefined;
                        void update(u.email, { role }, ask);
                      }}
                    >
                      {roleOptions}
                    </select>
                  ),
                },
                { key: 'approver', label: t('users.manager'), className: 'addresses', render: (u) => u.approver ?? t('users.noManager') },
                {
                  key: 'sending',
                  label: t('users.sending'),
                  render: (u) => <span data-testid={`sending-${u.email}`}>{sendingSummary(t, u)}</span>,
                },
                {
                  key: 'actions',
                  label: t('users.actions'),
                  render: (u) => (
                    <div className="buttons">
                      <button
                        type="button"
                        aria-expanded={editing === u.email}
                        onClick={() => setEditing(editing === u.email ? null : u.email)}
                      >
                        {t(editing === u.email ? 'users.close' : 'users.edit')}
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => setDisabled(u.email, !u.disabled)}>
                        {t(u.disabled ? 'users.enable' : 'users.disable')}
                      </button>
                      <button type="button" disabled={action.busy || u.disabled} onClick={() => issueResetLink(u.email)}>
                        {t('users.resetLink')}
                      </button>
                      <button type="button" disabled={action.busy} onClick={() => newPassword(u.email)}>
                        {t('users.resetPassword')}
                      </button>
                      {u.twoFactor && (
                        <button type="button" disabled={action.busy} onClick={() => reset2fa(u.email)}>
                          {t('users.reset2fa')}
                        </button>
                      )}
                    </div>
                  ),
                },
              ]}
            />
          )
        }
      </LoadState>
      {loaded.data && (query.before.length > 0 || loaded.data.nextAfter) && (
        <div className="buttons pager">
          <button
            type="button"
            disabled={query.before.length === 0 || loaded.loading}
            onClick={() => setQuery({ q: query.q, after: query.before[query.before.length - 1], before: query.before.slice(0, -1) })}
          >
            {t('users.prevPage')}
          </button>
          <button
            type="button"
            disabled={!loaded.data.nextAfter || loaded.loading}
            onClick={() => setQuery({ q: query.q, after: loaded.data!.nextAfter ?? undefined, before: [...query.before, query.after] })}
          >
            {t('users.nextPage')}
          </button>
        </div>
      )}
    </section>
  );
}
