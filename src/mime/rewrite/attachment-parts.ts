// The streaming core of the attachment rewrites (web download, ZIP). Two passes over the raw
// message, each a single stream through mailsplit, so memory holds at most one text body part
// and a few boundary lines — never an attachment:
// - forEachAttachment: hands each attachment's decoded content to a consumer as a stream;
// - rewriteAttachmentParts: the message without its attachments, a notice in every text body
//   part, and optionally one new part (the ZIP) where the first attachment was.
// Everything else (headers, inline images, other parts, boundaries) is passed on byte for byte.
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { createSplitter, type MimeNode, type SplitterOutput } from './mailsplit.ts';
import { attachmentInfo, boundaryOf, partKind, type AttachmentInfo, type PartKind } from './part-kind.ts';
import { insertNotice, type Notice, type NoticePosition } from './notice-insert.ts';
import { encodeQuotedPrintable } from './transfer-encoding.ts';

/** Consumes one attachment's decoded bytes; must read `content` to its end (or reject). */
export type AttachmentConsumer = (info: AttachmentInfo, content: Readable) => Promise<void>;

async function* splitMessage(source: Readable): AsyncGenerator<SplitterOutput> {
  const splitter = createSplitter();
  source.on('error', (err) => splitter.destroy(err));
  source.pipe(splitter);
  try {
    yield* splitter as AsyncIterable<SplitterOutput>;
  } finally {
    // a consumer that stops early (an error, a failed blob write) must not leave a file open
    source.unpipe(splitter);
    source.destroy();
  }
}

function isNode(obj: SplitterOutput): obj is MimeNode {
  return obj.type === 'node';
}

/** Pass 1: streams every attachment, in order, through `consume`. Returns their descriptions. */
export async function forEachAttachment(source: Readable, consume: AttachmentConsumer): Promise<AttachmentInfo[]> {
  const found: AttachmentInfo[] = [];
  let decoder: NodeJS.ReadWriteStream | null = null;
  let consuming: Promise<void> | null = null;
  let failure: unknown = null;
  const finish = async () => {
    if (!decoder) return;
    decoder.end();
    await consuming;
    decoder = null;
    consuming = null;
  };
  for await (const obj of splitMessage(source)) {
    if (failure) throw failure;
    if (obj.type === 'body') {
      if (decoder && !decoder.write(obj.value)) await Promise.race([once(decoder, 'drain'), consuming]);
      continue;
    }
    await finish();
    if (isNode(obj) && partKind(obj) === 'attachment') {
      const info = attachmentInfo(obj, found.length + 1);
      found.push(info);
      const stream = obj.getDecoder();
      decoder = stream;
      consuming = consume(info, stream).catch((err) => {
        failure = err;
        stream.destroy();
      });
    }
  }
  await finish();
  if (failure) throw failure;
  return found;
}

export interface PartRewriteOptions {
  /** inserted into every text/plain and text/html body part; null to insert nothing */
  notice: Notice | null;
  position: NoticePosition;
  /** a complete MIME part (headers, blank line, body) emitted where the first attachment was */
  replacement?: (eol: string) => Readable;
}

export interface PartRewriteReport {
  attachmentsRemoved: number;
  /** text parts that got the notice in their own charset */
  noticesInserted: number;
  /** text parts that got the notice but had to become UTF-8 (charset could not hold it) */
  convertedToUtf8: number;
  /** text parts left untouched because their charset is unknown */
  textPartsSkipped: number;
  /** true when no body part could take the notice and a text/plain part was added for it */
  noticePartAdded: boolean;
}

interface OpenMultipart {
  node: MimeNode;
  boundary: string;
  kept: number;
  removed: number;
}

/**
 * Pass 2: the rewritten message as a byte stream. `report` is complete when the stream ends.
 */
export function rewriteAttachmentParts(source: Readable, options: PartRewriteOptions): { stream: Readable; report: PartRewriteReport } {
  const report: PartRewriteReport = {
    attachmentsRemoved: 0,
    noticesInserted: 0,
    convertedToUtf8: 0,
    textPartsSkipped: 0,
    noticePartAdded: false,
  };
  const stream = Readable.from(rewriteParts(source, options, report), { objectMode: false });
  return { stream, report };
}

