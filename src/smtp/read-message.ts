// Reads the DATA stream into one buffer within the size limit and applies the SMTP-smuggling
// defence: smtp-server already ends DATA only on CRLF.CRLF; here every bare CR or bare LF becomes
// CRLF, so nothing we relay can carry a fake end-of-data (<LF>.<LF>, <CR>.<CR>, …) downstream,
// and NUL bytes (never valid in mail, RFC 5322 §2.3) refuse the message.
import type { Readable } from 'node:stream';
import { SmtpError } from './smtp-error.ts';

export async function readMessage(stream: Readable & { sizeExceeded?: boolean }, maxSize: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size <= maxSize) chunks.push(chunk as Buffer);
  }
  if (stream.sizeExceeded || size > maxSize) {
    throw new SmtpError(552, '5.3.4', `Message too big: the limit is ${maxSize} bytes`);
  }
  const raw = Buffer.concat(chunks, size);
  if (raw.includes(0)) throw new SmtpError(554, '5.6.0', 'Message contains NUL bytes, which mail may not carry');
  return normalizeLineEndings(raw);
}

/** Bare CR and bare LF become CRLF; a message already in CRLF form is returned as the same buffer. */
export function normalizeLineEndings(raw: Buffer): Buffer {
  if (!hasBareLineBreak(raw)) return raw;
  const out = Buffer.allocUnsafe(raw.length * 2);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 13) {
      out[o++] = 13;
      out[o++] = 10;
      if (raw[i + 1] === 10) i++;
    } else if (b === 10) {
      out[o++] = 13;
      out[o++] = 10;
    } else out[o++] = b;
  }
  return out.subarray(0, o);
}

function hasBareLineBreak(raw: Buffer): boolean {
  let i = raw.indexOf(10);
  while (i !== -1) {
    if (i === 0 || raw[i - 1] !== 13) return true;
    i = raw.indexOf(10, i + 1);
  }
  let j = raw.indexOf(13);
  while (j !== -1) {
    if (raw[j + 1] !== 10) return true;
    j = raw.indexOf(13, j + 1);
  }
  return false;
}
