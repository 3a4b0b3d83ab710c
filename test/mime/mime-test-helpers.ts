// Shared helpers for the MIME rewrite tests: load fixtures, list a message's leaf parts with
// their headers and decoded text (independently of the code under test: mailsplit for the
// structure, WHATWG TextDecoder for charsets), and parse with postal-mime.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import PostalMime from 'postal-mime';
import { createSplitter, type MimeNode } from '../../src/mime/rewrite/mailsplit.ts';
import { decodeTransfer, normalizeTransferEncoding } from '../../src/mime/rewrite/transfer-encoding.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/mime/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name);
}

export interface LeafPart {
  contentType: string;
  charset: string | false;
  encoding: string;
  filename: string | false;
  headers: Buffer;
  /** body as in the message (transfer-encoded) */
  rawBody: Buffer;
  /** transfer-decoded bytes */
  bytes: Buffer;
}

export async function leafParts(raw: Buffer): Promise<LeafPart[]> {
  const splitter = createSplitter();
  splitter.end(raw);
  const parts: LeafPart[] = [];
  let current: { node: MimeNode; chunks: Buffer[] } | null = null;
  const close = () => {
    if (!current) return;
    const rawBody = Buffer.concat(current.chunks);
    const n = current.node;
    parts.push({
      contentType: n.contentType || 'text/plain',
      charset: n.charset ? n.charset.toLowerCase() : false,
      encoding: normalizeTransferEncoding(n.encoding),
      filename: n.filename,
      headers: n.getHeaders(),
      rawBody,
      bytes: decodeTransfer(rawBody, normalizeTransferEncoding(n.encoding)),
    });
    current = null;
  };
  for await (const obj of splitter) {
    if (obj.type === 'body') current?.chunks.push(obj.value);
    else {
      close();
      if (obj.type === 'node' && !obj.multipart) current = { node: obj, chunks: [] };
    }
  }
  close();
  return parts;
}

/** WHATWG decoding, as browsers and postal-mime do; cp932 is windows-31j's WHATWG name shift_jis. */
export function decodeAs(bytes: Buffer, charset: string | false): string {
  const label = (charset || 'us-ascii').toLowerCase().replace(/^cp932$/, 'shift_jis');
  return new TextDecoder(label).decode(bytes);
}

export function textOf(part: LeafPart): string {
  return decodeAs(part.bytes, part.charset);
}

export function parseMail(raw: Buffer) {
  return PostalMime.parse(raw);
}

/** The top-level header block (up to and including the blank line). */
export function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf + 2;
  return raw.subarray(0, end);
}
