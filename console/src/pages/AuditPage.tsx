// 監査ログ (admins: their tenant; operators: the tenant they act in): the audit trail filtered by
// event group, user, recipient, date range and free text; each row in words (the event and its
// facts from the catalogue, src/audit/event-words.ts), linking to its message; paging by keyset
// with "n of N"; the same filter exported as CSV for Excel (GET /api/audit?format=csv).
import { useContext, useEffect, useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDate, formatNumber, useI18n, type MessageKey } from '../i18n.ts';
import { TenantContext, useHref } from '../route.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Notice } from '../components/Notice.tsx';
import { actorLabel, eventFacts, eventLabel } from '../words/events.ts';
import { epoch } from './SearchPage.tsx';

type Audit = GetAnswer<'/api/audit'>;
type Item = Audit['items'][number];
type Group = NonNullable<Item['group']>;
type Filters = { type: Group | ''; user: string; recipient: string; from: string; to: string; q: string };

/** The groups in the order the filter offers them (the type check keeps it to the server's groups). */
const GROUPS: readonly Group[] = ['blocked', 'held', 'attachments', 'login', 'policy', 'quarantine', 'settings', 'mail'];

export function isAuditGroup(s: string | undefined): s is Group {
  return GROUPS.includes(s as Group);
}

function query(f: Filters, zone: string) {
  return {
    ...(f.type ? { type: f.type } : {}),
    ...(f.user ? { user: f.user } : {}),
    ...(f.recipient ? { recipient: f.recipient } : {}),
    ...(f.q ? { q: f.q } : {}),
    ...(f.from ? { from: epoch(f.from, false, zone) } : {}),
    ...(f.to ? { to: epoch(f.to, true, zone) } : {}),
  };
}

/** The export link: the same filter as a CSV download in the viewer's language (and the operator's tenant). */
function csvHref(f: Filters, lang: string, zone: string, tenant: string | undefined): string {
  const params = new URLSearchParams({ ...query(f, zone), format: 'csv', lang, ...(tenant ? { tenant } : {}) } as Record<string, string>);
  return `/api/audit?${params}`;
}

export function AuditPage({ group }: { group?: string }) {
  const t = useI18n();
  const href = useHref();
  const tenant = useContext(TenantContext);
  const [f, setF] = useState<Filters>({ type: isAuditGroup(group) ? group : '', user: '', recipient: '', from: '', to: '', q: '' });
  const [shown, setShown] = useState<Filters>(f);
  const [items, setItems] = useState<Item[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [total, setTotal] = useState(0);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (filters: Filters, before?: number) => {
    setBusy(true);
    try {
      const r = await ok(client.GET('/api/audit', { params: { query: { ...query(filters, t.zone), ...(before ? { before } : {}) } } }));
      setItems(before ? [...(items ?? []), ...r.items] : r.items);
      setNext(r.next);
      setTotal(r.total);
      setShown(filters);
      setErr('');
    } catch (e) {
      if (!before) setItems(null);
      setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; later searches come from the form
  useEffect(() => void run(f), []);
  const field = (k: Exclude<keyof Filters, 'type'>, type = 'text') => (
    <label>
      {t(`audit.${k}` as MessageKey)}
      <input name={k} type={type} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
    </label>
  );
  return (
    <section>
      <h2>{t('nav.audit')}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run(f);
        }}
      >
        <label>
          {t('audit.group')}
          <select name="type" value={f.type} onChange={(e) => setF({ ...f, type: e.target.value as Group | '' })}>
            <option value="">{t('audit.anyGroup')}</option>
            {GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`auditGroup.${g}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        {field('user')}
        {field('recipient')}
        {field('from', 'date')}
        {field('to', 'date')}
        {field('q')}
        <button className="primary" type="submit" disabled={busy}>
          {t('audit.submit')}
        </button>
        <a className="button" href={csvHref(shown, t.lang, t.zone, tenant)} download data-testid="audit-export">
          {t('audit.export')}
        </a>
      </form>
      <Notice err={err} />
      {items === null ? (
        !err && (
          <p className="muted" aria-busy="true">
            {t('load.loading')}
          </p>
        )
      ) : items.length === 0 ? (
        <p className="muted" data-testid="audit-none">
          {t('audit.none')}
        </p>
      ) : (
        <>
          <p className="muted" aria-live="polite" data-testid="audit-count">
            {t('audit.count', { n: formatNumber(items.length, t.lang), total: formatNumber(total, t.lang) })}
          </p>
          <DataTable<Item>
            label={t('nav.audit')}
            testId="audit-table"
            rows={items}
            rowKey={(e) => String(e.id)}
            rowAttrs={(e) => ({ 'data-type': e.type })}
            columns={[
              { key: 'at', label: t('audit.col.at'), render: (e) => formatDate(e.at, t) },
              {
                key: 'event',
                label: t('audit.col.event'),
                render: (e) => (
                  <>
                    <strong>{eventLabel(t, e.type)}</strong>
                    {e.group && <span className="muted"> ({t(`auditGroup.${e.group}` as MessageKey)})</span>}
                  </>
                ),
              },
              { key: 'actor', label: t('audit.col.actor'), render: (e) => actorLabel(t, e.actor), className: 'addresses' },
              {
                key: 'description',
                label: t('audit.col.description'),
                render: (e) => (
                  <ul className="facts-inline">
                    {eventFacts(t, e.data).map((x) => (
                      <li key={x.label}>{t('fact', { label: x.label, value: x.value })}</li>
                    ))}
                  </ul>
                ),
              },
              {
                key: 'message',
                label: t('audit.col.subject'),
                className: 'subject',
                render: (e) =>
                  e.messageId ? (
                    <a href={href('messages', e.messageId)} aria-label={`${t('audit.openMessage')}: ${e.subject ?? ''}`}>
                      {e.subject || t('audit.openMessage')}
                    </a>
                  ) : (
                    (e.subject ?? <span className="muted">{t('audit.noMessage')}</span>)
                  ),
              },
            ]}
          />
        </>
      )}
      {next !== null && items && (
        <p>
          <button type="button" onClick={() => run(shown, next)} disabled={busy}>
            {t('audit.more')}
          </button>
        </p>
      )}
    </section>
  );
}
