// Adds trace fields (e.g. X-Sekisho-Policy, X-Sekisho-Action) at the top of the top-level header
// block, where trace fields belong (RFC 5322 §3.6.7) and where a later DKIM signature will not
// be confused by them. Values are RFC 2047-encoded (UTF-8) when not ASCII and folded at 78.
// Nothing else in the message changes.
import type { Readable } from 'node:stream';
import libmime from 'libmime';
import { makeField, rewriteHeaders } from './header-block.ts';

export interface NewHeader {
  key: string;
  value: string;
}

/** Field names are what RFC 5322 allows; refusing others keeps a bad caller from breaking the header block. */
function assertFieldName(key: string): void {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(key)) throw new Error(`invalid header field name: ${JSON.stringify(key)}`);
}

/** RFC 2047 for non-ASCII, control characters (CR/LF) removed so a value can never add a field. */
export function encodeHeaderValue(key: string, value: string, eol: string): string {
  const clean = value.replace(/[\r\n\0]+/g, ' ').trim();
  const encoded = /^[\x20-\x7e]*$/.test(clean) ? clean : libmime.encodeWords(clean, 'B', 52);
  const folded = libmime.foldLines(`${key}: ${encoded}`, 76, false).replace(/\r\n/g, eol);
  return folded.slice(key.length + 2);
}

/** Prepends the given fields, in the given order, to the top-level header block. */
export function prependHeaders<T extends Buffer | Readable>(raw: T, headers: NewHeader[]): T extends Buffer ? Buffer : Readable;
export function prependHeaders(raw: Buffer | Readable, headers: NewHeader[]): Buffer | Readable {
  for (const h of headers) assertFieldName(h.key);
  return rewriteHeaders(raw, (fields, eol) => {
    if (headers.length === 0) return null;
    const added = headers.map((h) => makeField(h.key, encodeHeaderValue(h.key, h.value, eol), eol));
    return [...added, ...fields];
  });
}
