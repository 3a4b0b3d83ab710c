// Messages built to stall or blind a mail gateway (issue 17): huge display names and domains,
// link hosts far beyond DNS limits, a hundred ZIPs that each stay within the archive limits,
// header blocks over 1 MiB and MIME trees deeper than postal-mime descends. Shared by the
// tests, `npm run bench -- stalls` and `npm run fuzz`, and a sender that speaks SMTP to either
// port (submission with STARTTLS + AUTH) with a reply timeout long enough to measure a stall.
import { SmtpTalk, type Reply } from './smtp-talk.ts';
import { buildZip, type RawEntry } from '../inbound/zip-builder.ts';
import { deflateRawSync } from 'node:zlib';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** The smallest file that is recognisably a Windows executable (MZ header and PE signature). */
export const TINY_EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x40, 0, 0, 0]), Buffer.from('PE\0\0')]);
export const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

export interface HostileCase {
  name: string;
  /** true when postal-mime cannot parse it: the conservative verdict is MIME_UNPARSEABLE */
  unparseable: boolean;
  /** the message, with From/To placeholders __FROM__ and __TO__ filled in by `build` */
  build(from: string, to: string): Buffer;
}

function b64(content: Uint8Array): string {
  return Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n';
}

function attachment(boundary: string, filename: string, type: string, content: Uint8Array): string {
  return (
    `--${boundary}\r\nContent-Type: ${type}; name="${filename}"\r\nContent-Disposition: attachment; filename="${filename}"\r\n` +
    `Content-Transfer-Encoding: base64\r\n\r\n${b64(content)}`
  );
}

/** Mail with the three attachments the checks must see: an EICAR file, an .exe and a PDF. */
function withAttachments(headers: string, boundary = 'b-outer'): string {
  return (
    `${headers}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n見積書を添付します。\r\n` +
    attachment(boundary, 'eicar.com', 'application/octet-stream', Buffer.from(EICAR)) +
    attachment(boundary, 'invoice.exe', 'application/octet-stream', TINY_EXE) +
    attachment(boundary, '見積書.pdf', 'application/pdf', TINY_PDF) +
    `--${boundary}--\r\n`
  );
}

function base(from: string, to: string, subject: string): string {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}-${Date.now()}@hostile.test>\r\n`;
}

/** A header block over postal-mime's 1 MiB limit (many ordinary X- fields), with attachments. */
function hugeHeaders(from: string, to: string): Buffer {
  const line = `X-Filler: ${'x'.repeat(990)}\r\n`;
  const filler = line.repeat(Math.ceil((1024 * 1024 + 4096) / line.length));
  return Buffer.from(withAttachments(base(from, to, 'huge headers') + filler), 'utf8');
}

/** multipart/mixed nested `levels` deep; the attachments sit at the bottom. */
export function deepNesting(from: string, to: string, levels = 60): Buffer {
  let open = '';
  let close = '';
  for (let i = 0; i < levels; i++) {
    open += `--n${i}\r\nContent-Type: multipart/mixed; boundary="n${i + 1}"\r\n\r\n`;
    close = `--n${i}--\r\n` + close;
  }
  const inner = withAttachments('', `n${levels}`).replace(/^MIME-Version: 1.0\r\nContent-Type: [^\r]*\r\n\r\n/, '');
  return Buffer.from(
    base(from, to, 'deep nesting') + `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="n0"\r\n\r\n` + open + inner + close,
    'utf8',
  );
}

/** From: "aaaa…" <x@domain> with a display name of `bytes`. */
function longDisplayName(from: string, to: string, bytes: number): Buffer {
  return Buffer.from(`${base(`"${'a'.repeat(bytes)}" <${from}>`, to, 'long display name')}\r\nhello\r\n`, 'utf8');
}

/** From: x@aaaa….com: a registrable domain of `bytes` (what a look-alike check compares). */
function longFromDomain(from: string, to: string, bytes: number): Buffer {
  const local = from.slice(0, from.lastIndexOf('@'));
  return Buffer.from(`${base(`${local}@${'a'.repeat(bytes)}.com`, to, 'long domain')}\r\nhello\r\n`, 'utf8');
}

/**
 * A From domain of one label of `chars` characters, every tenth a different kanji (3,000 distinct):
 * under the 100 KB header section authentication reads, and the worst case for an IDNA encoder,
 * whose time grows with a label's length times its distinct characters.
 */
function idnFromDomain(from: string, to: string, chars: number): Buffer {
  const local = from.slice(0, from.lastIndexOf('@'));
  const label = Array.from({ length: chars }, (_, i) => (i % 10 === 0 ? String.fromCodePoint(0x4e00 + ((i / 10) % 3000)) : 'b')).join('');
  return Buffer.from(`${base(`${local}@${label}.com`, to, 'idn domain')}\r\nhello\r\n`, 'utf8');
}

/**
 * A DKIM-Signature whose h= lists 8,000 names (From and X in turn) over 10,000 X fields: 88 KB,
 * under the 100 KB header section authentication reads; a verifier that looks every listed name up
 * among all the fields makes 40 million comparisons for it.
 */
function manySignedFieldNames(from: string, to: string): Buffer {
  const names = Array.from({ length: 8000 }, (_, i) => (i % 2 ? 'x' : 'from')).join(':');
  const signature =
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=evil.test; s=s1; h=${names};\r\n` +
    ' bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n';
  return Buffer.from(`${signature}${'X: a\r\n'.repeat(10_000)}${base(from, to, 'many signed names')}\r\nhello\r\n`, 'latin1');
}

