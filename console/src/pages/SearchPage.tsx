// メール検索 (admins: the tenant's mail) and 送信ログ (`own`: the caller's outbound mail with what was
// done to each). Filters: 種類 (送信 / 受信; Sekisho's own notices only when asked for), sender,
// recipient, subject, dates, state and a rule picked from the policy's rules. Newest first, pages
// of 50 by keyset with the count (1–50件 / 全1,234件); loading, an error (in words) and "no results"
// are three different sights. A row opens the message.
import { useEffect, useRef, useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n, type MessageKey } from '../i18n.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useGo } from '../route.ts';
import { ActionList } from '../components/ActionList.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { PageButtons, PageRange } from '../components/Pager.tsx';
import { RuleChips } from '../components/RuleChips.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { MESSAGE_STATES, type MessageState, stateLabel } from '../words/states.ts';
import { midnightInZone } from '../../../src/util/zoned-time.ts';

type Message = GetAnswer<'/api/messages'>['items'][number];
type Direction = '' | 'outbound' | 'inbound';
type Filters = {
  sender: string;
  recipient: string;
  subject: string;
  from: string;
  to: string;
  state: MessageState | '';
  rule: string;
  direction: Direction;
  notices: boolean;
};
const EMPTY: Filters = { sender: '', recipient: '', subject: '', from: '', to: '', state: '', rule: '', direction: '', notices: false };
const PAGE = 50;

/** A date filter's day as epoch ms: its midnight in the tenant's zone (`end`: the next day's). */
export function epoch(day: string, end: boolean, zone: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  return String(midnightInZone(day, zone, end ? 1 : 0));
}

/** The API query of the form's filters (送信ログ: outbound only, no sender, rule or notices). */
function queryOf(f: Filters, own: boolean | undefined, before: string | undefined, zone: string) {
  return {
    ...(f.sender && !own ? { sender: f.sender } : {}),
    ...(f.recipient ? { recipient: f.recipient } : {}),
    ...(f.subject ? { subject: f.subject } : {}),
    ...(f.state ? { state: f.state } : {}),
    ...(f.rule && !own ? { rule: f.rule } : {}),
    ...(f.from ? { from: epoch(f.from, false, zone) } : {}),
    ...(f.to ? { to: epoch(f.to, true, zone) } : {}),
    ...(own ? { direction: 'outbound' as const } : f.direction ? { direction: f.direction } : {}),
    ...(f.notices && !own ? { notices: true } : {}),
    ...(before ? { before } : {}),
    limit: PAGE,
  };
}

