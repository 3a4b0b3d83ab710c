// Web-download files of a message: each file's state, ファイルを削除（取り下げ） (asks first: the file
// is deleted at once), and per recipient how often and when they downloaded. MessagePage shows
// this only for mail with download links.
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, formatSize, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Notice } from '../components/Notice.tsx';
import { errorText } from '../errors.ts';

type Status = GetAnswer<'/api/messages/{id}/downloads'>;

export function DownloadFiles({ id }: { id: string }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/messages/{id}/downloads', { params: { path: { id } } })));
  const action = useAction();
  const s = loaded.data;
  if (loaded.error) return <Notice err={errorText(loaded.error, t)} />;
  if (!s) return null;
  const withdraw = (file: number, filename: string) =>
    action.run(() => ok(client.POST('/api/messages/{id}/downloads/withdraw', { params: { path: { id } }, body: { file } })), {
      confirm: { text: t('detail.withdrawAsk', { file: filename }), yes: t('detail.withdraw'), danger: true },
      always: loaded.reload,
    });
  return (
    <>
      <h3>{t('detail.downloads')}</h3>
      <ActionFeedback action={action} />
      <DataTable<Status['files'][number]>
        testId="download-files"
        label={t('detail.downloads')}
        rows={s.files}
        rowKey={(f) => String(f.index)}
        columns={[
          { key: 'file', label: t('detail.file'), render: (f) => f.filename },
          { key: 'size', label: t('detail.size'), render: (f) => formatSize(f.size, t.lang) },
          { key: 'expires', label: t('detail.expires'), render: (f) => formatDate(Date.parse(f.expiresAt), t) },
          { key: 'state', label: t('col.state'), render: (f) => t(`file.${f.state}`) },
          {
            key: 'actions',
            label: t('col.actions'),
            render: (f) =>
              f.state === 'available' && (
                <button type="button" className="danger" disabled={action.busy} onClick={() => withdraw(f.index, f.filename)}>
                  {t('detail.withdraw')}
                </button>
              ),
          },
        ]}
      />
      <DataTable<Status['recipients'][number]>
        label={t('detail.downloadCount')}
        rows={s.recipients}
        rowKey={(x) => x.recipient}
        columns={[
          { key: 'to', label: t('col.to'), render: (x) => x.recipient },
          { key: 'count', label: t('detail.downloadCount'), render: (x) => x.count },
          { key: 'last', label: t('detail.lastDownload'), render: (x) => (x.lastAt ? formatDate(Date.parse(x.lastAt), t) : '—') },
        ]}
      />
    </>
  );
}
