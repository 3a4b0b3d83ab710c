// Attachments tables for PostgreSQL; the mirror image of ../sqlite/attachments-migrations.ts.
// Ids are 'attachments-NNNN'; append new entries, never edit an applied one. Shapes and meaning:
// src/attachments/tables.ts.
import type { Migration } from '../dialect.ts';

const REDACTED = 'ZIP passwords are kept sealed with the message (attachment_protection), no longer in the audit trail';

export const attachmentsMigrations: Migration[] = [
  {
    id: 'attachments-0001',
    sql: [
      `CREATE TABLE attachment_protection (message_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL, zip_password TEXT, details TEXT NOT NULL DEFAULT '{}', password_mail TEXT, created_at BIGINT NOT NULL)`,
      `CREATE INDEX attachment_protection_pending ON attachment_protection(password_mail) WHERE password_mail = 'pending'`,
      `CREATE TABLE download_files (message_id TEXT NOT NULL, idx INTEGER NOT NULL, tenant_id TEXT NOT NULL, filename TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, blob_key TEXT NOT NULL, expires_at BIGINT NOT NULL, withdrawn_at BIGINT, purged_at BIGINT, created_at BIGINT NOT NULL, PRIMARY KEY (message_id, idx))`,
      `CREATE INDEX download_files_expiry ON download_files(expires_at) WHERE purged_at IS NULL`,
      `CREATE TABLE download_links (token TEXT PRIMARY KEY, message_id TEXT NOT NULL, tenant_id TEXT NOT NULL, recipient TEXT NOT NULL, max_downloads INTEGER, passcode INTEGER NOT NULL DEFAULT 0, download_count INTEGER NOT NULL DEFAULT 0, last_download_at BIGINT, last_ip TEXT, last_user_agent TEXT, code_hash TEXT, code_expires_at BIGINT, code_attempts INTEGER NOT NULL DEFAULT 0, code_sent_at BIGINT, codes_sent INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, UNIQUE (message_id, recipient))`,
      `CREATE TABLE download_events (id BIGSERIAL PRIMARY KEY, token TEXT NOT NULL, message_id TEXT NOT NULL, idx INTEGER NOT NULL, at BIGINT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL)`,
      `CREATE INDEX download_events_message ON download_events(message_id, id)`,
      `CREATE TABLE blobs (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE TABLE blob_chunks (blob_id TEXT NOT NULL, seq INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (blob_id, seq))`,
      `CREATE TABLE attachment_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
  {
    // Download links are looked up by the SHA-256 of their token, as every other link is; the token
    // itself is kept sealed (see ../sqlite/attachments-migrations.ts).
    id: 'attachments-0002',
    sql: [
      `ALTER TABLE download_links ADD COLUMN token_sealed TEXT`,
      `UPDATE download_links SET token_sealed = token, token = encode(sha256(convert_to(token, 'UTF8')), 'hex')`,
      `ALTER TABLE download_links RENAME COLUMN token TO token_hash`,
      `UPDATE download_events SET token = encode(sha256(convert_to(token, 'UTF8')), 'hex')`,
      `ALTER TABLE download_events RENAME COLUMN token TO token_hash`,
    ],
  },
  {
    // ZIP passwords leave the audit trail (see ../sqlite/attachments-migrations.ts).
    id: 'attachments-0003',
    sql: [
      `INSERT INTO events (tenant_id, message_id, at, actor, type, data) ` +
        `SELECT tenant_id, message_id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 'system', 'audit.redacted', ` +
        `json_build_object('event', id, 'field', 'password', 'reason', '${REDACTED}')::text ` +
        `FROM events WHERE type = 'attachments.zipped' AND data::jsonb ? 'password'`,
      `ALTER TABLE events DISABLE TRIGGER events_no_update`,
      `UPDATE events SET data = (data::jsonb - 'password')::text WHERE type = 'attachments.zipped' AND data::jsonb ? 'password'`,
      `ALTER TABLE events ENABLE TRIGGER events_no_update`,
    ],
  },
];
