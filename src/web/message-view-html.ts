// The one message view (src/mime/message-view.ts) as HTML for the server-rendered decision pages
// (/a /c /h /q): From, To, Cc, Bcc, Subject, Date in the tenant's zone, matched rules, the body —
// sanitized HTML inside an iframe with sandbox="" (no script, no form, no navigation) whose
// document carries a CSP allowing only inline style and data: pictures — else the text in <pre>,
// and the attached files with human size and type. Every value is escaped; Japanese, English, or
// both side by side (the /q/ page).
import type { NoticeLanguage } from '../util/lang.ts';
import type { MessageView, ViewAddress, ViewAttachment } from '../mime/message-view.ts';
import type { ContentFinding } from '../policy/conditions.ts';
import type { RuleMatch } from '../policy/evaluate.ts';
import { formatSize } from '../mime/notice-text.ts';
import { formatDate } from '../util/zoned-time.ts';
import { escapeHtml as e } from '../util/escape-html.ts';

export type ViewLang = NoticeLanguage;

const WORDS = {
  from: ['差出人', 'From'],
  to: ['宛先', 'To'],
  cc: ['Cc', 'Cc'],
  bcc: ['Bcc', 'Bcc'],
  subject: ['件名', 'Subject'],
  date: ['日時', 'Date'],
  rules: ['該当したルール', 'Rules matched'],
  body: ['本文', 'Message body'],
  files: ['添付ファイル', 'Attachments'],
  none: ['なし', 'none'],
  noSubject: ['（件名なし）', '(no subject)'],
  noName: ['（名前なし）', '(no name)'],
  truncated: ['本文が長いため、先頭の一部のみ表示しています。', 'The body is long: only its beginning is shown.'],
  unparseable: [
    'このメールは形式を完全には解析できませんでした。表示されていない内容がある可能性があります。',
    'This message could not be parsed completely; some of its content may not be shown.',
  ],
} as const;

/** What a content condition found, in words: [ja, en]. */
const FOUND: Record<ContentFinding['kind'], readonly [string, string]> = {
  creditCard: ['クレジットカード番号', 'Credit card numbers'],
  myNumber: ['マイナンバー', 'My Numbers'],
  personalData: ['まとまった個人情報（住所・電話番号・生年月日）', 'Personal data in bulk (addresses, phone numbers, dates of birth)'],
  attachmentText: ['ルールの語句', 'Words of the rule'],
  encryptedArchive: [
    'パスワード付きの圧縮ファイル（中身を検査できません）',
    'Password-protected archive (its contents cannot be inspected)',
  ],
  inspectionIncomplete: ['添付ファイルを最後まで検査できませんでした', 'The attachments could not be inspected completely'],
};
const IN_BODY = ['件名・本文', 'subject or body'] as const;

/** 「マイナンバー 3件：社員.zip/社員名簿.csv」 / "My Numbers (3): 社員.zip/社員名簿.csv" */
function findingLine(f: ContentFinding, lang: ViewLang): string {
  const say = (i: 0 | 1) => {
    const what = FOUND[f.kind]?.[i] ?? f.kind;
    const count = f.count === undefined ? '' : i === 0 ? ` ${f.count}件` : ` (${f.count})`;
    const where = f.file ?? IN_BODY[i];
    return f.kind === 'inspectionIncomplete' ? what : `${what}${count}${i === 0 ? '：' : ': '}${where}`;
  };
  return lang === 'ja' ? say(0) : lang === 'en' ? say(1) : `${say(0)} / ${say(1)}`;
}

/** The rule's name, and under it what it found in which file (content conditions only). */
function ruleHtml(r: RuleMatch, lang: ViewLang): string {
  const found = (r.findings ?? []).map((f) => `<li>${e(findingLine(f, lang))}</li>`).join('');
  return `<span class="rule">${e(r.rule)}</span>${found ? `<ul class="findings">${found}</ul>` : ''}`;
}

export function viewWord(key: keyof typeof WORDS, lang: ViewLang): string {
  const [ja, en] = WORDS[key];
  return lang === 'ja' ? ja : lang === 'en' ? en : ja === en ? ja : `${ja} / ${en}`;
}

