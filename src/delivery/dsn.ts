// Delivery Status Notifications (RFC 3464 in an RFC 6522 multipart/report): a human part in
// polite Japanese and English (UTF-8, base64), the machine-readable message/delivery-status,
// and the original headers as text/rfc822-headers, byte for byte. Pure: dates, ids and the
// boundary can be passed in. Send the result with MAIL FROM:<> to the original envelope
// sender, and never for a message that is itself a bounce (see bounceSuppressionReason).
import type { NoticeLanguage } from '../util/lang.ts';
import { rfc5322Date } from '../util/rfc5322-date.ts';
import { randomBytes } from 'node:crypto';
import { DEFAULT_TIME_ZONE, formatDate } from '../util/zoned-time.ts';

export type DsnLanguage = NoticeLanguage;

export interface DsnRecipient {
  /** Final-Recipient: the address delivery was attempted to */
  address: string;
  /** Original-Recipient (the ORCPT the client gave), when known */
  originalRecipient?: string;
  action: 'failed' | 'delayed';
  /** RFC 3463 status, e.g. 5.1.1; for expiry the last temporary status (as Postfix does) */
  status: string;
  /** the server's reply or our local reason; see diagnosticCode() */
  diagnostic?: string;
  remoteMta?: string;
  lastAttemptDate?: Date;
  /** for delayed recipients: when we give up */
  willRetryUntil?: Date;
  /** failed because the retry lifetime ran out (the human text says so) */
  expired?: boolean;
}

export interface DsnOriginal {
  /** the original header block as received (raw bytes; ISO-2022-JP and 8-bit stay as they are) */
  headers: Buffer | string;
  /** the decoded subject, shown in the human part */
  subject?: string;
  /** the original Message-ID, for In-Reply-To / References so clients thread the notice */
  messageId?: string;
}

export interface DsnInput {
  kind: 'failure' | 'delay';
  /** our host name: Reporting-MTA and the From domain */
  reportingMta: string;
  /** default MAILER-DAEMON@reportingMta */
  from?: string;
  /** the original envelope sender */
  to: string;
  originalEnvelopeId?: string;
  arrivalDate: Date;
  recipients: DsnRecipient[];
  original: DsnOriginal;
  /** default both (Japanese first) */
  language?: DsnLanguage;
  /** override the default subject */
  subject?: string;
  /** queue id, reported as X-Sekisho-Queue-ID for support */
  queueId?: string;
  /** the tenant's time zone for dates in the human part (default Asia/Tokyo) */
  timeZone?: string;
  date?: Date;
  messageId?: string;
  boundary?: string;
}

const CRLF = '\r\n';

export function buildDsn(input: DsnInput): Buffer {
  if (input.recipients.length === 0) throw new Error('buildDsn: at least one recipient is needed');
  const language = input.language ?? 'both';
  const date = input.date ?? new Date();
  const boundary = input.boundary ?? `=_sekisho-dsn-${randomBytes(12).toString('hex')}`;
  const from = input.from ?? `MAILER-DAEMON@${input.reportingMta}`;
  const messageId = input.messageId ?? `<dsn.${randomBytes(10).toString('hex')}@${input.reportingMta}>`;
  const status = deliveryStatusPart(input);
  const head = [
    `From: Mail Delivery System <${from}>`,
    `To: <${input.to}>`,
    foldHeader('Subject', encodeWord(input.subject ?? defaultSubject(input.kind, language))),
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${messageId}`,
    ...(input.original.messageId ? [`In-Reply-To: ${input.original.messageId}`, `References: ${input.original.messageId}`] : []),
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${CRLF}\tboundary="${boundary}"`,
    `Content-Language: ${language === 'both' ? 'ja, en' : language}`,
  ];
  const human = humanText(input, language);
  const headersBlock = originalHeaderBlock(input.original.headers);
  const parts: Buffer[] = [
    text(head.join(CRLF) + CRLF + CRLF + 'This is a MIME-encapsulated message.' + CRLF + CRLF),
    text(
      `--${boundary}${CRLF}Content-Type: text/plain; charset=UTF-8${CRLF}Content-Transfer-Encoding: ` +
        `base64${CRLF}Content-Description: Notification${CRLF}${CRLF}`,
    ),
    text(base64Lines(Buffer.from(human, 'utf8')) + CRLF),
    text(`--${boundary}${CRLF}Content-Type: ${status.global ? 'message/global-delivery-status' : 'message/delivery-status'}${CRLF}`),
    text(`Content-Description: Delivery report${CRLF}${status.global ? `Content-Transfer-Encoding: 8bit${CRLF}` : ''}${CRLF}`),
    // the CRLF before a boundary belongs to the boundary (RFC 2046): one more ends the last field
    Buffer.from(status.text + CRLF, 'utf8'),
    text(`--${boundary}${CRLF}Content-Type: text/rfc822-headers${CRLF}Content-Description: Undelivered message headers${CRLF}`),
    text(`${hasEightBit(headersBlock) ? `Content-Transfer-Encoding: 8bit${CRLF}` : ''}${CRLF}`),
    headersBlock,
    text(`${CRLF}--${boundary}--${CRLF}`),
  ];
  return Buffer.concat(parts);
}

