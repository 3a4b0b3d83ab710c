// The `webDownload` action's rewrite: every attachment is streamed, decoded, into the blob store
// and removed from the message; a notice with the download URL goes into every text/plain and
// text/html body part (top or bottom), in the part's own charset and transfer encoding. Inline
// images of HTML mail, all headers and all other parts stay byte-identical. Two streaming
// passes (store, then rewrite), so a 50 MB attachment is never held in memory.
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../blob/blob-store.ts';
import { forEachAttachment, rewriteAttachmentParts, type PartRewriteReport } from './attachment-parts.ts';
import { reopenable, type MessageSource } from './message-source.ts';
import type { Notice, NoticePosition } from './notice-insert.ts';

export interface DownloadFile {
  /** key the decoded content is stored under in the blob store */
  blobKey: string;
  /** decoded file name as the sender attached it (path parts removed) */
  filename: string;
  contentType: string;
  /** decoded size in bytes */
  size: number;
  /** hex SHA-256 of the decoded content */
  sha256: string;
}

export interface StoreAttachmentsOptions {
  blobStore: BlobStore;
  /** e.g. "download/<message id>/": file N is stored at keyPrefix + N */
  keyPrefix: string;
}

/** Pass 1 alone: stores each attachment (decoded) and describes it. No attachments → []. */
export async function storeAttachments(message: Readable, options: StoreAttachmentsOptions): Promise<DownloadFile[]> {
  const files: DownloadFile[] = [];
  await forEachAttachment(message, async (info, content) => {
    const blobKey = `${options.keyPrefix}${info.index}`;
    const stored = await options.blobStore.put(blobKey, content);
    files.push({ blobKey, filename: info.filename, contentType: info.contentType, ...stored });
  });
  return files;
}

export interface RemoveAttachmentsOptions {
  notice: Notice;
  position: NoticePosition;
}

/**
 * Pass 2 alone: the message without attachments and with the notice. Callers that send one copy
 * per recipient (per-recipient download tokens) store once and run this once per copy.
 */
export function removeAttachmentsWithNotice(
  message: Readable,
  options: RemoveAttachmentsOptions,
): { stream: Readable; report: PartRewriteReport } {
  return rewriteAttachmentParts(message, { notice: options.notice, position: options.position });
}

export interface StripForDownloadOptions extends StoreAttachmentsOptions {
  /** builds the notice once the stored files are known (see notice-text.ts webDownloadNotice) */
  notice: (files: DownloadFile[]) => Notice;
  position: NoticePosition;
  /** where a one-shot input stream is spooled for the second pass (default: OS temp dir) */
  tmpDir?: string;
}

export interface StripForDownloadResult {
  /** the rewritten message; the original bytes unchanged when there were no attachments */
  stream: Readable;
  files: DownloadFile[];
  /** filled in as `stream` is read; complete when it ends */
  report: PartRewriteReport;
}

/**
 * Both passes. `message` may be bytes, a function opening a fresh stream each call (the queue's
 * stored file), or a one-shot stream (spooled to a temporary file, removed when done).
 */
export async function stripAttachmentsForDownload(
  message: MessageSource,
  options: StripForDownloadOptions,
): Promise<StripForDownloadResult> {
  const source = await reopenable(message, options.tmpDir);
  try {
    const files = await storeAttachments(source.open(), options);
    const second = source.open();
    const { stream, report } =
      files.length === 0
        ? { stream: second, report: emptyReport() }
        : rewriteAttachmentParts(second, { notice: options.notice(files), position: options.position });
    stream.once('close', () => void source.dispose());
    return { stream, files, report };
  } catch (err) {
    await source.dispose();
    throw err;
  }
}

function emptyReport(): PartRewriteReport {
  return { attachmentsRemoved: 0, noticesInserted: 0, convertedToUtf8: 0, textPartsSkipped: 0, noticePartAdded: false };
}
