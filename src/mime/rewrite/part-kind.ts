// Decides, from a part's headers and place in the tree, what the attachment rewrites do with it.
// One rule for every rewrite (web download, ZIP), so what is stored is exactly what is removed:
// - attachment: Content-Disposition attachment, or a named part, or an unnamed non-text leaf —
//   except inline resources (a part with Content-ID/Content-Location inside multipart/related,
//   e.g. images an HTML body shows) and the root of a single-part message (that is the body);
// - body: text/plain and text/html that are not attachments — they receive notices;
// - other: kept as is (text/calendar, message/delivery-status, unnamed forwarded mail...).
import type { MimeNode } from './mailsplit.ts';

export type PartKind = 'container' | 'attachment' | 'inline' | 'body' | 'other';

export function partKind(node: MimeNode): PartKind {
  if (node.multipart) return 'container';
  if (!node.root && isPhantom(node)) return 'other';
  const type = node.contentType || 'text/plain';
  const isBodyText = type === 'text/plain' || type === 'text/html';
  if (node.root) return isBodyText ? 'body' : 'other';
  if (node.disposition === 'attachment') return 'attachment';
  if (isInlineResource(node)) return 'inline';
  if (node.filename) return 'attachment';
  if (isBodyText) return 'body';
  if (type.startsWith('text/') || type.startsWith('message/')) return 'other';
  return 'attachment';
}

/**
 * A "part" whose header lines are not header fields: what a broken multipart leaves behind
 * (e.g. a close delimiter of an outer part read as the headers of an unterminated inner one).
 * It is kept verbatim, never treated as a body or an attachment.
 */
function isPhantom(node: MimeNode): boolean {
  const fields = node.headers.getList();
  return fields.length > 0 && fields.every((f) => !f.key);
}

function isInlineResource(node: MimeNode): boolean {
  const parentType = node.parentNode?.contentType;
  if (parentType !== 'multipart/related') return false;
  return node.headers.hasHeader('Content-ID') || node.headers.hasHeader('Content-Location');
}

export interface AttachmentInfo {
  /** 1-based position among the message's attachments */
  index: number;
  /** decoded file name, made safe to show and store (no path, no control characters) */
  filename: string;
  /** lower-cased MIME type */
  contentType: string;
}

/** A file name fit for a download page or a ZIP entry: no directories, controls or empties. */
export function safeFilename(name: string | false, contentType: string, index: number): string {
  const base = (name || '')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .split(/[\\/]/)
    .pop()!
    .trim()
    .replace(/^\.+$/, '');
  if (base) return base;
  const ext = EXTENSIONS[contentType] ?? 'bin';
  return `attachment-${index}.${ext}`;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'text/plain': 'txt',
  'text/html': 'html',
  'message/rfc822': 'eml',
  'text/csv': 'csv',
};

export function attachmentInfo(node: MimeNode, index: number): AttachmentInfo {
  const contentType = (node.contentType || 'application/octet-stream').toLowerCase();
  return { index, filename: safeFilename(node.filename, contentType, index), contentType };
}

/** The boundary of a multipart node as a string, for finding its delimiter lines. */
export function boundaryOf(node: MimeNode | undefined): string | null {
  const b = node?._boundary;
  return b ? b.toString('latin1') : null;
}
