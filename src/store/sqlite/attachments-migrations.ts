// Attachments tables for SQLite; the mirror image of ../postgres/attachments-migrations.ts.
// Ids are 'attachments-NNNN'; append new entries, never edit an applied one. Shapes and meaning:
// src/attachments/tables.ts.
import type { Migration } from '../dialect.ts';

const REDACTED = 'ZIP passwords are kept sealed with the message (attachment_protection), no longer in the audit trail';
const ZIPPED_WITH_PASSWORD = `type = 'attachments.zipped' AND json_valid(data) AND json_extract(data, '$.password') IS NOT NULL`;

export const attachmentsMigrations: Migration[] = [
  {
    id: 'attachments-0001',
    sql: [
      `CREATE TABLE attachment_protection (message_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL, zip_password TEXT, details TEXT NOT NULL DEFAULT '{}', password_mail TEXT, created_at INTEGER NOT NULL)`,
      `CREATE INDEX attachment_protection_pending ON attachment_protection(password_mail) WHERE password_mail = 'pending'`,
      `CREATE TABLE download_files (message_id TEXT NOT NULL, idx INTEGER NOT NULL, tenant_id TEXT NOT NULL, filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, blob_key TEXT NOT NULL, expires_at INTEGER NOT NULL, withdrawn_at INTEGER, purged_at INTEGER, created_at INTEGER NOT NULL, PRIMARY KEY (message_id, idx))`,
      `CREATE INDEX download_files_expiry ON download_files(expires_at) WHERE purged_at IS NULL`,
      `CREATE TABLE download_links (token TEXT PRIMARY KEY, message_id TEXT NOT NULL, tenant_id TEXT NOT NULL, recipient TEXT NOT NULL, max_downloads INTEGER, passcode INTEGER NOT NULL DEFAULT 0, download_count INTEGER NOT NULL DEFAULT 0, last_download_at INTEGER, last_ip TEXT, last_user_agent TEXT, code_hash TEXT, code_expires_at INTEGER, code_attempts INTEGER NOT NULL DEFAULT 0, code_sent_at INTEGER, codes_sent INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, UNIQUE (message_id, recipient))`,
      `CREATE TABLE download_events (id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, message_id TEXT NOT NULL, idx INTEGER NOT NULL, at INTEGER NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL)`,
      `CREATE INDEX download_events_message ON download_events(message_id, id)`,
      `CREATE TABLE blobs (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_at INTEGER NOT NULL)`,
      `CREATE TABLE blob_chunks (blob_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (blob_id, seq))`,
      `CREATE TABLE attachment_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
  {
    // Download links are looked up by the SHA-256 of their token (util/id.ts hashToken, registered
    // as sekisho_sha256 by open-sqlite.ts), as every other link is: a database dump holds no working
    // /d/ link. The token itself is kept sealed (token_sealed, src/secrets) so a retried delivery
    // sends the same link and the sender sees it; the clear tokens moved there are sealed at start.
    id: 'attachments-0002',
    sql: [
      `ALTER TABLE download_links ADD COLUMN token_sealed TEXT`,
      `UPDATE download_links SET token_sealed = token, token = sekisho_sha256(token)`,
      `ALTER TABLE download_links RENAME COLUMN token TO token_hash`,
      `UPDATE download_events SET token = sekisho_sha256(token)`,
      `ALTER TABLE download_events RENAME COLUMN token TO token_hash`,
    ],
  },
  {
    // ZIP passwords leave the audit trail: "attachments.zipped" events lose their password (which
    // attachment_protection keeps, sealed), and each such message's trail records that it did.
    id: 'attachments-0003',
    sql: [
      `INSERT INTO events (tenant_id, message_id, at, actor, type, data) ` +
        `SELECT tenant_id, message_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'system', 'audit.redacted', ` +
        `json_object('event', id, 'field', 'password', 'reason', '${REDACTED}') FROM events WHERE ${ZIPPED_WITH_PASSWORD}`,
      `DROP TRIGGER events_no_update`,
      `UPDATE events SET data = json_remove(data, '$.password') WHERE ${ZIPPED_WITH_PASSWORD}`,
      `CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
    ],
  },
];
