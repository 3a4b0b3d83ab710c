// Attachments tables, one source for SQLite and PostgreSQL (see ddl.ts). Ids are 'attachments-NNNN';
// append new entries, never edit an applied one. Shapes and meaning: src/attachments/tables.ts.
import type { Ddl, MigrationSource } from './ddl.ts';

const REDACTED = 'ZIP passwords are kept sealed with the message (attachment_protection), no longer in the audit trail';
const ZIPPED_WITH_PASSWORD = `type = 'attachments.zipped' AND json_valid(data) AND json_extract(data, '$.password') IS NOT NULL`;

/** The hex SHA-256 of a text column, as util/id.ts hashToken computes it (SQLite: registered by open-sqlite.ts). */
function sha256Hex(t: Ddl, column: string): string {
  return t.pick({ sqlite: `sekisho_sha256(${column})`, postgres: `encode(sha256(convert_to(${column}, 'UTF8')), 'hex')` });
}

export const attachmentsMigrations: MigrationSource[] = [
  {
    id: 'attachments-0001',
    sql: (t) => [
      `CREATE TABLE attachment_protection (message_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, kind TEXT NOT NULL, ` +
        `zip_password TEXT, details TEXT NOT NULL DEFAULT '{}', password_mail TEXT, created_at ${t.int64} NOT NULL)`,
      `CREATE INDEX attachment_protection_pending ON attachment_protection(password_mail) WHERE password_mail = 'pending'`,
      `CREATE TABLE download_files (message_id TEXT NOT NULL, idx INTEGER NOT NULL, tenant_id TEXT NOT NULL, filename TEXT NOT NULL, ` +
        `content_type TEXT NOT NULL, size ${t.int64} NOT NULL, sha256 TEXT NOT NULL, blob_key TEXT NOT NULL, ` +
        `expires_at ${t.int64} NOT NULL, withdrawn_at ${t.int64}, purged_at ${t.int64}, created_at ${t.int64} NOT NULL, ` +
        `PRIMARY KEY (message_id, idx))`,
      `CREATE INDEX download_files_expiry ON download_files(expires_at) WHERE purged_at IS NULL`,
      `CREATE TABLE download_links (token TEXT PRIMARY KEY, message_id TEXT NOT NULL, tenant_id TEXT NOT NULL, ` +
        `recipient TEXT NOT NULL, max_downloads INTEGER, passcode INTEGER NOT NULL DEFAULT 0, ` +
        `download_count INTEGER NOT NULL DEFAULT 0, last_download_at ${t.int64}, last_ip TEXT, last_user_agent TEXT, code_hash TEXT, ` +
        `code_expires_at ${t.int64}, code_attempts INTEGER NOT NULL DEFAULT 0, code_sent_at ${t.int64}, ` +
        `codes_sent INTEGER NOT NULL DEFAULT 0, created_at ${t.int64} NOT NULL, UNIQUE (message_id, recipient))`,
      `CREATE TABLE download_events (id ${t.serialKey}, token TEXT NOT NULL, message_id TEXT NOT NULL, idx INTEGER NOT NULL, ` +
        `at ${t.int64} NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL)`,
      `CREATE INDEX download_events_message ON download_events(message_id, id)`,
      `CREATE TABLE blobs (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL, size ${t.int64} NOT NULL, sha256 TEXT NOT NULL, ` +
        `created_at ${t.int64} NOT NULL)`,
      `CREATE TABLE blob_chunks (blob_id TEXT NOT NULL, seq INTEGER NOT NULL, data ${t.blob} NOT NULL, PRIMARY KEY (blob_id, seq))`,
      `CREATE TABLE attachment_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    ],
  },
  {
    // Download links are looked up by the SHA-256 of their token (util/id.ts hashToken), as every
    // other link is: a database dump holds no working /d/ link. The token itself is kept sealed
    // (token_sealed, src/secrets) so a retried delivery sends the same link and the sender sees it;
    // the clear tokens moved there are sealed at start.
    id: 'attachments-0002',
    sql: (t) => [
      `ALTER TABLE download_links ADD COLUMN token_sealed TEXT`,
      `UPDATE download_links SET token_sealed = token, token = ${sha256Hex(t, 'token')}`,
      `ALTER TABLE download_links RENAME COLUMN token TO token_hash`,
      `UPDATE download_events SET token = ${sha256Hex(t, 'token')}`,
      `ALTER TABLE download_events RENAME COLUMN token TO token_hash`,
    ],
  },
  {
    // ZIP passwords leave the audit trail: "attachments.zipped" events lose their password (which
    // attachment_protection keeps, sealed), and each such message's trail records that it did. The
    // update gets past the append-only trigger (core-0001) by dropping or disabling it meanwhile.
    id: 'attachments-0003',
    sql: (t) =>
      t.pick({
        sqlite: [
          `INSERT INTO events (tenant_id, message_id, at, actor, type, data) ` +
            `SELECT tenant_id, message_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'system', 'audit.redacted', ` +
            `json_object('event', id, 'field', 'password', 'reason', '${REDACTED}') FROM events WHERE ${ZIPPED_WITH_PASSWORD}`,
          `DROP TRIGGER events_no_update`,
          `UPDATE events SET data = json_remove(data, '$.password') WHERE ${ZIPPED_WITH_PASSWORD}`,
          `CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
        ],
        postgres: [
          `INSERT INTO events (tenant_id, message_id, at, actor, type, data) ` +
            `SELECT tenant_id, message_id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, 'system', 'audit.redacted', ` +
            `json_build_object('event', id, 'field', 'password', 'reason', '${REDACTED}')::text ` +
            `FROM events WHERE type = 'attachments.zipped' AND data::jsonb ? 'password'`,
          `ALTER TABLE events DISABLE TRIGGER events_no_update`,
          `UPDATE events SET data = (data::jsonb - 'password')::text WHERE type = 'attachments.zipped' AND data::jsonb ? 'password'`,
          `ALTER TABLE events ENABLE TRIGGER events_no_update`,
        ],
      }),
  },
];
