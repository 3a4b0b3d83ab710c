// 隔離: quarantined inbound mail (admins: the tenant's; others: addressed to them), each with the
// From display name beside the address (CEO fraud is a display name) and the real reason
// (ウイルス検出, 迷惑メール スコア 12.3: the server's one label function). Filters: reason class,
// recipient (admins), received dates and a search of sender and subject; pages of 50 by keyset with
// the count (1–50件 / 全1,234件) and 前へ / 次へ (Pager). プレビュー shows the one
// message view (MessagePreview: sanitized HTML in a sandboxed frame, or text); 隔離解除 (admins, or
// anyone when the tenant allows self-release and the mail is spam: the server's `mayRelease`) and
// 削除 (admins) ask first, naming the mail and why it was quarantined; the same for the selected
// mails at once, naming how many and which of them this viewer cannot release. Recipients ask for
// what they may not release (解除を依頼); admins answer those requests in 解除の依頼 — release to the
// requester only, or refuse (the requester is mailed).
import { useEffect, useRef, useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n, type MessageKey, type Translator } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';
import { PageButtons, PageRange } from '../components/Pager.tsx';
import { epoch } from './SearchPage.tsx';

type List = GetAnswer<'/api/quarantine'>;
type Item = List['items'][number];
type Reason = NonNullable<Item['releaseClass']>;
type Preview = GetAnswer<'/api/quarantine/{id}'>;
type Request = GetAnswer<'/api/quarantine/requests'>['items'][number];
type Filters = { search: string; reason: Reason | ''; recipient: string; from: string; to: string };
const NO_FILTERS: Filters = { search: '', reason: '', recipient: '', from: '', to: '' };
/** what a bulk action answers: how many were done and how many not */
type Bulk = { done: number; failed: number };

const PAGE = 50;

function queryOf(f: Filters, before: string | undefined, zone: string) {
  return {
    ...(before ? { before } : {}),
    limit: PAGE,
    ...(f.search ? { search: f.search } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.recipient ? { recipient: f.recipient } : {}),
    ...(f.from ? { from: epoch(f.from, false, zone) } : {}),
    ...(f.to ? { to: epoch(f.to, true, zone) } : {}),
  };
}

/** What a bulk action did: how many, and how many could not be done. */
function bulkDone(t: Translator, key: MessageKey, r: Bulk): string {
  return [t(key, { done: r.done }), ...(r.failed ? [t('q.bulkFailed', { failed: r.failed })] : [])].join(' ');
}

