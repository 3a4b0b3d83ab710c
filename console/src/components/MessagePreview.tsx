// 本文プレビュー: one message as GET /api/messages/:id/preview decodes it — From, To, Cc, Bcc, subject,
// date in the viewer's zone, the body (sanitized HTML in an iframe with sandbox="" and a CSP that
// forbids scripts and remote content, else the text as React text), attached files with human
// sizes (approvers and admins can open them; the server audits each as attachment.viewed) and the
// rules that matched. Approvals, held mail, message detail and quarantine all use it.
import { useEffect, useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatDate, formatSize, useI18n } from '../i18n.ts';
import { RuleChips } from './RuleChips.tsx';
// the same body document (and CSP) as the server-rendered decision pages
import { frameDocument } from '../../../src/web/message-view-html.ts';

export type PreviewAnswer = GetAnswer<'/api/messages/{id}/preview'>;
type Address = PreviewAnswer['to'][number];

function addresses(list: readonly Address[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}

export function MessagePreview({
  view,
  messageId,
  canOpenFiles = false,
  listFiles = true,
}: {
  view: PreviewAnswer | null;
  messageId?: string;
  canOpenFiles?: boolean;
  /** false where the attachments are listed otherwise (the confirmation sheet's ticks) */
  listFiles?: boolean;
}) {
  const t = useI18n();
  if (view === null)
    return (
      <section aria-label={t('preview.label')}>
        <p>{t('load.loading')}</p>
      </section>
    );
  const rows: Array<[string, string]> = [
    [t('preview.from'), view.from ? addresses([view.from]) : '—'],
    [t('preview.to'), addresses(view.to) || '—'],
    ...(view.cc.length ? [[t('preview.cc'), addresses(view.cc)] as [string, string]] : []),
    ...(view.bcc.length ? [[t('preview.bcc'), addresses(view.bcc)] as [string, string]] : []),
    [t('preview.subject'), view.subject || t('preview.noSubject')],
    [t('preview.date'), view.date ? formatDate(Date.parse(view.date), t) : '—'],
  ];
  return (
    <section aria-label={t('preview.label')} className="message-view">
      <dl className="message-headers">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {view.matchedRules.length > 0 && (
        <p>
          {t('preview.rules')} <RuleChips rules={view.matchedRules.map((r) => r.rule)} />
        </p>
      )}
      {view.unparseable !== null && (
        <p className="muted" role="note">
          {t('preview.unparseable')}
        </p>
      )}
      {view.html !== null ? (
        <iframe className="preview-html" title={t('preview.body')} sandbox="" srcDoc={frameDocument(view.html)} />
      ) : (
        <pre className="preview">{view.text}</pre>
      )}
      {view.truncated && <p>{t('preview.truncated')}</p>}
      {listFiles && <h4>{t('preview.attachments')}</h4>}
      {!listFiles ? null : view.attachments.length === 0 ? (
        <p>{t('preview.noAttachments')}</p>
      ) : (
        <ul className="attachments">
          {view.attachments.map((a) => (
            <li key={a.index}>
              <span className="filename">{a.filename || t('preview.noName')}</span> ({formatSize(a.size, t.lang)}, {a.contentType})
              {canOpenFiles && messageId && (
                <>
                  {' '}
                  <a href={`/api/messages/${encodeURIComponent(messageId)}/attachments/${a.index}`} download>
                    {t('preview.open')}
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** MessagePreview of message `id`, loaded from the preview API (an error shows as such, not as an empty mail). */
export function MessagePreviewOf({
  id,
  canOpenFiles = false,
  listFiles = true,
}: {
  id: string;
  canOpenFiles?: boolean;
  listFiles?: boolean;
}) {
  const t = useI18n();
  const [view, setView] = useState<PreviewAnswer | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setView(null);
    setFailed(false);
    ok(client.GET('/api/messages/{id}/preview', { params: { path: { id } } })).then(setView, () => setFailed(true));
  }, [id]);
  if (failed) return <p role="alert">{t('preview.failed')}</p>;
  return <MessagePreview view={view} messageId={id} canOpenFiles={canOpenFiles} listFiles={listFiles} />;
}