export function SearchPage({ own }: { own?: boolean }) {
  const t = useI18n();
  const go = useGo();
  const [f, setF] = useState<Filters>(EMPTY);
  // the search that ran and where its page starts; `starts` holds the cursors of the earlier pages (前へ)
  const [run, setRun] = useState<{ f: Filters; before?: string; starts: Array<string | undefined> }>({ f: EMPTY, starts: [] });
  const loaded = useLoad(() => ok(client.GET('/api/messages', { params: { query: queryOf(run.f, own, run.before, t.zone) } })));
  const rules = useLoad(() => (own ? Promise.resolve({ items: [] }) : ok(client.GET('/api/messages/rules'))));
  const mounted = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search or page is what reloads the list
  useEffect(() => {
    if (mounted.current) loaded.reload();
    mounted.current = true;
  }, [run, loaded.reload]);
  const field = (k: 'sender' | 'recipient' | 'subject' | 'from' | 'to', type = 'text') => (
    <label>
      {t(`search.${k}` as MessageKey)}
      <input name={k} type={type} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
    </label>
  );
  const first = run.starts.length * PAGE + 1;
  const title = own ? t('nav.sent') : t('nav.messages');
  return (
    <section>
      <h2>{title}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setRun({ f, starts: [] });
        }}
      >
        {!own && (
          <label>
            {t('search.direction')}
            <select name="direction" value={f.direction} onChange={(e) => setF({ ...f, direction: e.target.value as Direction })}>
              {(['', 'outbound', 'inbound'] as const).map((d) => (
                <option key={d} value={d}>
                  {t(`search.direction.${d || 'any'}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        {!own && field('sender')}
        {field('recipient')}
        {field('subject')}
        {field('from', 'date')}
        {field('to', 'date')}
        <label>
          {t('search.state')}
          <select name="state" value={f.state} onChange={(e) => setF({ ...f, state: e.target.value as MessageState | '' })}>
            <option value="">{t('search.any')}</option>
            {MESSAGE_STATES.map((s) => (
              <option key={s} value={s}>
                {stateLabel(t, s, f.direction || (own ? 'outbound' : undefined))}
              </option>
            ))}
          </select>
        </label>
        {!own && (
          <label>
            {t('search.rule')}
            <select name="rule" value={f.rule} onChange={(e) => setF({ ...f, rule: e.target.value })}>
              <option value="">{t('search.anyRule')}</option>
              {(rules.data?.items ?? []).map((r) => (
                <option key={`${r.direction}:${r.name}`} value={r.name}>
                  {t('search.ruleOption', { name: r.name, direction: t(`search.direction.${r.direction}`) })}
                </option>
              ))}
            </select>
          </label>
        )}
        {!own && (
          <label className="check">
            <input name="notices" type="checkbox" checked={f.notices} onChange={(e) => setF({ ...f, notices: e.target.checked })} />
            {t('search.notices')}
          </label>
        )}
        <button className="primary" type="submit" disabled={loaded.loading}>
          {t('search.submit')}
        </button>
      </form>
      {/* the previous page stays on screen while the next loads; LoadState shows loading only at first */}
      {loaded.loading && loaded.data !== null && (
        <p className="muted" aria-busy="true">
          {t('load.loading')}
        </p>
      )}
      <LoadState loaded={loaded} empty={t('search.none')}>
        {(data) =>
          data.items.length > 0 && (
            <>
              <PageRange first={first} shown={data.items.length} total={data.total} testId="search-count" />
              <DataTable<Message>
                label={title}
                rows={data.items}
                rowKey={(m) => m.id}
                rowAttrs={(m) => ({ 'data-id': m.id })}
                onOpen={(m) => go('messages', m.id)}
                columns={[
                  { key: 'received', label: t('col.received'), render: (m) => formatDate(m.createdAt, t) },
                  !own && {
                    key: 'direction',
                    label: t('col.direction'),
                    render: (m) => (
                      <span className={`badge kind-${m.notice ? 'notice' : m.direction}`}>
                        {m.notice ? t('search.kind.notice') : t(`search.direction.${m.direction}`)}
                      </span>
                    ),
                  },
                  { key: 'from', label: t('col.from'), render: (m) => m.mailFrom || t('search.nullSender'), className: 'addresses' },
                  {
                    key: 'to',
                    label: t('col.to'),
                    className: 'addresses',
                    render: (m) =>
                      m.recipients.slice(0, 3).join(', ') +
                      (m.recipients.length > 3 ? t('search.moreRecipients', { n: m.recipients.length - 3 }) : ''),
                  },
                  { key: 'subject', label: t('col.subject'), render: (m) => m.subject, className: 'subject' },
                  { key: 'state', label: t('col.state'), render: (m) => <StateBadge state={m.state} direction={m.direction} /> },
                  own
                    ? { key: 'done', label: t('col.done'), render: (m) => <ActionList actions={m.actions} /> }
                    : { key: 'rules', label: t('col.rules'), render: (m) => <RuleChips rules={m.rules} /> },
                ]}
              />
              <PageButtons
                hasPrev={run.starts.length > 0}
                hasNext={!!data.next}
                busy={loaded.loading}
                onPrev={() => setRun({ f: run.f, before: run.starts[run.starts.length - 1], starts: run.starts.slice(0, -1) })}
                onNext={() => setRun({ f: run.f, before: data.next ?? undefined, starts: [...run.starts, run.before] })}
              />
            </>
          )
        }
      </LoadState>
    </section>
  );
}
