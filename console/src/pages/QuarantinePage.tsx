// 隔離: quarantined inbound mail (admins: the tenant's; others: addressed to them). プレビュー shows
// the one message view (MessagePreview: sanitized HTML in a sandboxed frame, or text); 隔離解除 (admins, or anyone when the tenant allows
// self-release) and 削除 (admins) ask first.
import { useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';

type Item = GetAnswer<'/api/quarantine'>['items'][number];
type Preview = GetAnswer<'/api/quarantine/{id}'>;

export function QuarantinePage({ isAdmin }: { isAdmin: boolean }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/quarantine')));
  const action = useAction();
  const [open, setOpen] = useState<Preview | null>(null);
  const show = (id: string) =>
    action.run(() => ok(client.GET('/api/quarantine/{id}', { params: { path: { id } } })), { done: null, onDone: setOpen });
  const release = (m: Item) =>
    action.run(() => ok(client.POST('/api/quarantine/{id}/release', { params: { path: { id: m.id } } })), {
      confirm: { text: t('q.releaseAsk', { subject: m.subject }), yes: t('q.release') },
      onDone: () => setOpen(null),
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
      <LoadState loaded={loaded} empty={t('q.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Item>
              label={t('nav.quarantine')}
              rows={data.items}
              rowKey={(m) => m.id}
              rowAttrs={(m) => ({ 'data-id': m.id })}
              columns={[
                { key: 'received', label: t('col.received'), render: (m) => formatDate(m.receivedAt, t.lang) },
                { key: 'from', label: t('col.from'), render: (m) => m.from || m.mailFrom, className: 'addresses' },
                { key: 'to', label: t('col.to'), render: (m) => m.recipients.join(', '), className: 'addresses' },
                { key: 'subject', label: t('col.subject'), render: (m) => m.subject, className: 'subject' },
                { key: 'score', label: t('col.score'), render: (m) => m.score ?? '—' },
                { key: 'reason', label: t('col.reason'), render: (m) => m.reason },
                {
                  key: 'actions',
                  label: t('col.actions'),
                  className: 'actions',
                  render: (m) => (
                    <>
                      <button type="button" onClick={() => show(m.id)}>
                        {t('q.preview')}
                      </button>
                      {(isAdmin || data.selfRelease) && (
                        <button type="button" className="primary" disabled={action.busy} onClick={() => release(m)}>
                          {t('q.release')}
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