/** HTML with 500 links to hosts of ~1000 characters, and a text part with one 200 KB host. */
function longLinkHosts(from: string, to: string): Buffer {
  const host = (i: number) => `${'a'.repeat(60)}.`.repeat(16) + `h${i}.example.com`;
  const anchors = Array.from({ length: 500 }, (_, i) => `<a href="https://${host(i)}/login">${host(i)}</a>`).join('<br>\r\n');
  const giant = `https://${'b'.repeat(200 * 1024)}.example.com/`;
  return Buffer.from(
    base(from, to, 'long link hosts') +
      'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n' +
      `--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee ${giant}\r\n` +
      `--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>${anchors}</body></html>\r\n--alt--\r\n`,
    'utf8',
  );
}

/**
 * `count` ZIP attachments, each within every per-archive limit (48 members of 1 MiB - 1 zero
 * bytes: under the 1 MiB ratio threshold, 48 MiB under the 64 MiB total): ~6.5 MB of mail that
 * inflates to 4.8 GB.
 */
export function manyZips(from: string, to: string, count = 100): Buffer {
  const member = deflateRawSync(Buffer.alloc(1024 * 1024 - 1));
  const entries: RawEntry[] = Array.from({ length: 48 }, (_, i) => ({
    name: `part${i}.txt`,
    data: member,
    method: 8,
    uncompressedSize: 1024 * 1024 - 1,
  }));
  const zip = b64(buildZip(entries));
  let body = base(from, to, 'many zips') + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="z"\r\n\r\n';
  body += '--z\r\nContent-Type: text/plain\r\n\r\nreports attached\r\n';
  for (let i = 0; i < count; i++) {
    body +=
      `--z\r\nContent-Type: application/zip; name="report${i}.zip"\r\n` +
      `Content-Disposition: attachment; filename="report${i}.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${zip}`;
  }
  return Buffer.from(body + '--z--\r\n', 'latin1');
}

export function hostileCases(): HostileCase[] {
  return [
    { name: '300 KB display name', unparseable: false, build: (f, t) => longDisplayName(f, t, 300 * 1024) },
    { name: '100 KB From domain', unparseable: false, build: (f, t) => longFromDomain(f, t, 100 * 1024) },
    { name: '60,000-character IDN From domain', unparseable: false, build: (f, t) => idnFromDomain(f, t, 60_000) },
    { name: 'DKIM h= of 8,000 names', unparseable: false, build: manySignedFieldNames },
    { name: 'huge link hosts', unparseable: false, build: longLinkHosts },
    { name: '100 ZIPs, 7 MB', unparseable: false, build: (f, t) => manyZips(f, t) },
    { name: '1 MiB of headers', unparseable: true, build: hugeHeaders },
    { name: '60 nesting levels', unparseable: true, build: (f, t) => deepNesting(f, t, 60) },
  ];
}

/**
 * Messages that are ordinary mail to every check but cost the receiving side more than their size
 * suggests: lines that begin with a dot (each sent dot-stuffed), a body under hundreds of DKIM
 * signatures that each ask for their own body hash, and bodies near the size limit. Measured by `node --import tsx bench/stalls.ts`; the
 * tests of the parts that bound them are test/patches/smtp-data-dots and test/inbound/dkim-limits.
 */
