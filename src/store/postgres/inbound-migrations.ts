// Inbound tables for PostgreSQL; the mirror image of ../sqlite/inbound-migrations.ts.
// Ids are 'inbound-NNNN'; append new entries, never edit an applied one. Shapes: src/inbound/tables.ts.
import type { Migration } from '../dialect.ts';

export const inboundMigrations: Migration[] = [
  {
    id: 'inbound-0001',
    sql: [
      `CREATE TABLE inbound_settings (tenant_id TEXT PRIMARY KEY, self_release INTEGER NOT NULL DEFAULT 0, retention_days INTEGER NOT NULL DEFAULT 30, staff TEXT NOT NULL DEFAULT '[]', executives TEXT NOT NULL DEFAULT '[]', brands TEXT NOT NULL DEFAULT '[]', digest_hours INTEGER NOT NULL DEFAULT 0, last_digest_at BIGINT, updated_at BIGINT NOT NULL)`,
      `CREATE TABLE quarantine_links (token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, recipient TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT)`,
      `CREATE INDEX quarantine_links_message ON quarantine_links(message_id)`,
    ],
  },
];
