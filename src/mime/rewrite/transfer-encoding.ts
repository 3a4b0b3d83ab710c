// Content-Transfer-Encoding for rewritten parts: decode a part body to its bytes and encode it
// back in the same encoding (base64 lines of 76, quoted-printable per RFC 2045 §6.7), plus a
// streaming base64 encoder for large new parts (the ZIP). Line breaks follow the message's own.
import { Transform, type TransformCallback } from 'node:stream';

export type TransferEncoding = 'base64' | 'quoted-printable' | '7bit' | '8bit' | 'binary';

export function normalizeTransferEncoding(value: string | false | null | undefined): TransferEncoding {
  const v = (value || '')
    .toString()
    .replace(/\(.*?\)/g, '')
    .trim()
    .toLowerCase();
  if (v === 'base64' || v === 'quoted-printable' || v === '8bit' || v === 'binary') return v;
  return '7bit';
}

export function decodeTransfer(body: Buffer, encoding: TransferEncoding): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

export function encodeTransfer(bytes: Buffer, encoding: TransferEncoding, eol: string): Buffer {
  if (encoding === 'base64') return Buffer.from(wrapBase64(bytes.toString('base64'), eol), 'latin1');
  if (encoding === 'quoted-printable') return Buffer.from(encodeQuotedPrintable(bytes, eol), 'latin1');
  return bytes;
}

function wrapBase64(b64: string, eol: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(eol);
}

export function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b !== 0x3d) {
      out[n++] = b;
      continue;
    }
    // soft line break: '=' then optional transport whitespace then (CR)LF
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) {
      i = j + 1;
      continue;
    }
    if (body[j] === 0x0a) {
      i = j;
      continue;
    }
    if (j >= body.length) {
      i = j;
      continue;
    }
    const hex = body.subarray(i + 1, i + 3).toString('latin1');
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = b; // lenient, like every mail reader: a stray '=' is kept
    }
  }
  return out.subarray(0, n);
}

/** RFC 2045 quoted-printable; line breaks in the bytes (CRLF or LF) become hard breaks with `eol`. */
export function encodeQuotedPrintable(bytes: Buffer, eol: string): string {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const end = i > start && bytes[i - 1] === 0x0d && i < bytes.length ? i - 1 : i;
      lines.push(encodeQpLine(bytes.subarray(start, end), eol));
      start = i + 1;
    }
  }
  return lines.join(eol);
}

function encodeQpLine(line: Buffer, eol: string): string {
  const tokens: string[] = [];
  for (let i = 0; i < line.length; i++) {
    const b = line[i];
    const last = i === line.length - 1;
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
    tokens.push(literal ? String.fromCharCode(b) : '=' + b.toString(16).toUpperCase().padStart(2, '0'));
  }
  // soft breaks keep encoded lines ≤76 chars without splitting an =XX token
  let out = '';
  let current = '';
  for (const token of tokens) {
    if (current.length + token.length > 75) {
      out += current + '=' + eol;
      current = '';
    }
    current += token;
  }
  return out + current;
}

/** Streaming base64 with 76-character lines; each output line ends with `eol`. */
export class Base64LineEncoder extends Transform {
  private rest = Buffer.alloc(0);
  constructor(private readonly eol = '\r\n') {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const usable = data.length - (data.length % 57);
    this.rest = Buffer.from(data.subarray(usable));
    if (usable > 0) this.push(this.encodeLines(data.subarray(0, usable)));
    done();
  }
  override _flush(done: TransformCallback): void {
    if (this.rest.length) this.push(this.encodeLines(this.rest));
    done();
  }
  private encodeLines(bytes: Buffer): Buffer {
    const b64 = bytes.toString('base64');
    let out = '';
    for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + this.eol;
    return Buffer.from(out, 'latin1');
  }
}