/** What the body frame's document may do: inline style and data: pictures, nothing else. */
export const MESSAGE_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Style for the view; pages include it once in their <style>. */
export const MESSAGE_VIEW_CSS =
  '.mail dl{margin:.5rem 0}.mail dt{font-weight:bold;margin-top:.4rem}.mail dd{margin:0;overflow-wrap:anywhere}' +
  '.mail iframe{width:100%;height:24rem;border:1px solid #bbb;border-radius:4px;background:#fff}' +
  '.mail pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;border:1px solid #ddd;border-radius:4px;' +
  'padding:.6rem;max-height:30rem;overflow:auto;font-family:inherit}' +
  '.mail ul.files{padding-left:1.2rem}.mail ul.files li{overflow-wrap:anywhere;margin:.2rem 0}.mail .note{color:#555;font-size:.9rem}' +
  '.mail form.inline{display:inline}.mail form.inline button{font-size:.9rem;padding:.2rem .6rem;margin:0 0 0 ' +
  '.4rem}.mail ul.findings{margin:.1rem 0 .4rem;padding-left:1.2rem;overflow-wrap:anywhere}.mail ' +
  '.rule{display:inline-block;border:1px solid #bbb;border-radius:3px;padding:0 .3rem;margin:0 .2rem .2rem 0}';

function addresses(list: readonly ViewAddress[]): string {
  return list.map((a) => e(a.name ? `${a.name} <${a.address}>` : a.address)).join('<br>');
}

function dateText(iso: string, lang: ViewLang, timeZone: string): string {
  return formatDate(lang === 'en' ? 'en' : 'ja', Date.parse(iso), timeZone);
}

export function frameDocument(html: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${MESSAGE_FRAME_CSP}">` +
    '<style>body{font-family:sans-serif;margin:8px;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style></head>' +
    `<body>${html}</body></html>`
  );
}

export interface ViewHtmlOptions {
  lang: ViewLang;
  /** the tenant's time zone for the Date line */
  timeZone: string;
  /** false when the page lists the files itself (the /c/ page ticks them) */
  listFiles?: boolean;
  /** extra markup after a file's line (the approval page's 開く button) */
  fileControl?: (a: ViewAttachment) => string;
}

export function messageViewHtml(view: MessageView, o: ViewHtmlOptions): string {
  const w = (k: keyof typeof WORDS) => e(viewWord(k, o.lang));
  const row = (k: keyof typeof WORDS, html: string) => `<dt>${w(k)}</dt><dd>${html}</dd>`;
  const headers = [
    row('from', view.from ? addresses([view.from]) : '—'),
    row('to', addresses(view.to) || '—'),
    view.cc.length ? row('cc', addresses(view.cc)) : '',
    view.bcc.length ? row('bcc', addresses(view.bcc)) : '',
    row('subject', e(view.subject) || w('noSubject')),
    view.date ? row('date', e(dateText(view.date, o.lang, o.timeZone))) : '',
    view.matchedRules.length ? row('rules', view.matchedRules.map((r) => ruleHtml(r, o.lang)).join('')) : '',
  ].join('');
  const body =
    view.html !== null
      ? `<iframe sandbox="" title="${w('body')}" srcdoc="${e(frameDocument(view.html))}"></iframe>`
      : `<pre aria-label="${w('body')}">${e(view.text)}</pre>`;
  const notes = [view.truncated ? w('truncated') : '', view.unparseable !== null ? w('unparseable') : '']
    .filter(Boolean)
    .map((n) => `<p class="note">${n}</p>`)
    .join('');
  const files =
    o.listFiles === false
      ? ''
      : `<h2>${w('files')}</h2>${
          view.attachments.length === 0
            ? `<p>${w('none')}</p>`
            : `<ul class="files">${view.attachments.map((a) => `<li>${fileLine(a, o)}${o.fileControl?.(a) ?? ''}</li>`).join('')}</ul>`
        }`;
  return `<section class="mail"><dl>${headers}</dl>${body}${notes}${files}</section>`;
}

/** 見積書①.pdf (12.3 KB, application/pdf) */
export function fileLine(a: ViewAttachment, o: Pick<ViewHtmlOptions, 'lang'>): string {
  return `<span class="filename">${e(a.filename || viewWord('noName', o.lang))}</span> (${e(formatSize(a.size))}, ${e(a.contentType)})`;
}
