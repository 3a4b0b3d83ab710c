// The `zipEncrypt` action's rewrite: every attachment (not inline images) goes into one ZIP
// encrypted with AES-256 (opens in 7-Zip and modern tools) or ZipCrypto (the only kind Windows
// Explorer opens), which replaces them as one application/zip part where the first attachment
// was. File names are kept: UTF-8 with the EFS flag, or CP932 without it for old Japanese tools.
// Body parts, inline images and all headers stay byte-identical. Attachments are streamed into
// a ZIP in a private temporary file and from there into the message, never held in memory.
// Already-encrypted archives are wrapped like any other file: the policy says "all attachments",
// the recipient still needs the sender's own password for the inner archive, and skipping them
// would let an unencrypted file ride along with an encrypted one in the same message.
import { randomInt } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { configure, ZipWriter } from '@zip.js/zip.js';
import iconv from 'iconv-lite';
import libmime from 'libmime';
import { forEachAttachment, rewriteAttachmentParts } from './attachment-parts.ts';
import { reopenable, type MessageSource } from './message-source.ts';
import { Base64LineEncoder } from './transfer-encoding.ts';

// Workers need a bundled script and buy nothing for one message at a time in a queue worker
configure({ useWebWorkers: false });

export type ZipMethod = 'aes256' | 'zipcrypto';

export interface ZipEncryptOptions {
  method: ZipMethod;
  password: string;
  /** 'utf8' (default): UTF-8 names with the EFS flag; 'cp932': Shift_JIS names, no flag */
  filenameCharset?: 'utf8' | 'cp932';
  /** name of the ZIP part, default "attachments.zip"; any Unicode (sent as RFC 2231) */
  zipName?: string;
  /** where the ZIP (and a one-shot input stream) is spooled; default: OS temp dir */
  tmpDir?: string;
}

export interface ZippedFile {
  /** the name inside the ZIP (deduplicated; CP932-unrepresentable characters replaced by '_') */
  filename: string;
  /** the name as attached, decoded */
  originalFilename: string;
  contentType: string;
  /** uncompressed size in bytes */
  size: number;
}

export interface ZipEncryptResult {
  /** the rewritten message; the original bytes when skipped */
  stream: Readable;
  zipped: ZippedFile[];
  zipName: string;
  /** size of the ZIP file in bytes (0 when skipped) */
  zipSize: number;
  skipped: 'no-attachments' | null;
}

export const DEFAULT_ZIP_NAME = 'attachments.zip';

export async function encryptAttachments(message: MessageSource, options: ZipEncryptOptions): Promise<ZipEncryptResult> {
  if (!options.password) throw new Error('zip encryption needs a password');
  const zipName = options.zipName?.trim() || DEFAULT_ZIP_NAME;
  const source = await reopenable(message, options.tmpDir);
  const workDir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'sekisho-zip-'));
  const cleanup = async () => {
    await rm(workDir, { recursive: true, force: true });
    await source.dispose();
  };
  try {
    const zipFile = join(workDir, 'attachments.zip');
    const zipped = await writeZip(source.open(), zipFile, options);
    if (zipped.length === 0) {
      const stream = source.open();
      stream.once('close', () => void cleanup());
      return { stream, zipped, zipName, zipSize: 0, skipped: 'no-attachments' };
    }
    const zipSize = (await stat(zipFile)).size;
    const { stream } = rewriteAttachmentParts(source.open(), {
      notice: null,
      position: 'top',
      replacement: (eol) => zipPart(zipFile, zipName, eol),
    });
    stream.once('close', () => void cleanup());
    return { stream, zipped, zipName, zipSize, skipped: null };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Streams every attachment into an encrypted ZIP file; returns what went in. */
async function writeZip(message: Readable, file: string, options: ZipEncryptOptions): Promise<ZippedFile[]> {
  const cp932 = options.filenameCharset === 'cp932';
  const output = createWriteStream(file, { mode: 0o600 });
  const writer = new ZipWriter(Writable.toWeb(output), {
    password: options.password,
    zipCrypto: options.method === 'zipcrypto',
    encryptionStrength: 3,
    // attachments are far below 4 GB; classic headers open in old Japanese archivers too
    zip64: false,
    useUnicodeFileNames: !cp932,
    ...(cp932 ? { encodeText: (text: string) => iconv.encode(text, 'cp932') } : {}),
  });
  const zipped: ZippedFile[] = [];
  const used = new Set<string>();
  try {
    await forEachAttachment(message, async (info, content) => {
      const filename = uniqueName(cp932 ? cp932Safe(info.filename) : info.filename, used);
      let size = 0;
      const counted = content.pipe(
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            size += chunk.length;
            done(null, chunk);
          },
        }),
      );
      content.on('error', (err) => counted.destroy(err));
      await writer.add(filename, Readable.toWeb(counted) as unknown as ReadableStream);
      zipped.push({ filename, originalFilename: info.filename, contentType: info.contentType, size });
    });
  } finally {
    await writer.close();
    if (!output.writableFinished) await finished(output);
  }
  return zipped;
}

/** Characters CP932 cannot hold (emoji, most non-Japanese scripts) become '_' rather than '?'. */
function cp932Safe(name: string): string {
  let out = '';
  for (const ch of name) out += iconv.decode(iconv.encode(ch, 'cp932'), 'cp932') === ch ? ch : '_';
  return out;
}

/** ZIP tools refuse or overwrite duplicates: the second "a.pdf" becomes "a (2).pdf". */
function uniqueName(name: string, used: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

/** The replacement MIME part: headers, blank line, the ZIP in base64. */
function zipPart(file: string, zipName: string, eol: string): Readable {
  const ascii = /^[\x20-\x7e]*$/.test(zipName) && !/["\\]/.test(zipName);
  // name= (RFC 2047) for old clients such as Outlook 2007 and Becky!, filename* (RFC 2231) for the rest
  const typeName = ascii ? `"${zipName}"` : `"${libmime.encodeWords(zipName, 'B', 0)}"`;
  const disposition = libmime.foldLines(
    'Content-Disposition: ' + libmime.buildHeaderValue({ value: 'attachment', params: { filename: zipName } }),
    76,
  );
  const headers = [`Content-Type: application/zip; name=${typeName}`, 'Content-Transfer-Encoding: base64', disposition]
    .join('\r\n')
    .replace(/\r\n/g, eol);
  const out = new PassThrough();
  out.write(headers + eol + eol);
  createReadStream(file)
    .on('error', (err) => out.destroy(err))
    .pipe(new Base64LineEncoder(eol))
    .pipe(out);
  return out;
}

/** No 0/O/o, 1/l/I: the password is read off one mail and typed into a dialog. */
const PASSWORD_ALPHABET = {
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lower: 'abcdefghijkmnpqrstuvwxyz',
  digit: '23456789',
  symbol: '#%+-=@',
};

/**
 * A random password from crypto.randomInt: at least one character of each class, default 16
 * characters (~95 bits). Symbols are few and unambiguous so the password survives retyping.
 */
export function generatePassword(length = 16): string {
  if (!Number.isInteger(length) || length < 12 || length > 128) throw new Error('password length must be 12..128');
  const classes = Object.values(PASSWORD_ALPHABET);
  const all = classes.join('');
  const chars = classes.map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  // Fisher–Yates so the guaranteed characters are not always at the front
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  // Start with a letter or digit: a leading '-' reads as an option to `unzip -P`, 7z and shells.
  const first = chars.findIndex((c) => /[A-Za-z0-9]/.test(c!));
  [chars[0], chars[first]] = [chars[first], chars[0]];
  return chars.join('');
}
