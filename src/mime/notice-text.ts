// The words Sekisho puts into mail for attachment protection, in Japanese (polite です・ます,
// the terms Japanese users know — see GLOSSARY.md) and English, as plain text and HTML:
// the web-download notice inserted into the message body, and the separate ZIP password notice.
// Pure functions; dates are shown in the tenant's time zone by util/zoned-time. 'both' puts
// Japanese first, then English. Every value shown is HTML-escaped in the HTML versions.
import type { NoticeLanguage } from '../util/lang.ts';
import { escapeHtml } from '../util/escape-html.ts';
import { formatDate } from '../util/zoned-time.ts';

export type { NoticeLanguage };

export interface NoticeFile {
  filename: string;
  size: number;
}

export interface NoticeBodies {
  text: string;
  html: string;
}

export interface WebDownloadNoticeInput {
  lang: NoticeLanguage;
  url: string;
  files: NoticeFile[];
  expiresAt: Date;
  /** true when the page asks for a one-time passcode mailed to the recipient */
  passcode: boolean;
  /** the tenant's IANA zone for the expiry shown */
  timeZone: string;
}

export interface ZipPasswordNoticeInput {
  lang: NoticeLanguage;
  password: string;
  zipName: string;
  /** decoded subject of the message the ZIP went with */
  subject: string;
  sentAt: Date;
  /** names of the files inside the ZIP */
  files?: string[];
  /** the tenant's IANA zone for the time sent */
  timeZone: string;
}

const RULE = '----------------------------------------';

/** Human file size: 512 B, 1.2 KB, 3.4 MB (1 KB = 1024 B, as download pages show). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

interface Block {
  /** lines of the plain-text version */
  lines: string[];
  /** inner HTML */
  html: string;
}

function webDownloadJa(input: WebDownloadNoticeInput): Block {
  const expiry = formatDate('ja', input.expiresAt, input.timeZone);
  const files = input.files.map((f) => `${f.filename} (${formatSize(f.size)})`);
  const lines = [
    '添付ファイルはダウンロードURL形式でお送りしました。',
    '下記のダウンロードURLからダウンロードしてください。',
    '',
    `ダウンロードURL: ${input.url}`,
    `有効期限: ${expiry} まで`,
    'ファイル:',
    ...files.map((f) => `  ・${f}`),
  ];
  if (input.passcode) {
    lines.push('', 'ダウンロードの際は確認コードが必要です。', 'ページを開くと、このメールの宛先アドレスに確認コードをお送りします。');
  }
  const html =
    `<p>添付ファイルはダウンロードURL形式でお送りしました。<br>下記のダウンロードURLからダウンロードしてください。</p>` +
    `<p>ダウンロードURL: <a href="${escapeHtml(input.url)}">${escapeHtml(input.url)}</a><br>有効期限: ${escapeHtml(expiry)} まで</p>` +
    fileListHtml('ファイル:', files) +
    (input.passcode
      ? '<p>ダウンロードの際は確認コードが必要です。ページを開くと、このメールの宛先アドレスに確認コードをお送りします。</p>'
      : '');
  return { lines, html };
}

function webDownloadEn(input: WebDownloadNoticeInput): Block {
  const expiry = formatDate('en', input.expiresAt, input.timeZone);
  const files = input.files.map((f) => `${f.filename} (${formatSize(f.size)})`);
  const lines = [
    'The attachments to this message were sent as a download link.',
    'Please download them from the URL below.',
    '',
    `Download URL: ${input.url}`,
    `Available until: ${expiry}`,
    'Files:',
    ...files.map((f) => `  - ${f}`),
  ];
  if (input.passcode) {
    lines.push('', 'A one-time passcode is required: when you open the page,', 'it is sent to the address this message was sent to.');
  }
  const html =
    `<p>The attachments to this message were sent as a download link.<br>Please download them from the URL below.</p>` +
    `<p>Download URL: <a href="${escapeHtml(input.url)}">${escapeHtml(input.url)}</a><br>Available until: ${escapeHtml(expiry)}</p>` +
    fileListHtml('Files:', files) +
    (input.passcode
      ? '<p>A one-time passcode is required: when you open the page, it is sent to the address this message was sent to.</p>'
      : '');
  return { lines, html };
}

