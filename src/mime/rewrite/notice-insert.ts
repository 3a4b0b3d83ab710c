// Puts a notice into one text/plain or text/html body part, keeping the part's charset and
// Content-Transfer-Encoding. The original text bytes are spliced, never re-encoded from decoded
// text, so characters a charset round-trip could alter (carrier emoji, NEC/IBM kanji) survive.
// HTML: the notice goes after <body> (top) or before </body> (bottom); characters the charset
// lacks become &#x...; references. Plain text whose charset cannot hold the notice is converted
// to UTF-8 as a whole (decoded text unchanged) — the one case where the part's charset changes.
import {
  decodeText,
  encodeHtmlWithReferences,
  encodeText,
  isAsciiCompatible,
  isIso2022,
  maskIso2022,
  normalizeCharset,
} from './charset-codec.ts';
import { decodeTransfer, encodeTransfer, normalizeTransferEncoding, type TransferEncoding } from './transfer-encoding.ts';

export interface Notice {
  /** plain-text notice, lines separated by '\n' */
  text: string;
  /** HTML fragment (already escaped), e.g. a <div> block */
  html: string;
}

export type NoticePosition = 'top' | 'bottom';

export interface TextPart {
  contentType: 'text/plain' | 'text/html';
  /** charset parameter as written, or false */
  charset: string | false;
  /** Content-Transfer-Encoding as written, or false */
  encoding: string | false;
  /** the part body exactly as in the message (transfer-encoded) */
  body: Buffer;
  /** line ending of the message ('\r\n' or '\n') */
  eol: string;
}

export interface RewrittenTextPart {
  body: Buffer;
  /** set when the charset parameter must change (only to 'utf-8', as the fallback) */
  charset?: string;
  /** set when Content-Transfer-Encoding must change (7bit → quoted-printable for 8-bit text) */
  encoding?: TransferEncoding;
}

/** The rewritten part, or null when it cannot be done safely (unknown charset): leave it as is. */
export function insertNotice(part: TextPart, notice: Notice, position: NoticePosition): RewrittenTextPart | null {
  const encoding = normalizeTransferEncoding(part.encoding);
  const decoded = decodeTransfer(part.body, encoding);
  const charset = normalizeCharset(part.charset);
  const eol = contentEol(decoded, part.eol);
  const spliced =
    part.contentType === 'text/html'
      ? spliceHtml(decoded, charset, notice.html, position)
      : splicePlain(decoded, charset, notice.text.replace(/\r?\n/g, eol), position, eol);
  if (spliced === null) return null;
  const newCharset = spliced.charset;
  const newEncoding = chooseEncoding(encoding, spliced.bytes);
  const body = encodeTransfer(spliced.bytes, newEncoding, part.eol);
  const trailing = endsWithLineBreak(part.body) && !endsWithLineBreak(body) ? Buffer.from(part.eol) : Buffer.alloc(0);
  const result: RewrittenTextPart = { body: Buffer.concat([body, trailing]) };
  if (newCharset) result.charset = newCharset;
  if (newEncoding !== encoding) result.encoding = newEncoding;
  return result;
}

interface Spliced {
  bytes: Buffer;
  charset?: string;
}

function splicePlain(decoded: Buffer, charset: string, text: string, position: NoticePosition, eol: string): Spliced | null {
  const noticeBytes = isAsciiCompatible(charset) ? encodeText(text, charset) : null;
  if (noticeBytes) {
    const gap = Buffer.from(eol + eol);
    if (position === 'top') return { bytes: Buffer.concat([noticeBytes, gap, decoded]) };
    const reset = isIso2022(charset) && !endsInAscii(decoded) ? Buffer.from('\x1b(B', 'latin1') : Buffer.alloc(0);
    const lineEnd = decoded.length === 0 || endsWithLineBreak(decoded) ? Buffer.alloc(0) : Buffer.from(eol);
    return { bytes: Buffer.concat([decoded, reset, lineEnd, Buffer.from(eol), noticeBytes, Buffer.from(eol)]) };
  }
  // The charset cannot hold the notice (e.g. Japanese into us-ascii / iso-8859-1, or a file name
  // with emoji into ISO-2022-JP): the part becomes UTF-8 rather than lose a single character.
  const original = decodeText(decoded, charset);
  if (original === null) return null;
  const gap = original === '' || /\n$/.test(original) ? '' : eol;
  const combined = position === 'top' ? text + eol + eol + original : original + gap + eol + text + eol;
  return { bytes: Buffer.from(combined, 'utf8'), charset: 'utf-8' };
}

function spliceHtml(decoded: Buffer, charset: string, html: string, position: NoticePosition): Spliced | null {
  if (isAsciiCompatible(charset)) {
    const noticeBytes = encodeHtmlWithReferences(html, charset);
    if (noticeBytes) {
      const at = htmlInsertionPoint(decoded, charset, position);
      return { bytes: Buffer.concat([decoded.subarray(0, at), noticeBytes, decoded.subarray(at)]) };
    }
  }
  // UTF-16 and the like: splice in decoded text and send as UTF-8
  const original = decodeText(decoded, charset);
  if (original === null) return null;
  const latin = Buffer.from(original, 'utf8');
  const at = htmlInsertionPoint(latin, 'utf-8', position);
  return { bytes: Buffer.concat([latin.subarray(0, at), Buffer.from(html, 'utf8'), latin.subarray(at)]), charset: 'utf-8' };
}

/** Byte offset for the notice: after the <body ...> tag / before </body>; sensible fallbacks. */
export function htmlInsertionPoint(bytes: Buffer, charset: string, position: NoticePosition): number {
  const hay = (isIso2022(charset) ? maskIso2022(bytes) : bytes).toString('latin1').toLowerCase();
  if (position === 'top') {
    for (const re of [/<body(?:\s[^>]*)?>/, /<\/head\s*>/, /<html(?:\s[^>]*)?>/]) {
      const m = re.exec(hay);
      if (m) return m.index + m[0].length;
    }
    return 0;
  }
  for (const re of [/<\/body\s*>/g, /<\/html\s*>/g]) {
    let last = -1;
    for (const m of hay.matchAll(re)) last = m.index!;
    if (last !== -1) return last;
  }
  return bytes.length;
}

/** 8-bit text cannot travel as 7bit: such a part becomes quoted-printable (decoded bytes unchanged). */
function chooseEncoding(original: TransferEncoding, bytes: Buffer): TransferEncoding {
  if (original !== '7bit') return original;
  return bytes.some((b) => b >= 0x80) ? 'quoted-printable' : '7bit';
}

function contentEol(decoded: Buffer, fallback: string): string {
  const nl = decoded.indexOf(0x0a);
  if (nl === -1) return fallback;
  return nl > 0 && decoded[nl - 1] === 0x0d ? '\r\n' : '\n';
}

function endsWithLineBreak(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0a;
}

/** Whether ISO-2022 text ends in ASCII (the last escape, if any, selects ASCII or JIS Roman). */
function endsInAscii(bytes: Buffer): boolean {
  const text = bytes.toString('latin1');
  const last = text.lastIndexOf('\x1b');
  if (last === -1) return true;
  return /^\x1b\((B|J)/.test(text.slice(last));
}
