// Byte-exact access to a message's top-level header block, for rewrites that only touch headers
// (BCC conversion, subject tag, trace headers). Fields keep their raw bytes (folding, line
// endings, 8-bit text), so every field not edited and the whole body come out byte-identical.
// Works on a Buffer or streams: only the header block is buffered (bounded by MAX_HEADER_BYTES).
// Delivery rewrites a stored message with rewriteHeadersInTurns, which copies its body a megabyte
// per turn of the event loop: a 15 MB message copied in one turn held the loop 45–83 ms.
import { PassThrough, type Readable } from 'node:stream';
import { concatInTurns } from '../../util/in-slices.ts';

/** Header blocks larger than this are refused rather than buffered without bound. */
export const MAX_HEADER_BYTES = 1024 * 1024;

export interface HeaderField {
  /** lower-cased field name; '' for a line that is not a field (e.g. an mbox "From " line) */
  key: string;
  /** the raw bytes of the field: first line, continuation lines, and their line endings */
  raw: Buffer;
}

export type HeaderEdit = (fields: HeaderField[], eol: string) => HeaderField[] | null;

/** Byte offset just past the blank line ending the header block; -1 if the buffer has none. */
export function findHeaderEnd(buf: Uint8Array): number {
  let lineStart = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    const lineLen = i - lineStart;
    if (lineLen === 0 || (lineLen === 1 && buf[lineStart] === 0x0d)) return i + 1;
    lineStart = i + 1;
  }
  return -1;
}

/** Splits header bytes (without the blank line) into fields, folding lines kept with their field. */
export function parseHeaderFields(header: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < header.length) {
    let end = start;
    // a field runs until a line break followed by something other than folding whitespace
    for (;;) {
      const nl = header.indexOf(0x0a, end);
      if (nl === -1) {
        end = header.length;
        break;
      }
      end = nl + 1;
      if (end >= header.length || (header[end] !== 0x20 && header[end] !== 0x09)) break;
    }
    const raw = header.subarray(start, end);
    const colon = raw.indexOf(0x3a);
    const name = colon > 0 ? raw.subarray(0, colon).toString('latin1') : '';
    fields.push({ key: /^[\x21-\x39\x3b-\x7e]+$/.test(name) ? name.toLowerCase() : '', raw });
    start = end;
  }
  return fields;
}

/** Unfolded value of a field as a binary (latin1) string: bytes preserved one char each. */
export function fieldValue(field: HeaderField): string {
  const text = field.raw.toString('latin1');
  return text
    .slice(text.indexOf(':') + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .replace(/\r?\n$/, '')
    .trim();
}

/** The line ending the header block uses: CRLF unless it is LF-only throughout. */
export function detectEol(header: Uint8Array): string {
  const nl = Buffer.from(header).indexOf(0x0a);
  return nl > 0 && header[nl - 1] !== 0x0d ? '\n' : '\r\n';
}

/** A new field from a name and an already-encoded (7-bit) value, folded by the caller if long. */
export function makeField(name: string, value: string, eol: string): HeaderField {
  return { key: name.toLowerCase(), raw: Buffer.from(`${name}: ${value}${eol}`, 'latin1') };
}

/** Applies `edit` to the header block of a whole message in memory; unchanged input if edit returns null. */
export function rewriteHeaderBuffer(raw: Buffer, edit: HeaderEdit): Buffer {
  const edited = editHeaderBlock(raw, edit);
  return edited ? Buffer.concat([...edited.head, edited.rest]) : raw;
}

/**
 * rewriteHeaderBuffer for a message of any size: the same bytes, the body copied a megabyte per
 * turn of the event loop (concatInTurns) instead of in one.
 */
export async function rewriteHeadersInTurns(raw: Buffer, edit: HeaderEdit): Promise<Buffer> {
  const edited = editHeaderBlock(raw, edit);
  return edited ? concatInTurns([...edited.head, edited.rest]) : raw;
}

/** The edited header block's pieces and the rest of the message (a view, not a copy); null if edit returns null. */
function editHeaderBlock(raw: Buffer, edit: HeaderEdit): { head: Buffer[]; rest: Buffer } | null {
  const end = findHeaderEnd(raw);
  const headerEnd = end === -1 ? raw.length : end;
  const blankLen = end === -1 ? 0 : raw[end - 2] === 0x0d ? 2 : 1;
  const header = raw.subarray(0, headerEnd - blankLen);
  const fields = parseHeaderFields(header);
  const edited = edit(fields, detectEol(header));
  if (edited === null) return null;
  const rest = end === -1 ? Buffer.from(detectEol(header)) : raw.subarray(headerEnd - blankLen);
  return { head: [...edited.map((f) => f.raw), ensureLastFieldEnds(edited, header)], rest };
}

/** If the block had no trailing line break (message without body), fields still need one. */
function ensureLastFieldEnds(fields: HeaderField[], header: Buffer): Buffer {
  const last = fields[fields.length - 1];
  if (!last || last.raw[last.raw.length - 1] === 0x0a) return Buffer.alloc(0);
  return Buffer.from(detectEol(header));
}

/**
 * Streaming twin of rewriteHeaderBuffer: buffers only the header block, then passes the body
 * through untouched (with back-pressure).
 */
export function rewriteHeaderStream(source: Readable, edit: HeaderEdit): Readable {
  const out = new PassThrough();
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let done = false;
  const fail = (err: Error) => {
    source.unpipe(out);
    out.destroy(err);
    source.destroy();
  };
  const flushHeader = (head: Buffer): boolean => {
    done = true;
    pending = [];
    return out.write(rewriteHeaderBuffer(head, edit));
  };
  const onData = (chunk: Buffer) => {
    pending.push(chunk);
    pendingLen += chunk.length;
    const joined = Buffer.concat(pending, pendingLen);
    const end = findHeaderEnd(joined);
    if (end === -1) {
      if (pendingLen > MAX_HEADER_BYTES) fail(new Error(`header block larger than ${MAX_HEADER_BYTES} bytes`));
      return;
    }
    source.off('data', onData);
    source.off('end', onEnd);
    source.pause();
    flushHeader(joined.subarray(0, end));
    const rest = joined.subarray(end);
    if (rest.length) out.write(rest);
    source.pipe(out);
  };
  const onEnd = () => {
    if (!done) flushHeader(Buffer.concat(pending, pendingLen));
    out.end();
  };
  source.on('data', onData);
  source.on('end', onEnd);
  source.on('error', (err) => out.destroy(err));
  return out;
}

/** Buffer in → Buffer out; stream in → stream out. */
export function rewriteHeaders<T extends Buffer | Readable>(source: T, edit: HeaderEdit): T extends Buffer ? Buffer : Readable;
export function rewriteHeaders(source: Buffer | Readable, edit: HeaderEdit): Buffer | Readable {
  return Buffer.isBuffer(source) ? rewriteHeaderBuffer(source, edit) : rewriteHeaderStream(source, edit);
}
