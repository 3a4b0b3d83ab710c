// The `subjectTag` action: prepends a tag such as "[要確認] " or "[SPAM] " to the Subject so the
// decoded subject is exactly tag + original. The original encoded words are kept byte-for-byte
// (so carrier emoji or NEC/IBM kanji in them cannot be damaged by re-encoding); only the tag is
// added, in the original's charset when it can hold it (an ISO-2022-JP subject stays ISO-2022-JP
// for old Japanese clients), as plain text when tag and subject are ASCII, else in UTF-8 B words.
// Already-tagged subjects are left alone. Only the Subject field changes.
import type { Readable } from 'node:stream';
import libmime from 'libmime';
import { encodeText, normalizeCharset } from './charset-codec.ts';
import { fieldValue, makeField, rewriteHeaders, type HeaderEdit, type HeaderField } from './header-block.ts';

/** RFC 2047: an encoded word is at most 75 characters. */
const MAX_WORD = 75;

export function addSubjectTag<T extends Buffer | Readable>(raw: T, tag: string): T extends Buffer ? Buffer : Readable;
export function addSubjectTag(raw: Buffer | Readable, tag: string): Buffer | Readable {
  return rewriteHeaders(raw, subjectTagEdit(tag));
}

/** The header edit of addSubjectTag (for rewriteHeadersInTurns); refuses a tag that is empty or not one line. */
export function subjectTagEdit(tag: string): HeaderEdit {
  if (/[\r\n\0]/.test(tag) || tag.trim() === '') throw new Error('subject tag must be non-empty text on one line');
  return (fields, eol) => {
    const index = fields.findIndex((f) => f.key === 'subject');
    if (index === -1) return [...fields, makeField('Subject', encodeTagOnly(tag.trim(), null, ''), eol)];
    const field = fields[index];
    const tagged = tagFieldValue(fieldValue(field), tag);
    if (tagged === null) return null;
    const copy: HeaderField[] = fields.slice();
    copy[index] = replaceValue(field, tagged);
    return copy;
  };
}

/** The decoded subject of a raw (binary-string) field value. 8-bit bytes are read as UTF-8. */
export function decodeSubject(rawValue: string): string {
  const text = /[\x80-\xff]/.test(rawValue) ? Buffer.from(rawValue, 'latin1').toString('utf8') : rawValue;
  return libmime.decodeWords(text).trim();
}

/**
 * Raw characters of a subject read to tell whether it already starts with the tag. A hostile
 * subject of 367 KB took 17 ms to decode whole at delivery (corpus fuzz, docs/security.md).
 */
const TAG_CHECK_CHARS = 4096;

/** New raw value, or null when the subject already starts with the tag. */
export function tagFieldValue(rawValue: string, tag: string): string | null {
  if (decodeSubject(leadingWords(rawValue)).startsWith(tag.trim())) return null;
  if (rawValue === '') return encodeTagOnly(tag.trim(), null, '');
  const startsWithWord = /^=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(\s|$)/.test(rawValue);
  const charset = /=\?([^?*\s]+)(?:\*[^?]*)?\?[bBqQ]\?/.exec(rawValue)?.[1] ?? null;
  const ascii = /^[\x20-\x7e]*$/.test(tag);
  const trailing = /\s*$/.exec(tag)![0];
  // An ASCII tag is plain text wherever whitespace separates it from what follows
  if (ascii && (!startsWithWord || trailing !== '')) return tag + rawValue;
  if (startsWithWord) {
    // whitespace between two encoded words is dropped by decoders: the tag's own space goes inside
    return `${encodeTagOnly(tag, charset, ' ')}${rawValue}`;
  }
  if (trailing !== '') {
    // whitespace between an encoded word and plain text is kept: it is the tag's trailing space
    return `${encodeTagOnly(tag.slice(0, tag.length - trailing.length), charset, trailing)}${rawValue}`;
  }
  // (a subject too long to re-encode in one turn keeps its bytes, the tag's word before it)
  if (rawValue.length > TAG_CHECK_CHARS) return `${encodeTagOnly(tag, charset, ' ')}${rawValue}`;
  const decoded = decodeSubject(rawValue);
  return null === charset ? reencodeWhole(tag + decoded) : reencodeWhole(tag + decoded, charset);
}

/** The start of a raw value up to TAG_CHECK_CHARS, cut at whitespace so no encoded word is split. */
function leadingWords(rawValue: string): string {
  if (rawValue.length <= TAG_CHECK_CHARS) return rawValue;
  const head = rawValue.slice(0, TAG_CHECK_CHARS);
  const cut = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'));
  return cut > 0 ? head.slice(0, cut) : head;
}

/** The tag as B-encoded words in the subject's charset if it can hold the tag, else UTF-8. */
function encodeTagOnly(text: string, charset: string | null, separator: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !/=\?/.test(text) && separator === '') return text;
  return encodeWords(text, charset) + separator;
}

/** Rare case (non-ASCII tag glued to plain text): the whole subject re-encoded from decoded text. */
function reencodeWhole(text: string, charset: string | null = null): string {
  return encodeWords(text, charset);
}

/** B-encoded words, each ≤75 chars and holding whole characters (ISO-2022-JP words end in ASCII). */
export function encodeWords(text: string, charset: string | null): string {
  const target = charset && encodeText(text, charset) ? charset : 'UTF-8';
  const label = normalizeCharset(target) === 'utf-8' ? 'UTF-8' : target.toUpperCase();
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    const candidate = chunk + ch;
    if (chunk && wordFor(candidate, label).length > MAX_WORD) {
      words.push(wordFor(chunk, label));
      chunk = ch;
    } else {
      chunk = candidate;
    }
  }
  if (chunk) words.push(wordFor(chunk, label));
  return words.join(' ');
}

function wordFor(text: string, label: string): string {
  const bytes = encodeText(text, label);
  if (!bytes) throw new Error(`cannot encode subject text in ${label}`);
  return `=?${label}?B?${bytes.toString('base64')}?=`;
}

/** Keeps the field name as written; long values fold between encoded words. */
function replaceValue(field: HeaderField, value: string): HeaderField {
  const text = field.raw.toString('latin1');
  const name = text.slice(0, text.indexOf(':'));
  const eol = /\r\n$/.test(text) ? '\r\n' : '\n';
  const folded = foldAtSpaces(`${name}: ${value}`, eol);
  return { key: field.key, raw: Buffer.from(folded + eol, 'latin1') };
}

/** Folds only where the value already had folding whitespace or between encoded words. */
function foldAtSpaces(line: string, eol: string): string {
  if (line.length <= 78) return line;
  const parts = line.split(/(?<=\?=) (?==\?)/);
  let out = '';
  let current = '';
  for (const part of parts) {
    if (current && current.length + 1 + part.length > 78) {
      out += current + eol;
      current = ' ' + part;
    } else {
      current = current ? `${current} ${part}` : part;
    }
  }
  return out + current;
}