/** Diagnostic-Code for a result: "smtp; 550 5.1.1 …" for a server reply, else our own type. */
export function diagnosticCode(response: string): string {
  const line = response.replace(/\s+/g, ' ').trim();
  return /^[2-5]\d\d\b/.test(line) ? `smtp; ${line}` : `X-Sekisho; ${line}`;
}

function deliveryStatusPart(input: DsnInput): { text: string; global: boolean } {
  const perMessage = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    ...(input.queueId ? [`X-Sekisho-Queue-ID: ${input.queueId}`] : []),
    ...(input.originalEnvelopeId ? [`Original-Envelope-Id: ${input.originalEnvelopeId}`] : []),
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ];
  const blocks = [perMessage.join(CRLF)];
  for (const r of input.recipients) {
    const fields = [
      ...(r.originalRecipient ? [`Original-Recipient: ${addressType(r.originalRecipient)}; ${r.originalRecipient}`] : []),
      `Final-Recipient: ${addressType(r.address)}; ${r.address}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta}`] : []),
      ...(r.diagnostic ? [foldHeader('Diagnostic-Code', diagnosticWithType(r.diagnostic))] : []),
      ...(r.lastAttemptDate ? [`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptDate)}`] : []),
      ...(r.action === 'delayed' && r.willRetryUntil ? [`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`] : []),
    ];
    blocks.push(fields.map(singleLine).join(CRLF));
  }
  const textBody = blocks.join(CRLF + CRLF) + CRLF;
  // RFC 6533: an internationalized address or reply needs message/global-delivery-status.
  return { text: textBody, global: /[^\x00-\x7f]/.test(textBody) };
}

function diagnosticWithType(diagnostic: string): string {
  return /^[A-Za-z][\w-]*;/.test(diagnostic) ? diagnostic : diagnosticCode(diagnostic);
}

function addressType(address: string): string {
  return /[^\x00-\x7f]/.test(address) ? 'utf-8' : 'rfc822';
}

