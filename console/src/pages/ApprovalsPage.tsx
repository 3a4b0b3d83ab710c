// 上長承認: the approver's queue. 本文プレビュー opens the decoded message (MessagePreview) under its
// row; 承認 / 却下 go with an optional comment (in the audit trail and the sender's notice).
import { useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';
import { RuleChips } from '../components/RuleChips.tsx';

type Waiting = GetAnswer<'/api/approvals'>['items'][number];

export function ApprovalsPage() {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/approvals')));
  const action = useAction();
  const [open, setOpen] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  // 却下 asks first, naming the mail and quoting the note the sender's rejection notice will carry
  const rejectQuestion = (subject: string) =>
    t('approvals.rejectAsk', { subject: subject || t('preview.noSubject') }) +
    (comment.trim() ? ` ${t('approvals.rejectNote', { note: comment.trim() })}` : '');
  const decide = (id: string, what: 'approve' | 'reject', subject: string) =>
    action.run(() => ok(client.POST(`/api/approvals/{id}/${what}`, { params: { path: { id } }, body: { comment } })), {
      ...(what === 'reject' ? { confirm: { text: rejectQuestion(subject), yes: t('approvals.reject'), danger: true } } : {}),
      onDone: () => {
        setComment('');
        setOpen(null);
      },
      always: loaded.reload,
    });
  return (
    <section>
      <h2>{t('nav.approvals')}</h2>
      <ActionFeedback action={action} />
      <LoadState loaded={loaded} empty={t('approvals.empty')}>
        {(data) =>
          data.items.length > 0 && (
            <DataTable<Waiting>
              label={t('nav.approvals')}
              rows={data.items}
              rowKey={(m) => m.id}
              rowAttrs={(m) => ({ 'data-id': m.id })}
              columns={[
                { key: 'received', label: t('col.received'), render: (m) => formatDate(m.createdAt, t) },
                { key: 'from', label: t('col.from'), render: (m) => m.mailFrom, className: 'addresses' },
                { key: 'to', label: t('col.to'), render: (m) => m.recipients.join(', '), className: 'addresses' },
                { key: 'subject', label: t('col.subject'), render: (m) => m.subject, className: 'subject' },
                { key: 'rules', label: t('col.rules'), render: (m) => <RuleChips rules={m.rules} /> },
                {
                  key: 'actions',
                  label: t('col.actions'),
                  render: (m) => (
                    <button
                      type="button"
                      aria-expanded={open === m.id}
                      onClick={() => {
                        // a note belongs to one mail: opening another starts empty
                        if (open !== m.id) setComment('');
                        setOpen(open === m.id ? null : m.id);
                      }}
                    >
                      {t('approvals.preview')}
                    </button>
                  ),
                },
              ]}
              expanded={(m) =>
                open === m.id && (
                  <div className="decision">
                    <MessagePreviewOf id={m.id} canOpenFiles />
                    <label>
                      {t('approvals.comment')}
                      <textarea name="comment" maxLength={2000} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
                    </label>
                    <div className="buttons">
                      <button type="button" className="primary" disabled={action.busy} onClick={() => decide(m.id, 'approve', m.subject)}>
                        {t('approvals.approve')}
                      </button>
                      <button type="button" className="danger" disabled={action.busy} onClick={() => decide(m.id, 'reject', m.subject)}>
                        {t('approvals.reject')}
                      </button>
                    </div>
                  </div>
                )
              }
            />
          )
        }
      </LoadState>
    </section>
  );
}