async function* rewriteParts(source: Readable, options: PartRewriteOptions, report: PartRewriteReport): AsyncGenerator<Buffer> {
  const stack: OpenMultipart[] = [];
  let pending: Buffer[] = [];
  let current: { node: MimeNode; kind: PartKind | 'replaced'; chunks: Buffer[] } | null = null;
  let eol = '\r\n';
  let replaced = false;

  const finishCurrent = (): Buffer[] => {
    const done = current;
    current = null;
    if (done?.kind !== 'body') return [];
    return [rewriteBodyPart(done.node, Buffer.concat(done.chunks), eol, options, report)];
  };
  const flushPending = (): Buffer[] => {
    const data = Buffer.concat(pending);
    pending = [];
    return [closeMultiparts(data, stack, eol, options, report)];
  };

  for await (const obj of splitMessage(source)) {
    if (obj.type === 'body') {
      if (!current || current.kind === 'attachment' || current.kind === 'replaced') continue;
      if (current.kind === 'body') current.chunks.push(obj.value);
      else yield obj.value;
      continue;
    }
    yield* finishCurrent();
    if (obj.type === 'data') {
      pending.push(obj.value);
      continue;
    }
    const node = obj;
    if (node.root) eol = detectEol(node.getHeaders());
    const kind = partKind(node);
    const parent = stack.find((m) => m.node === node.parentNode);
    if (kind === 'attachment') {
      report.attachmentsRemoved++;
      if (options.replacement && !replaced) {
        replaced = true;
        if (parent) parent.kept++;
        yield* flushPending();
        yield* options.replacement(eol) as AsyncIterable<Buffer>;
        current = { node, kind: 'replaced', chunks: [] };
      } else {
        if (parent) parent.removed++;
        pending = [dropLastDelimiter(Buffer.concat(pending), boundaryOf(node.parentNode))];
        yield* flushPending();
        current = { node, kind, chunks: [] };
      }
      continue;
    }
    if (parent) parent.kept++;
    yield* flushPending();
    if (kind === 'container') {
      const boundary = boundaryOf(node);
      if (boundary) stack.push({ node, boundary, kept: 0, removed: 0 });
    }
    if (kind !== 'body' || !options.notice) {
      yield node.getHeaders();
      current = { node, kind: kind === 'body' ? 'other' : kind, chunks: [] };
    } else {
      current = { node, kind, chunks: [] };
    }
  }
  yield* finishCurrent();
  yield* flushPending();
}

function detectEol(headers: Buffer): string {
  const nl = headers.indexOf(0x0a);
  return nl > 0 && headers[nl - 1] !== 0x0d ? '\n' : '\r\n';
}

/** Headers and body of a text part with the notice in it (or unchanged when that is unsafe). */
function rewriteBodyPart(node: MimeNode, body: Buffer, eol: string, options: PartRewriteOptions, report: PartRewriteReport): Buffer {
  const contentType = node.contentType === 'text/html' ? 'text/html' : 'text/plain';
  const result = insertNotice(
    { contentType, charset: node.charset, encoding: node.encoding, body, eol },
    options.notice!,
    options.position,
  );
  if (!result) {
    report.textPartsSkipped++;
    return Buffer.concat([node.getHeaders(), body]);
  }
  if (result.charset) {
    node.setCharset(result.charset);
    report.convertedToUtf8++;
  } else {
    report.noticesInserted++;
  }
  if (result.encoding) node.headers.update('Content-Transfer-Encoding', result.encoding);
  return Buffer.concat([fixEol(node.getHeaders(), eol), result.body]);
}

/** mailsplit writes edited header blocks with CRLF; keep an LF-only message LF-only. */
function fixEol(headers: Buffer, eol: string): Buffer {
  return eol === '\n' ? Buffer.from(headers.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : headers;
}

/**
 * Removes the delimiter line that introduced a removed part (with the line break before it,
 * which RFC 2046 counts as part of the delimiter), so no empty part is left behind.
 */
export function dropLastDelimiter(data: Buffer, boundary: string | null): Buffer {
  if (!boundary) return data;
  const text = data.toString('latin1');
  const delimiter = '--' + boundary;
  let at = text.lastIndexOf(delimiter);
  while (at > 0 && text[at - 1] !== '\n') at = text.lastIndexOf(delimiter, at - 1);
  if (at === -1) return data;
  let start = at;
  if (text[start - 1] === '\n') start--;
  if (text[start - 1] === '\r') start--;
  return Buffer.from(text.slice(0, start), 'latin1');
}

/**
 * Watches boundary lines for the close delimiter of each open multipart. A multipart that lost
 * all its parts gets a small text part (so it stays valid), and if no body part could take the
 * notice, the outermost mixed multipart gets it as a text/plain part.
 */
function closeMultiparts(
  data: Buffer,
  stack: OpenMultipart[],
  eol: string,
  options: PartRewriteOptions,
  report: PartRewriteReport,
): Buffer {
  if (stack.length === 0 || data.length === 0) return data;
  const text = data.toString('latin1');
  let out = '';
  let lineStart = 0;
  while (lineStart < text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl === -1 ? text.length : nl + 1;
    const line = text.slice(lineStart, lineEnd);
    const closed = stack.findIndex((m) => line.startsWith(`--${m.boundary}--`));
    if (closed !== -1) {
      const multipart = stack[closed];
      stack.length = closed;
      out += injectedPart(multipart, stack.length === 0, eol, options, report);
    }
    out += line;
    lineStart = lineEnd;
  }
  return Buffer.from(out, 'latin1');
}

function injectedPart(
  multipart: OpenMultipart,
  outermost: boolean,
  eol: string,
  options: PartRewriteOptions,
  report: PartRewriteReport,
): string {
  const emptied = multipart.removed > 0 && multipart.kept === 0;
  const noticeMissing =
    outermost && options.notice !== null && report.attachmentsRemoved > 0 && report.noticesInserted + report.convertedToUtf8 === 0;
  const canHoldText = multipart.node.multipart !== 'alternative';
  if (!(emptied || (noticeMissing && canHoldText))) return '';
  const text = noticeMissing && canHoldText && options.notice ? options.notice.text : '';
  if (text) report.noticePartAdded = true;
  const body = encodeQuotedPrintable(Buffer.from(text.replace(/\r?\n/g, eol), 'utf8'), eol);
  return [
    `--${multipart.boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    body,
    '',
  ].join(eol);
}
