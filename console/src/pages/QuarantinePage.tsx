// 隔離: quarantined inbound mail (admins: the tenant's; others: addressed to them), each with the
// real reason (ウイルス検出, 迷惑メール スコア 12.3: the server's one label function). プレビュー shows
// the one message view (MessagePreview: sanitized HTML in a sandboxed frame, or text); 隔離解除
// (admins, or anyone when the tenant allows self-release and the mail is spam) and 削除 (admins)
// ask first, naming the mail and why it was quarantined. Recipients ask for what they may not
// release (解除を依頼); admins answer those requests in 解除の依頼 — release to the requester only,
// or refuse (the requester is mailed).
import { useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n, type MessageKey } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';

type Item = GetAnswer<'/api/quarantine'>['items'][number];
type Preview = GetAnswer<'/api/quarantine/{id}'>;
type Request = GetAnswer<'/api/quarantine/requests'>['items'][number];

export function QuarantinePage({ isAdmin }: { isAdmin: boolean }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/quarantine')));
  const action = useAction();
  const [open, setOpen] = useState<Preview | null>(null);
  const show = (id: string) =>
    action.run(() => ok(client.GET('/api/quarantine/{id}', { params: { path: { id } } })), { done: null, onDone: setOpen });
  const release = (m: Item) =>
    action.run(() => ok(client.POST('/api/quarantine/{id}/release', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.releaseAsk', { subject: m.subject, reason: m.reasonLabel[t.lang] }), yes: t('q.release') },
      onDone: () => setOpen(null),
      always: loaded.reload,
    });
  const ask = (m: Item) =>
    action.run(() => ok(client.POST('/api/quarantine/{id}/request-release', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.requestAsk', { subject: m.subject, reason: m.reasonLabel[t.lang] }), yes: t('q.requestRelease') },
      done: t('q.requested'),
      always: loaded.reload,
    });
  const remove = (m: Item) =>
    action.run(() => ok(client.DELETE('/api/quarantine/{id}', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.deleteAsk', { subject: m.subject }), yes: t('q.delete'), danger: true },
      onDone: () => setOpen(null),
      always: loaded.reload,
    });
  return (
    <section>
      <h2>{t('nav.quarantine')}</h2>
      <ActionFeedback action={action} />
      {isAdmin && <ReleaseRequests onChange={loaded.reload} />}
      {isAdmin && <h3>{t('q.listTitle')}</h3>}
      <LoadState loaded={loaded} empty={t('q.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Item>
              label={t('nav.quarantine')}
              rows={data.items}
              rowKey={(m) => m.id}
              rowAttrs={(m) => ({ 'data-id': m.id })}
              columns={[
                { key: 'received', label: t('col.received'), render: (m) => formatDate(m.receivedAt, t) },
                { key: 'from', label: t('col.from'), render: (m) => m.from || m.mailFrom, className: 'addresses' },
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
                      {isAdmin || (data.selfRelease && !m.adminOnly) ? (
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
