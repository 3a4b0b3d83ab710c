// メール検索 (admins: the tenant's mail) and 送信ログ (`own`: the caller's outbound mail with what was
// done to each). Newest first; さらに表示 fetches the next page by keyset. A row opens the message.
import { useEffect, useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDate, useI18n, type MessageKey } from '../i18n.ts';
import { useGo } from '../route.ts';
import { ActionList } from '../components/ActionList.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Notice } from '../components/Notice.tsx';
import { RuleChips } from '../components/RuleChips.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { MESSAGE_STATES, type MessageState, stateLabel } from '../words/states.ts';
import { midnightInZone } from '../../../src/util/zoned-time.ts';

type Message = GetAnswer<'/api/messages'>['items'][number];
type Filters = { sender: string; recipient: string; subject: string; from: string; to: string; state: MessageState | ''; rule: string };

/** Dates of the form are whole days in the viewer's time zone; `to` includes its day. */
/** A date filter's day as epoch ms: its midnight in the tenant's zone (`end`: the next day's). */
export function epoch(day: string, end: boolean, zone: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  return String(midnightInZone(day, zone, end ? 1 : 0));
}

export function SearchPage({ own }: { own?: boolean }) {
  const t = useI18n();
  const go = useGo();
  const [f, setF] = useState<Filters>({ sender: '', recipient: '', subject: '', from: '', to: '', state: '', rule: '' });
  const [items, setItems] = useState<Message[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (before?: string) => {
    setBusy(true);
    try {
      const query = {
        ...(f.sender && !own ? { sender: f.sender } : {}),
        ...(f.recipient ? { recipient: f.recipient } : {}),
        ...(f.subject ? { subject: f.subject } : {}),
        ...(f.state ? { state: f.state } : {}),
        ...(f.rule && !own ? { rule: f.rule } : {}),
        from: epoch(f.from, false, t.zone),
        to: epoch(f.to, true, t.zone),
        ...(own ? { direction: 'outbound' as const } : {}),
        before,
      };
      const r = await ok(client.GET('/api/messages', { params: { query } }));
      setItems(before ? [...(items ?? []), ...r.items] : r.items);
      setNext(r.next);
      setErr('');
    } catch (e) {
      setErr(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; later searches come from the form
  useEffect(() => void run(), []);
  const field = (k: keyof Filters, type = 'text') => (
    <label>
      {t(`search.${k}` as MessageKey)}
      <input name={k} type={type} value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
    </label>
  );
  const open = (m: Message) => go('messages', m.id);
  return (
    <section>
      <h2>{own ? t('nav.sent') : t('nav.messages')}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
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
                {stateLabel(t, s)}
              </option>
            ))}
          </select>
        </label>
        {!own && field('rule')}
        <button className="primary" type="submit" disabled={busy}>
          {t('search.submit')}
        </button>
      </form>
      <Notice err={err} />
      {items === null ? (
        !err && <p className="muted">{t('load.loading')}</p>
      ) : items.length === 0 ? (
        <p className="muted">{t('search.none')}</p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {t(next ? 'search.shownMore' : 'search.shown', { n: items.length })}
          </p>
          <DataTable<Message>
            label={own ? t('nav.sent') : t('nav.messages')}
            rows={items}
            rowKey={(m) => m.id}
            rowAttrs={(m) => ({ 'data-id': m.id })}
            onOpen={open}
            columns={[
              { key: 'received', label: t('col.received'), render: (m) => formatDate(m.createdAt, t) },
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
        </>
      )}
      {next && (
        <p>
          <button type="button" onClick={() => run(next)} disabled={busy}>
            {t('search.more')}
          </button>
        </p>
      )}
    </section>
  );
}
