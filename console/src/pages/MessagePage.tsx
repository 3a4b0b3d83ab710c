// One message: its facts, what was done to it, recipients' delivery results, web-download files
// (who downloaded, ファイルを削除（取り下げ）) and the 監査ログ of every event in words.
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { useHref } from '../route.ts';
import { ActionList } from '../components/ActionList.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Facts } from '../components/Facts.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { MessagePreviewOf } from '../components/MessagePreview.tsx';
import { RuleChips } from '../components/RuleChips.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { eventFacts, eventLabel } from '../words/events.ts';
import { DownloadFiles } from './DownloadFiles.tsx';

type Detail = GetAnswer<'/api/messages/{id}'>;
type Delivery = Detail['deliveries'][number];
type Event = Detail['timeline'][number];

export function MessagePage({ id }: { id: string }) {
  const t = useI18n();
  const href = useHref();
  const loaded = useLoad(() => ok(client.GET('/api/messages/{id}', { params: { path: { id } } })));
  return (
    <section>
      <p>
        <a href={href('messages')}>← {t('detail.back')}</a>
      </p>
      <LoadState loaded={loaded}>
        {(d) => (
          <>
            <h2 className="subject">{d.subject}</h2>
            <Facts
              items={[
                [t('col.state'), <StateBadge key="s" state={d.state} direction={d.direction} />],
                [t('col.received'), formatDate(d.createdAt, t)],
                [
                  t('col.from'),
                  d.headerFrom && d.headerFrom !== d.mailFrom
                    ? t('detail.fromHeader', { from: d.mailFrom, header: d.headerFrom })
                    : d.mailFrom,
                ],
                [t('col.to'), d.recipients.join(', ')],
                [t('col.rules'), <RuleChips key="r" rules={d.rules} />],
                [t('col.done'), <ActionList key="a" actions={d.actions} />],
                d.attachments.zipPassword !== null && [t('detail.zipPassword'), <code key="z">{d.attachments.zipPassword}</code>],
                d.bodyPurgedAt !== null && [
                  t('detail.body'),
                  <span key="b" data-testid="body-purged">
                    {t('detail.bodyPurged', { at: formatDate(d.bodyPurgedAt, t) })}
                  </span>,
                ],
              ]}
            />
            {/* a purged body has nothing to preview: the line above says so, no request is made */}
            {d.bodyPurgedAt === null && (
              <>
                <h3>{t('preview.label')}</h3>
                <MessagePreviewOf id={id} canOpenFiles />
              </>
            )}
            {d.attachments.downloads.length > 0 && <DownloadFiles id={id} />}
            <h3>{t('detail.deliveries')}</h3>
            <DataTable<Delivery>
              label={t('detail.deliveries')}
              rows={d.deliveries}
              rowKey={(r) => r.address}
              columns={[
                { key: 'address', label: t('col.to'), render: (r) => r.address },
                { key: 'state', label: t('col.state'), render: (r) => t.maybe(`delivery.${r.state}`) ?? t('state.unknown') },
                { key: 'response', label: t('detail.response'), render: (r) => r.lastResponse ?? '', className: 'muted' },
              ]}
            />
            <h3>{t('detail.timeline')}</h3>
            <DataTable<Event>
              testId="timeline"
              label={t('detail.timeline')}
              rows={d.timeline}
              rowKey={(e) => String(e.id)}
              columns={[
                { key: 'at', label: t('detail.at'), render: (e) => formatDate(e.at, t) },
                { key: 'event', label: t('detail.event'), render: (e) => <span title={e.type}>{eventLabel(t, e.type)}</span> },
                { key: 'actor', label: t('detail.actor'), render: (e) => t.maybe(`actor.${e.actor}`) ?? e.actor },
                {
                  key: 'data',
                  label: t('detail.data'),
                  render: (e) => (
                    <ul className="plain">
                      {eventFacts(t, e.data).map((f) => (
                        <li key={f.label}>{t('fact', { label: f.label, value: f.value })}</li>
                      ))}
                    </ul>
                  ),
                },
              ]}
            />
          </>
        )}
      </LoadState>
    </section>
  );
}
