// Table shapes of the attachments area (migrations: src/store/migrations/attachments.ts),
// used through store.db.withTables<AttachmentTables>(). Times are epoch milliseconds.
import type { Generated } from 'kysely';
import type { BlobChunkTable, BlobTable } from '../blob/tables.ts';

/** One row per message whose attachments were protected: what was done, and the ZIP password. */
export type ProtectionTable = {
  message_id: string;
  tenant_id: string;
  kind: 'zip' | 'download' | 'none';
  /** the generated ZIP password, sealed (src/secrets; shown to sender and admin), null for downloads */
  zip_password: string | null;
  /** JSON details: method, zip name, files, notice language, passwordTo */
  details: string;
  /** ZIP password mail: 'pending' until the ZIP mail is delivered, then 'sent' or 'skipped' */
  password_mail: 'pending' | 'sent' | 'skipped' | null;
  created_at: number;
};

/** A stored web-download file: stored once per message, shared by every recipient's link. */
export type DownloadFileTable = {
  message_id: string;
  /** 1-based position among the message's attachments */
  idx: number;
  tenant_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  expires_at: number;
  withdrawn_at: number | null;
  /** set once the blob is deleted (withdrawn or expired) */
  purged_at: number | null;
  created_at: number;
};

/** One recipient's link to a message's files: /d/TOKEN. */
export type DownloadLinkTable = {
  /** what the database keeps of TOKEN: util/id.ts hashToken */
  token_hash: string;
  /** TOKEN sealed (src/secrets), so a retried delivery sends the same link and the sender sees it */
  token_sealed: string | null;
  message_id: string;
  tenant_id: string;
  recipient: string;
  max_downloads: number | null;
  passcode: number;
  download_count: number;
  last_download_at: number | null;
  last_ip: string | null;
  last_user_agent: string | null;
  /** sha256(token + code) of the current one-time passcode */
  code_hash: string | null;
  code_expires_at: number | null;
  code_attempts: number;
  code_sent_at: number | null;
  codes_sent: number;
  created_at: number;
};

export type DownloadEventTable = {
  id: Generated<number>;
  /** the link's token_hash */
  token_hash: string;
  message_id: string;
  /** file index, or 0 for "all files as one ZIP" */
  idx: number;
  at: number;
  ip: string;
  user_agent: string;
};

/** Small cluster-wide values (the download-session signing secret, sealed). */
export type AttachmentSettingTable = {
  key: string;
  value: string;
};

export type AttachmentTables = {
  attachment_protection: ProtectionTable;
  download_files: DownloadFileTable;
  download_links: DownloadLinkTable;
  download_events: DownloadEventTable;
  blobs: BlobTable;
  blob_chunks: BlobChunkTable;
  attachment_settings: AttachmentSettingTable;
};
