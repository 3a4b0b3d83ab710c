// Removes chosen attachments from an inbound message (policy `stripExtensions` / the
// `stripAttachments` action) and puts a short Japanese + English notice part where each was.
// One streaming pass through mailsplit: every other part, header and boundary passes byte for
// byte; a removed attachment's body is never decoded or buffered.
import { Readable } from 'node:stream';
import { createSplitter, type MimeNode, type SplitterOutput } from '../mime/rewrite/mailsplit.ts';
import { partKind } from '../mime/rewrite/part-kind.ts';

export interface StripResult {
  raw: Buffer;
  removed: string[];
}

function norm(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase();
}

export function strippedNotice(filename: string): string {
  return [
    `添付ファイル「${filename}」は、受信フィルターの設定により削除されました。`,
    '必要な場合は、送信者に別の方法での送付を依頼するか、システム管理者にお問い合わせください。',
    '',
    `The attachment "${filename}" was removed by the inbound mail filter.`,
    'If you need it, ask the sender to send it another way, or contact your administrator.',
    '',
  ].join('\r\n');
}

function noticePart(filename: string, eol: string): Buffer {
  const text = Buffer.from(strippedNotice(filename).replace(/\r\n/g, eol), 'utf8').toString('base64').replace(/.{76}/g, `$&${eol}`);
  const safeName = `${filename.replace(/[\r\n"\\]/g, '_')}.txt`;
  const encodedName = `UTF-8''${encodeURIComponent(safeName)}`;
  return Buffer.from(
    `Content-Type: text/plain; charset=UTF-8${eol}Content-Transfer-Encoding: base64${eol}Content-Disposition: ` +
      `attachment; filename*=${encodedName}${eol}${eol}${text}${eol}`,
    'latin1',
  );
}

/** Streams `raw` and replaces attachments whose (decoded) name is in `filenames`. */
export async function stripAttachments(raw: Buffer, filenames: string[]): Promise<StripResult> {
  const wanted = new Set(filenames.map(norm));
  const removed: string[] = [];
  const out: Buffer[] = [];
  const splitter = createSplitter();
  const source = Readable.from([raw]);
  source.pipe(splitter);
  let skipping = false;
  let eol = '\r\n';
  for await (const obj of splitter as AsyncIterable<SplitterOutput>) {
    if (obj.type === 'body') {
      if (!skipping) out.push(obj.value);
      continue;
    }
    if (obj.type === 'data') {
      skipping = false;
      out.push(obj.value);
      continue;
    }
    const node = obj as MimeNode;
    skipping = false;
    if (node.root) {
      const h = node.getHeaders();
      const nl = h.indexOf(0x0a);
      eol = nl > 0 && h[nl - 1] !== 0x0d ? '\n' : '\r\n';
    }
    const name = typeof node.filename === 'string' ? node.filename : '';
    if (!node.root && name && partKind(node) === 'attachment' && wanted.has(norm(name))) {
      removed.push(name);
      out.push(noticePart(name, eol));
      skipping = true;
      continue;
    }
    out.push(node.getHeaders());
  }
  return { raw: removed.length ? Buffer.concat(out) : raw, removed };
}
