// 保留中のメール: the caller's waiting mail with a live countdown to automatic sending, the rules
// that held it, 本文プレビュー (the decoded mail under its row), and 今すぐ送信 / 確認して送信 (opens
// ConfirmSheet: every recipient and attachment ticked before 送信; the server checks the same) /
// 送信取り消し (send now and cancel ask first: neither can be undone). After an action it says where
// the mail really is; when a countdown ends the list reloads, so nothing is offered for mail that
// has moved on.
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, formatRelative, formatRemaining, useI18n } from '../i18n.ts';
import { useEffect, useRef, useState } from 'react';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useNow } from '../hooks/useNow.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';
import { ConfirmSheet } from '../components/ConfirmSheet.tsx';
import { RuleChips } from '../components/RuleChips.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { outcomeText } from '../words/states.ts';

type Held = GetAnswer<'/api/held'>['items'][number];

export function HeldPage() {
  const t = useI18n();
  const now = useNow();
  const loaded = useLoad(() => ok(client.GET('/api/held')));
  const action = useAction();
  const [open, setOpen] = useState<string | null>(null);
  const asks = {
    cancel: { text: t('held.cancelAsk'), yes: t('held.cancel'), danger: true },
    release: { text: t('held.sendNowAsk'), yes: t('held.sendNow') },
  } as const;
  const [sheet, setSheet] = useState<string | null>(null);
  const act = (id: string, what: 'release' | 'cancel') =>
    action.run(() => ok(client.POST(`/api/messages/{id}/${what}`, { params: { path: { id } } })), {
      confirm: asks[what],
      done: (r) => outcomeText(t, r.state),
      always: loaded.reload,
    });
  // A countdown that reaches 0:00 means the server has moved the mail on (sent, next stage,
  // discarded): reload once, a little after, rather than offer buttons for mail no longer held.
  const reloadedFor = useRef(new Set<string>());
  useEffect(() => {
    const due = (loaded.data?.items ?? []).filter(
      (m) => m.stage?.release !== 'manual' && m.dueAt !== null && m.dueAt + 2000 <= now && !reloadedFor.current.has(m.id),
    );
    if (due.length === 0) return;
    for (const m of due) reloadedFor.current.add(m.id);
    loaded.reload();
  }, [now, loaded]);
  return (
    <section>
      <h2>{t('nav.held')}</h2>
      <ActionFeedback action={action} />
      <LoadState loaded={loaded} empty={t('held.empty')}>
        {(data) => {
          const mine = data.items.filter((m) => m.myRole !== 'approver');
          return (
            mine.length > 0 && (
              <DataTable<Held>
                label={t('nav.held')}
                rows={mine}
                rowKey={(m) => m.id}
                rowAttrs={(m) => ({ 'data-id': m.id })}
                columns={[
                  { key: 'received', label: t('col.received'), render: (m) => formatDate(m.createdAt, t) },
                  { key: 'to', label: t('col.to'), render: (m) => m.recipients.join(', '), className: 'addresses' },
                  { key: 'subject', label: t('col.subject'), render: (m) => m.subject, className: 'subject' },
                  { key: 'state', label: t('col.state'), render: (m) => <StateBadge state={m.state} direction={m.direction} /> },
                  { key: 'rules', label: t('col.rules'), render: (m) => <RuleChips rules={m.rules} /> },
                  {
                    key: 'remaining',
                    label: t('col.remaining'),
                    className: 'countdown',
                    render: (m) =>
                      m.stage?.release === 'manual' ? (
                        t('held.manual')
                      ) : m.dueAt === null ? (
                        '—'
                      ) : (
                        <span title={formatDate(m.dueAt, t)}>
                          {formatRelative(m.dueAt, now, t)} <span className="muted">({formatRemaining(m.dueAt, now)})</span>
                        </span>
                      ),
                  },
                  {
                    key: 'actions',
                    label: t('col.actions'),
                    className: 'actions',
                    render: (m) => (
                      <>
                        <button
                          type="button"
                          aria-expanded={open === m.id}
                          onClick={() => {
                            setOpen(open === m.id ? null : m.id);
                            setSheet(null);
                          }}
                        >
                          {t('approvals.preview')}
                        </button>
                        {m.state === 'held' && (
                          <button type="button" className="primary" disabled={action.busy} onClick={() => act(m.id, 'release')}>
                            {t('held.sendNow')}
                          </button>
                        )}
                        {m.state === 'awaiting_confirmation' && (
                          <button
                            type="button"
                            className="primary"
                            aria-expanded={sheet === m.id}
                            disabled={action.busy}
                            onClick={() => {
                              setSheet(sheet === m.id ? null : m.id);
                              setOpen(null);
                            }}
                          >
                            {t('held.confirm')}
                          </button>
                        )}
                        <button type="button" className="danger" disabled={action.busy} onClick={() => act(m.id, 'cancel')}>
                          {t('held.cancel')}
                        </button>
                      </>
                    ),
                  },
                ]}
                expanded={(m) =>
                  sheet === m.id && m.state === 'awaiting_confirmation' ? (
                    <ConfirmSheet id={m.id} action={action} after={loaded.reload} />
                  ) : (
                    open === m.id && <MessagePreviewOf id={m.id} />
                  )
                }
              />
            )
          );
        }}
      </LoadState>
    </section>
  );
}
