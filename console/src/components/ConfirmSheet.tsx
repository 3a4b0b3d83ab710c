// 送信確認 in the console, the same check as the /c/ page (src/outbound/confirmation.ts): the mail
// itself (MessagePreviewOf), every recipient under To / Cc / Bcc with 社外 and its domain in bold
// and 初めての宛先, every attachment with its size, each a labelled checkbox (confirm applyTo:
// external — internal recipients are listed with 社内 and no checkbox); what happens at the
// deadline; 送信 stays disabled until everything that needs a tick is ticked, and the server refuses it otherwise.
import { useState } from 'react';
import { client, ok, type GetAnswer } from '../api.ts';
import { formatSize, useI18n } from '../i18n.ts';
import { useLoad } from '../hooks/useLoad.ts';
import type { Action } from '../hooks/useAction.ts';
import { LoadState } from './LoadState.tsx';
import { MessagePreviewOf } from './MessagePreview.tsx';
import { outcomeText } from '../words/states.ts';

type Sheet = GetAnswer<'/api/messages/{id}/confirmation'>;
type Recipient = Sheet['recipients'][number];

export function ConfirmSheet({ id, action, after }: { id: string; action: Action; after: () => void }) {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/messages/{id}/confirmation', { params: { path: { id } } })));
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const toggle = (key: string, on: boolean) =>
    setTicked((s) => {
      const next = new Set(s);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });
  const send = (sheet: Sheet) =>
    action.run(
      () =>
        ok(
          client.POST('/api/messages/{id}/confirm', {
            params: { path: { id } },
            body: {
              recipients: sheet.recipients.filter((r) => ticked.has(`r:${r.address}`)).map((r) => r.address),
              attachments: sheet.attachments.filter((a) => ticked.has(`f:${a.index}`)).map((a) => a.index),
            },
          }),
        ),
      { done: (r) => outcomeText(t, r.state), always: after },
    );
  return (
    <div className="decision confirm-sheet" data-testid="confirm-sheet">
      {/* the attachments are listed once, as ticks below, as on the /c/ page */}
      <MessagePreviewOf id={id} listFiles={false} />
      <LoadState loaded={loaded}>
        {(sheet) => {
          const keys = [
            ...sheet.recipients.filter((r) => r.needsTick).map((r) => `r:${r.address}`),
            ...sheet.attachments.map((a) => `f:${a.index}`),
          ];
          const all = keys.every((k) => ticked.has(k));
          return (
            <>
              <p>{t(sheet.applyTo === 'external' ? 'confirm.tickExternal' : 'confirm.tickAll')}</p>
              {(['to', 'cc', 'bcc'] as const).map((field) => {
                const list = sheet.recipients.filter((r) => r.field === field);
                return (
                  list.length > 0 && (
                    <fieldset key={field}>
                      <legend>{t(`confirm.field.${field}`)}</legend>
                      {list.map((r) =>
                        r.needsTick ? (
                          <label key={r.address} className="tick">
                            <input
                              type="checkbox"
                              checked={ticked.has(`r:${r.address}`)}
                              onChange={(e) => toggle(`r:${r.address}`, e.target.checked)}
                            />
                            <RecipientText r={r} internalMark={sheet.applyTo === 'external'} />
                          </label>
                        ) : (
                          <div key={r.address} className="notick">
                            <RecipientText r={r} internalMark />
                          </div>
                        ),
                      )}
                    </fieldset>
                  )
                );
              })}
              <fieldset>
                <legend>{t('preview.attachments')}</legend>
                {sheet.attachments.length === 0 && <p>{t('preview.noAttachments')}</p>}
                {sheet.attachments.map((a) => (
                  <label key={a.index} className="tick">
                    <input
                      type="checkbox"
                      checked={ticked.has(`f:${a.index}`)}
                      onChange={(e) => toggle(`f:${a.index}`, e.target.checked)}
                    />
                    <span className="filename">{a.filename || t('preview.noName')}</span> ({formatSize(a.size, t.lang)}, {a.contentType})
                  </label>
                ))}
              </fieldset>
              <p>
                <strong>{t('confirm.atDeadline')}</strong> {t.lang === 'ja' ? sheet.nextStep.ja : sheet.nextStep.en}
              </p>
              <div className="buttons">
                <button type="button" className="primary" disabled={!all || action.busy} onClick={() => send(sheet)}>
                  {t('confirm.send')}
                </button>
                {!all && <span className="muted">{t('confirm.notAll', { n: keys.filter((k) => !ticked.has(k)).length })}</span>}
              </div>
            </>
          );
        }}
      </LoadState>
    </div>
  );
}

/** The address (an external one with its domain in bold) and its marks; 社内 where the sheet asks no tick for internal ones. */
function RecipientText({ r, internalMark }: { r: Recipient; internalMark: boolean }) {
  const t = useI18n();
  const at = r.address.lastIndexOf('@');
  return (
    <span className="recipient">
      {r.external ? (
        <>
          {r.address.slice(0, at + 1)}
          <strong className="domain">{r.domain}</strong>
        </>
      ) : (
        r.address
      )}
      {r.external && <span className="mark ext">{t('confirm.external')}</span>}
      {!r.external && internalMark && <span className="mark int">{t('confirm.internal')}</span>}
      {r.firstContact && <span className="mark new">{t('confirm.firstContact')}</span>}
    </span>
  );
}