export function QuarantinePage({ isAdmin }: { isAdmin: boolean }) {
  const t = useI18n();
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // the filters that ran and where the page starts; `starts` holds the cursors of the earlier pages (前へ)
  const [run, setRun] = useState<{ f: Filters; before?: string; starts: Array<string | undefined> }>({ f: NO_FILTERS, starts: [] });
  const applied = run.f;
  const loaded = useLoad(() => ok(client.GET('/api/quarantine', { params: { query: queryOf(run.f, run.before, t.zone) } })));
  const mounted = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter or page is what reloads the list
  useEffect(() => {
    setSelected(new Set());
    if (mounted.current) loaded.reload();
    mounted.current = true;
  }, [run, loaded.reload]);
  const action = useAction();
  const [open, setOpen] = useState<Preview | null>(null);
  const items = loaded.data?.items ?? [];
  const chosen = items.filter((m) => selected.has(m.id));
  const reload = () => {
    setSelected(new Set());
    loaded.reload();
  };
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const show = (id: string) =>
    action.run(() => ok(client.GET('/api/quarantine/{id}', { params: { path: { id } } })), { done: null, onDone: setOpen });
  const release = (m: Item) =>
    action.run(() => ok(client.POST('/api/quarantine/{id}/release', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.releaseAsk', { subject: m.subject, reason: m.reasonLabel[t.lang] }), yes: t('q.release') },
      onDone: () => setOpen(null),
      always: reload,
    });
  const ask = (m: Item) =>
    action.run(() => ok(client.POST('/api/quarantine/{id}/request-release', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.requestAsk', { subject: m.subject, reason: m.reasonLabel[t.lang] }), yes: t('q.requestRelease') },
      done: t('q.requested'),
      always: reload,
    });
  const remove = (m: Item) =>
    action.run(() => ok(client.DELETE('/api/quarantine/{id}', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.deleteAsk', { subject: m.subject }), yes: t('q.delete'), danger: true },
      onDone: () => setOpen(null),
      always: reload,
    });
  const releaseChosen = () => {
    const may = chosen.filter((m) => m.mayRelease);
    const not = chosen.filter((m) => !m.mayRelease);
    if (may.length === 0) return action.setNotice({ err: t('q.bulkNoneReleasable') });
    return action.run(() => ok(client.POST('/api/quarantine/bulk-release', { body: { ids: may.map((m) => m.id) } })), {
      confirm: {
        text: t('q.bulkReleaseAsk', { n: chosen.length }),
        yes: t('q.release'),
        detail: not.length > 0 && (
          <div data-testid="bulk-skip">
            <p>{t('q.bulkReleaseSkip', { m: not.length })}</p>
            <ul>
              {not.map((m) => (
                <li key={m.id}>{`${m.subject} — ${m.reasonLabel[t.lang]}`}</li>
              ))}
            </ul>
          </div>
        ),
      },
      done: (r) => bulkDone(t, 'q.bulkReleased', r),
      always: reload,
    });
  };
  const deleteChosen = () =>
    action.run(() => ok(client.POST('/api/quarantine/bulk-delete', { body: { ids: chosen.map((m) => m.id) } })), {
      confirm: { text: t('q.bulkDeleteAsk', { n: chosen.length }), yes: t('q.delete'), danger: true },
      done: (r) => bulkDone(t, 'q.bulkDeleted', r),
      always: reload,
    });
  const filtering = JSON.stringify(applied) !== JSON.stringify(NO_FILTERS);
  return (
    <section>
      <h2>{t('nav.quarantine')}</h2>
      <ActionFeedback action={action} />
      {isAdmin && <ReleaseRequests onChange={reload} />}
      {isAdmin && <h3>{t('q.listTitle')}</h3>}
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is too new for the browsers the console supports */}
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setRun({ f, starts: [] });
        }}
      >
        <label>
          {t('q.search')}
          <input name="search" type="search" maxLength={200} value={f.search} onChange={(e) => setF({ ...f, search: e.target.value })} />
        </label>
        <label>
          {t('q.reasonFilter')}
          <select name="reason" value={f.reason} onChange={(e) => setF({ ...f, reason: e.target.value as Reason | '' })}>
            <option value="">{t('q.anyReason')}</option>
            {(loaded.data?.reasons ?? []).map((r) => (
              <option key={r.value} value={r.value}>
                {r.label[t.lang]}
              </option>
            ))}
          </select>
        </label>
        {isAdmin && (
          <label>
            {t('q.recipientFilter')}
            <input name="recipient" maxLength={320} value={f.recipient} onChange={(e) => setF({ ...f, recipient: e.target.value })} />
          </label>
        )}
        <label>
          {t('q.fromDate')}
          <input name="from" type="date" value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} />
        </label>
        <label>
          {t('q.toDate')}
          <input name="to" type="date" value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} />
        </label>
        <button className="primary" type="submit" disabled={loaded.loading}>
          {t('q.filter')}
        </button>
      </form>
      {items.length > 0 && (
        <div className="buttons bulk" data-testid="bulk-actions">
          <label className="check">
            <input
              type="checkbox"
              name="select-all"
              checked={chosen.length === items.length}
              onChange={(e) => setSelected(new Set(e.target.checked ? items.map((m) => m.id) : []))}
            />
            {t('q.selectAll')}
          </label>
          {chosen.length > 0 && <span className="muted">{t('q.selected', { n: chosen.length })}</span>}
          {chosen.length > 0 && (
            <button type="button" className="primary" disabled={action.busy} onClick={() => void releaseChosen()}>
              {t('q.bulkRelease')}
            </button>
          )}
          {isAdmin && chosen.length > 0 && (
            <button type="button" className="danger" disabled={action.busy} onClick={() => void deleteChosen()}>
              {t('q.bulkDelete')}
            </button>
          )}
        </div>
      )}
      <LoadState loaded={loaded} empty={filtering ? t('q.none') : t('q.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <>
              <PageRange first={run.starts.length * PAGE + 1} shown={data.items.length} total={data.total} testId="quarantine-count" />
              <DataTable<Item>
                label={t('nav.quarantine')}
                rows={data.items}
                rowKey={(m) => m.id}
                rowAttrs={(m) => ({ 'data-id': m.id })}
                columns={[
                  {
                    key: 'select',
                    label: t('q.selectColumn'),
                    className: 'select',
                    render: (m) => (
                      <input
                        type="checkbox"
                        name="select"
                        aria-label={t('q.select', { subject: m.subject })}
                        checked={selected.has(m.id)}
                        onChange={(e) => toggle(m.id, e.target.checked)}
                      />
                    ),
                  },
                  { key: 'received', label: t('col.received'), render: (m) => formatDate(m.receivedAt, t) },
                  {
                    key: 'from',
                    label: t('col.from'),
                    className: 'addresses',
                    render: (m) => (
                      <span className="from">
                        {m.fromName && <b className="display-name">{m.fromName}</b>} <span>{m.fromAddress || m.mailFrom}</span>
                      </span>
                    ),
                  },
                  { key: 'to', label: t('col.to'), render: (m) => m.recipients.join(', '), className: 'addresses' },
                  { key: 'subject', label: t('col.subject'), render: (m) => m.subject, className: 'subject' },
                  { key: 'reason', label: t('col.reason'), render: (m) => <span className="reason">{m.reasonLabel[t.lang]}</span> },
                  {
                    key: 'actions',
                    label: t('col.actions'),
                    className: 'actions',
                    render: (m) => (
                      <>
                        <button type="button" onClick={() => show(m.id)}>
                          {t('q.preview')}
                        </button>
                        {m.mayRelease ? (
                          <button type="button" className="primary" disabled={action.busy} onClick={() => release(m)}>
                            {t('q.release')}
                          </button>
                        ) : m.myRequest ? (
                          <span className="request-state">{t(`q.myRequest.${m.myRequest}` as MessageKey)}</span>
                        ) : (
                          <button type="button" disabled={action.busy} onClick={() => ask(m)}>
                            {t('q.requestRelease')}
                          </button>
                        )}
                        {isAdmin && (
                          <button type="button" className="danger" disabled={action.busy} onClick={() => remove(m)}>
                            {t('q.delete')}
                          </button>
                        )}
                      </>
                    ),
                  },
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
      {open && (
        <>
          <h3 className="subject">{open.subject}</h3>
          <MessagePreviewOf id={open.id} canOpenFiles={isAdmin} />
        </>
      )}
    </section>
  );
}

/** 解除の依頼: recipients' pending requests; release (to the requester only) or refuse, each asked first. */
function ReleaseRequests({ onChange }: { onChange: () => void }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/quarantine/requests')));
  const action = useAction();
  const words = (r: Request) => ({ recipient: r.recipient, subject: r.subject, from: r.from, reason: r.reasonLabel[t.lang] });
  const after = () => {
    loaded.reload();
    onChange();
  };
  const release = (r: Request) =>
    action.run(() => ok(client.POST('/api/quarantine/requests/{id}/release', { params: { path: { id: r.id } } })), {
      confirm: { text: t('q.requestReleaseAsk', words(r)), yes: t('q.requestRelease.do') },
      done: t('q.requestReleased', words(r)),
      always: after,
    });
  const refuse = (r: Request) =>
    action.run(() => ok(client.POST('/api/quarantine/requests/{id}/refuse', { params: { path: { id: r.id } }, body: {} })), {
      confirm: { text: t('q.requestRefuseAsk', words(r)), yes: t('q.requestRefuse'), danger: true },
      done: t('q.requestRefused', words(r)),
      always: after,
    });
  return (
    <section className="release-requests">
      <h3>{t('q.requests')}</h3>
      <ActionFeedback action={action} />
      <LoadState loaded={loaded} empty={t('q.requestsEmpty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Request>
              label={t('q.requests')}
              rows={data.items}
              rowKey={(r) => r.id}
              rowAttrs={(r) => ({ 'data-request': r.id })}
              columns={[
                { key: 'requested', label: t('col.requestedAt'), render: (r) => formatDate(r.requestedAt, t) },
                { key: 'requester', label: t('col.requester'), render: (r) => r.recipient, className: 'addresses' },
                { key: 'from', label: t('col.from'), render: (r) => r.from, className: 'addresses' },
                { key: 'subject', label: t('col.subject'), render: (r) => r.subject, className: 'subject' },
                { key: 'reason', label: t('col.reason'), render: (r) => <span className="reason">{r.reasonLabel[t.lang]}</span> },
                {
                  key: 'actions',
                  label: t('col.actions'),
                  className: 'actions',
                  render: (r) => (
                    <>
                      <button type="button" className="primary" disabled={action.busy} onClick={() => release(r)}>
                        {t('q.requestRelease.do')}
                      </button>
                      <button type="button" className="danger" disabled={action.busy} onClick={() => refuse(r)}>
                        {t('q.requestRefuse')}
                      </button>
                    </>
                  ),
                },
              ]}
            />
          )
        }
      </LoadState>
    </section>
  );
}