function fileListHtml(label: string, files: string[]): string {
  return `<p>${escapeHtml(label)}</p><ul>${files.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`;
}

function combine(lang: NoticeLanguage, ja: () => Block, en: () => Block): NoticeBodies {
  const blocks = lang === 'ja' ? [ja()] : lang === 'en' ? [en()] : [ja(), en()];
  const text = [RULE, ...blocks.flatMap((b, i) => (i === 0 ? b.lines : ['', ...b.lines])), RULE].join('\n');
  const inner = blocks.map((b) => b.html).join('<hr style="border:none;border-top:1px solid #ccc">');
  const html = `<div style="border:1px solid #999;padding:8px 12px;margin:8px 0;font-family:sans-serif;font-size:14px">${inner}</div>`;
  return { text, html };
}

/** The notice put into every text body part when attachments become a download link. */
export function webDownloadNotice(input: WebDownloadNoticeInput): NoticeBodies {
  return combine(
    input.lang,
    () => webDownloadJa(input),
    () => webDownloadEn(input),
  );
}

export interface PasswordNoticeMail extends NoticeBodies {
  subject: string;
}

/** The separate mail (パスワード通知メール) carrying the ZIP password. */
export function zipPasswordNotice(input: ZipPasswordNoticeInput): PasswordNoticeMail {
  const ja = (): Block => {
    const sent = formatDate('ja', input.sentAt, input.timeZone);
    const lines = [
      '先ほどお送りしたメールの添付ファイルのパスワードをお知らせします。',
      '',
      `件名: ${input.subject}`,
      `送信日時: ${sent}`,
      `添付ファイル: ${input.zipName}`,
      ...(input.files?.length ? ['内容:', ...input.files.map((f) => `  ・${f}`)] : []),
      '',
      `パスワード: ${input.password}`,
      '',
      'パスワードは大文字と小文字を区別します。',
      'このメールはシステムから自動送信しています。お心当たりのない場合は破棄してください。',
    ];
    const html =
      `<p>先ほどお送りしたメールの添付ファイルのパスワードをお知らせします。</p>` +
      `<p>件名: ${escapeHtml(input.subject)}<br>送信日時: ${escapeHtml(sent)}<br>添付ファイル: ${escapeHtml(input.zipName)}</p>` +
      (input.files?.length ? fileListHtml('内容:', input.files) : '') +
      `<p>パスワード: <code style="font-size:16px">${escapeHtml(input.password)}</code></p>` +
      '<p>パスワードは大文字と小文字を区別します。<br>このメールはシステムから自動送信しています。お心当たりのない場合は破棄してください。</p>';
    return { lines, html };
  };
  const en = (): Block => {
    const sent = formatDate('en', input.sentAt, input.timeZone);
    const lines = [
      'Here is the password for the attachment of the message sent to you a moment ago.',
      '',
      `Subject: ${input.subject}`,
      `Sent: ${sent}`,
      `Attachment: ${input.zipName}`,
      ...(input.files?.length ? ['Contents:', ...input.files.map((f) => `  - ${f}`)] : []),
      '',
      `Password: ${input.password}`,
      '',
      'The password is case-sensitive.',
      'This message was sent automatically. If you do not expect it, please delete it.',
    ];
    const html =
      `<p>Here is the password for the attachment of the message sent to you a moment ago.</p>` +
      `<p>Subject: ${escapeHtml(input.subject)}<br>Sent: ${escapeHtml(sent)}<br>Attachment: ${escapeHtml(input.zipName)}</p>` +
      (input.files?.length ? fileListHtml('Contents:', input.files) : '') +
      `<p>Password: <code style="font-size:16px">${escapeHtml(input.password)}</code></p>` +
      '<p>The password is case-sensitive.<br>This message was sent automatically. If you do not expect it, please delete it.</p>';
    return { lines, html };
  };
  const bodies = combine(input.lang, ja, en);
  const prefix = input.lang === 'ja' ? '[パスワード通知]' : input.lang === 'en' ? '[Password]' : '[パスワード通知/Password]';
  return { subject: `${prefix} ${input.subject}`.trim(), ...bodies };
}