export function costlyCases(): HostileCase[] {
  return [
    { name: '7 MB of dot-led lines', unparseable: false, build: (f, t) => dotLines(f, t, 7 * 1024 * 1024) },
    { name: '500 DKIM sigs, 10 MB', unparseable: false, build: (f, t) => manySignatures(f, t, 500, 10 * 1024 * 1024) },
    { name: '1 DKIM sig, 25 MB', unparseable: false, build: (f, t) => manySignatures(f, t, 1, 25 * 1024 * 1024) },
    // just under the default maxMessageSize (50 MiB)
    { name: '1 DKIM sig, 48 MB', unparseable: false, build: (f, t) => manySignatures(f, t, 1, 48 * 1024 * 1024) },
    // a header section of 48 MB with a line break every 4 bytes: one field folded over 12 million lines
    { name: '48 MB folded header field', unparseable: false, build: (f, t) => foldedHeaderField(f, t, 48 * 1024 * 1024) },
  ];
}

function dotLines(from: string, to: string, bytes: number): Buffer {
  const line = '.dot\r\n';
  return Buffer.from(`${base(from, to, 'dot lines')}\r\n${line.repeat(Math.ceil(bytes / line.length))}`, 'latin1');
}

/**
 * The `i`th of many well-formed DKIM-Signature fields (with CRLF) that verify for nobody: each has
 * its own domain and its own l= (so its own body hash), and a body hash that matches no body.
 */
export function unverifiableDkimSignature(i: number): string {
  const tags = `v=1; a=rsa-sha256; c=relaxed/relaxed; d=s${i}.hostile.test; s=s; l=${1000 + i * 997}; h=from; bh=AAAA; b=AAAA`;
  return `DKIM-Signature: ${tags}\r\n`;
}

/** `count` unverifiable DKIM signatures over `bytes` of text. */
function foldedHeaderField(from: string, to: string, bytes: number): Buffer {
  return Buffer.from(`X-Folded: a${' b\r\n'.repeat(Math.floor(bytes / 4))}${base(from, to, 'folded')}\r\nbody\r\n`, 'latin1');
}

function manySignatures(from: string, to: string, count: number, bytes: number): Buffer {
  const sigs = Array.from({ length: count }, (_, i) => unverifiableDkimSignature(i));
  const line = `${'x'.repeat(76)}\r\n`;
  return Buffer.from(`${sigs.join('')}${base(from, to, 'signatures')}\r\n${line.repeat(Math.ceil(bytes / line.length))}`, 'latin1');
}

export interface SendHow {
  mailFrom: string;
  to: string[];
  /** submission: STARTTLS then AUTH PLAIN with these */
  auth?: { user: string; pass: string };
  /** how long to wait for the reply to the end of DATA */
  replyTimeoutMs?: number;
}

/** The bytes DATA carries for `raw`: CRLF lines, dot-stuffed (prepared once, before a measurement). */
export function dataPayload(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return Buffer.from(text.endsWith('\r\n') ? text : text + '\r\n', 'latin1');
}

export interface SendResult extends Reply {
  /** Date.now() when the whole message had been handed to the socket (0 if DATA was never reached) */
  dataSentAt: number;
}

/** Sends one message (a `dataPayload`) over SMTP; returns the reply to its end of DATA (or the refusal before). */
export async function sendMessage(port: number, payload: Buffer, how: SendHow): Promise<SendResult> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO client.hostile.test');
    if (how.auth) {
      await talk.starttls();
      await talk.cmd('EHLO client.hostile.test');
      const token = Buffer.from(`\0${how.auth.user}\0${how.auth.pass}`).toString('base64');
      const auth = await talk.cmd(`AUTH PLAIN ${token}`);
      if (auth.code !== 235) return { ...auth, dataSentAt: 0 };
    }
    const mail = await talk.cmd(`MAIL FROM:<${how.mailFrom}>`);
    if (mail.code !== 250) return { ...mail, dataSentAt: 0 };
    let accepted = 0;
    let refusal: Reply | null = null;
    for (const r of how.to) {
      const rc = await talk.cmd(`RCPT TO:<${r}>`);
      if (rc.code === 250) accepted++;
      else refusal ??= rc;
    }
    if (accepted === 0) return { ...refusal!, dataSentAt: 0 };
    const data = await talk.cmd('DATA');
    if (data.code !== 354) return { ...data, dataSentAt: 0 };
    await talk.writeAll(Buffer.concat([payload, Buffer.from('.\r\n')]));
    const dataSentAt = Date.now();
    const end = await talk.reply(how.replyTimeoutMs ?? 10_000);
    talk.write('QUIT\r\n');
    return { ...end, dataSentAt };
  } finally {
    talk.close();
  }
}
