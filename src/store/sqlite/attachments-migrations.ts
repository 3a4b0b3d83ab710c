// Attachments tables for SQLite; the mirror image of ../postgres/attachments-migrations.ts.
// Ids are 'attachments-NNNN'; append new entries, never edit an applied one. Shapes and meaning:
// src/attachments/tables.ts.
import type { Migration } from '../dialect.ts';

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
];
