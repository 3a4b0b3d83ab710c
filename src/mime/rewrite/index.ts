// The outbound rewrites the delivery worker applies, in policy order, before DKIM signing.
// Header-only rewrites take a Buffer or a stream and return the same kind (or, as an edit for
// rewriteHeadersInTurns, a stored message of any size without holding the loop); the attachment
// rewrites read the message twice and take bytes, a stream opener, or a one-shot stream.
export { convertToBcc, toBccEdit, UNDISCLOSED_RECIPIENTS } from './bcc.ts';
export { addSubjectTag, subjectTagEdit } from './subject-tag.ts';
export { rewriteHeadersInTurns } from './header-block.ts';
export { prependHeaders, type NewHeader } from './add-header.ts';
export {
  stripAttachmentsForDownload,
  storeAttachments,
  removeAttachmentsWithNotice,
  type DownloadFile,
  type StripForDownloadOptions,
  type StripForDownloadResult,
} from './web-download.ts';
export {
  encryptAttachments,
  generatePassword,
  DEFAULT_ZIP_NAME,
  type ZipEncryptOptions,
  type ZipEncryptResult,
  type ZippedFile,
  type ZipMethod,
} from './zip-encrypt.ts';
export type { Notice, NoticePosition } from './notice-insert.ts';
export type { PartRewriteReport } from './attachment-parts.ts';
export { streamToBuffer, type MessageSource } from './message-source.ts';
