// Inbound tables for SQLite; the mirror image of ../postgres/inbound-migrations.ts.
// Ids are 'inbound-NNNN'; append new entries, never edit an applied one. Shapes: src/inbound/tables.ts.
import type { Migration } from '../dialect.ts';

export const inboundMigrations: Migration[] = [
  {
    id: 'inbound-0001',
    sql: [
      `CREATE TABLE inbound_settings (tenant_id TEXT PRIMARY KEY, self_release INTEGER NOT NULL DEFAULT 0, retention_days INTEGER NOT NULL DEFAULT 30, staff TEXT NOT NULL DEFAULT '[]', executives TEXT NOT NULL DEFAULT '[]', brands TEXT NOT NULL DEFAULT '[]', digest_hours INTEGER NOT NULL DEFAULT 0, last_digest_at INTEGER, updated_at INTEGER NOT NULL)`,
      `CREATE TABLE quarantine_links (token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, recipient TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER)`,
      `CREATE INDEX quarantine_links_message ON quarantine_links(message_id)`,
    ],
  },
  {
    // a recipient's request that an admin release mail only an admin may release (release-requests.ts)
    id: 'inbound-0002',
    sql: [
      `CREATE TABLE quarantine_requests (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, recipient TEXT NOT NULL, requested_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at INTEGER, note TEXT)`,
      `CREATE UNIQUE INDEX quarantine_requests_one ON quarantine_requests(message_id, recipient)`,
      `CREATE INDEX quarantine_requests_tenant ON quarantine_requests(tenant_id, state)`,
    ],
  },
];