/** Keeps folding (CRLF + space) but no other line breaks: a reply must not inject fields. */
function singleLine(field: string): string {
  return field.replace(/\r(?!\n)|(?<!\r)\n/g, ' ').replace(/\r\n(?![ \t])/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// The human-readable part

interface Reason {
  ja: string;
  en: string;
}

/** Short explanations of common statuses; anything else gets one for its class. */
const REASONS: Record<string, Reason> = {
  '5.1.1': { ja: '宛先のメールアドレスが存在しません。', en: 'The address does not exist.' },
  '5.1.2': { ja: '宛先のドメインが見つかりません。', en: "The recipient's domain does not exist." },
  '5.1.10': { ja: '宛先のドメインはメールを受け付けていません。', en: "The recipient's domain does not accept mail." },
  '5.2.1': { ja: '宛先のメールボックスは現在利用できません。', en: 'The mailbox is disabled.' },
  '5.2.2': { ja: '宛先のメールボックスの容量がいっぱいです。', en: 'The mailbox is full.' },
  '4.2.2': { ja: '宛先のメールボックスの容量がいっぱいです。', en: 'The mailbox is full.' },
  '5.3.4': { ja: 'メールのサイズが大きすぎます。', en: 'The message is too large.' },
  '5.4.4': { ja: '宛先のメールサーバーが見つかりません。', en: "No mail server could be found for the recipient's domain." },
  '4.4.1': { ja: '宛先のメールサーバーに接続できません。', en: "The recipient's mail server does not answer." },
  '4.4.2': { ja: '宛先のメールサーバーとの接続が途中で切れました。', en: "The connection to the recipient's mail server broke off." },
  '4.4.3': { ja: '宛先のドメインの DNS を一時的に引けません。', en: "The recipient's domain could not be looked up in DNS for now." },
  '4.4.7': { ja: '配信期限内に配信できませんでした。', en: 'The message could not be delivered in time.' },
  '4.7.5': {
    ja: '宛先のメールサーバーと暗号化通信（TLS）を確立できません。',
    en: 'A secure (TLS) connection to the mail server could not be made.',
  },
};

function reasonFor(status: string): Reason {
  const known = REASONS[status];
  if (known) return known;
  if (status.startsWith('5.7.'))
    return {
      ja: '受信側のメールサーバーがセキュリティ上の理由で受け取りを拒否しました。',
      en: 'The receiving server refused the message for security or policy reasons.',
    };
  if (status.startsWith('5.'))
    return { ja: '受信側のメールサーバーが受け取りを拒否しました。', en: 'The receiving server refused the message.' };
  return { ja: '一時的なエラーのため配信できていません。', en: 'A temporary error prevented delivery.' };
}

function defaultSubject(kind: DsnInput['kind'], language: DsnLanguage): string {
  const ja = kind === 'failure' ? '配信できなかったメールのお知らせ' : '配信遅延のお知らせ';
  const en = kind === 'failure' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)';
  return language === 'ja' ? ja : language === 'en' ? en : `${ja} / ${en}`;
}

function humanText(input: DsnInput, language: DsnLanguage): string {
  const sections: string[] = [];
  if (language !== 'en') sections.push(japaneseText(input));
  if (language !== 'ja') sections.push(englishText(input));
  return sections.join('\n\n' + '-'.repeat(60) + '\n\n').replace(/\r?\n/g, '\r\n') + '\r\n';
}

function japaneseText(input: DsnInput): string {
  const tz = input.timeZone ?? DEFAULT_TIME_ZONE;
  const lines = [`このメールは、メール中継サーバー（${input.reportingMta}）から自動的にお送りしています。`, ''];
  if (input.kind === 'failure') {
    lines.push('お送りいただいたメールを、次の宛先に配信できませんでした。');
  } else {
    lines.push('お送りいただいたメールは、次の宛先にまだ配信できていません。');
    lines.push('配信は自動的に再試行していますので、再送していただく必要はありません。');
  }
  lines.push('');
  if (input.original.subject !== undefined) lines.push(`  件名: ${input.original.subject}`);
  lines.push(`  受付日時: ${formatDate('ja', input.arrivalDate, tz)}`, '');
  for (const r of input.recipients) {
    lines.push(`  宛先: ${r.address}`);
    lines.push(`  理由: ${r.expired ? '再試行期限までに配信できませんでした。' : ''}${reasonFor(r.status).ja}`);
    if (r.diagnostic) lines.push(`        (${stripType(r.diagnostic)})`);
    if (r.action === 'delayed' && r.willRetryUntil) lines.push(`  再試行の期限: ${formatDate('ja', r.willRetryUntil, tz)}`);
    lines.push('');
  }
  if (input.kind === 'failure') {
    lines.push('宛先のメールアドレスに誤りがないかをご確認のうえ、必要であれば改めてお送りください。');
  } else {
    lines.push('期限までに配信できなかった場合は、改めてお知らせします。');
  }
  lines.push('元のメールのヘッダー情報を添付しています。このメールへの返信は不要です。');
  return lines.join('\n');
}

function englishText(input: DsnInput): string {
  const tz = input.timeZone ?? DEFAULT_TIME_ZONE;
  const lines = [`This is an automatic message from the mail gateway ${input.reportingMta}.`, ''];
  if (input.kind === 'failure') {
    lines.push('Your message could not be delivered to the following recipients.');
  } else {
    lines.push('Your message has not been delivered to the following recipients yet.');
    lines.push('Delivery is being retried automatically: there is no need to send it again.');
  }
  lines.push('');
  if (input.original.subject !== undefined) lines.push(`  Subject:   ${input.original.subject}`);
  lines.push(`  Received:  ${formatDate('en', input.arrivalDate, tz)}`, '');
  for (const r of input.recipients) {
    lines.push(`  Recipient: ${r.address}`);
    lines.push(`  Reason:    ${r.expired ? 'Gave up after retrying for the maximum time. ' : ''}${reasonFor(r.status).en}`);
    if (r.diagnostic) lines.push(`             (${stripType(r.diagnostic)})`);
    if (r.action === 'delayed' && r.willRetryUntil) lines.push(`  Retrying until: ${formatDate('en', r.willRetryUntil, tz)}`);
    lines.push('');
  }
  if (input.kind === 'failure') {
    lines.push('Please check the address and send the message again if needed.');
  } else {
    lines.push('You will be told again if it cannot be delivered by then.');
  }
  lines.push('The headers of your message are attached. There is no need to reply to this message.');
  return lines.join('\n');
}

function stripType(diagnostic: string): string {
  return diagnostic
    .replace(/^[A-Za-z][\w-]*;\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers

function text(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The original header block, CRLF-terminated lines, without the empty line that ends it. */
function originalHeaderBlock(headers: Buffer | string): Buffer {
  const buf = typeof headers === 'string' ? Buffer.from(headers, 'utf8') : headers;
  const normalized = Buffer.from(
    buf
      .toString('latin1')
      .replace(/\r?\n/g, '\r\n')
      .replace(/(\r\n)+$/, ''),
    'latin1',
  );
  return Buffer.concat([normalized, text(CRLF)]);
}

/** The header block of a raw message: everything before the first empty line. */
export function headerBlockOf(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  return m ? raw.subarray(0, m.index) : raw;
}

function hasEightBit(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i]! > 0x7f) return true;
  return false;
}

function base64Lines(buf: Buffer): string {
  const b64 = buf.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

/** RFC 2047 B-encoding in UTF-8, split on character boundaries into words of ≤ 45 bytes. */
export function encodeWord(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}

/** Folds a header at spaces to keep lines near 78 characters. */
function foldHeader(name: string, value: string): string {
  const words = value.split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > 78 && line.length > name.length + 1) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

// ---------------------------------------------------------------------------------------------
// Never bounce a bounce

/**
 * Why no DSN may be sent for this message, or null when one may. A null envelope sender is a
 * bounce or a notice by definition (RFC 5321 4.5.5); a delivery or disposition report is one
 * even with a sender; and Auto-Submitted mail (RFC 3834) other than "no" is machine-made, so
 * answering it risks a loop between two robots.
 */
export function bounceSuppressionReason(mailFrom: string, headers: Buffer | string): string | null {
  const sender = mailFrom.trim().replace(/^<(.*)>$/, '$1');
  if (sender === '') return 'the message has a null sender (it is a bounce or a notice)';
  const fields = parseHeaderFields(typeof headers === 'string' ? headers : headerBlockOf(headers).toString('latin1'));
  const contentType = fields.get('content-type')?.[0] ?? '';
  if (
    /^\s*multipart\/report\b/i.test(contentType) &&
    /report-type\s*=\s*"?(delivery-status|disposition-notification)"?/i.test(contentType)
  ) {
    return 'the message is itself a delivery report';
  }
  const autoSubmitted = (fields.get('auto-submitted')?.[0] ?? '').trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `the message is Auto-Submitted: ${autoSubmitted}`;
  return null;
}

export function shouldBounce(mailFrom: string, headers: Buffer | string): boolean {
  return bounceSuppressionReason(mailFrom, headers) === null;
}

function parseHeaderFields(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const unfolded = block.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, '');
  for (const line of unfolded.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return fields;
}
