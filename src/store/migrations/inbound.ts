// Inbound tables, one source for SQLite and PostgreSQL (see ddl.ts). Ids are 'inbound-NNNN'; append
// new entries, never edit an applied one. Shapes: src/inbound/tables.ts.
import type { MigrationSource } from './ddl.ts';

export const inboundMigrations: MigrationSource[] = [
  {
    id: 'inbound-0001',
    sql: (t) => [
      `CREATE TABLE inbound_settings (tenant_id TEXT PRIMARY KEY, self_release INTEGER NOT NULL DEFAULT 0, ` +
        `retention_days INTEGER NOT NULL DEFAULT 30, staff TEXT NOT NULL DEFAULT '[]', executives TEXT NOT NULL DEFAULT '[]', ` +
        `brands TEXT NOT NULL DEFAULT '[]', digest_hours INTEGER NOT NULL DEFAULT 0, last_digest_at ${t.int64}, ` +
        `updated_at ${t.int64} NOT NULL)`,
      `CREATE TABLE quarantine_links (token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, ` +
        `recipient TEXT NOT NULL, created_at ${t.int64} NOT NULL, expires_at ${t.int64} NOT NULL, used_at ${t.int64})`,
      `CREATE INDEX quarantine_links_message ON quarantine_links(message_id)`,
    ],
  },
  {
    // a recipient's request that an admin release mail only an admin may release (release-requests.ts)
    id: 'inbound-0002',
    sql: (t) => [
      `CREATE TABLE quarantine_requests (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, ` +
        `recipient TEXT NOT NULL, requested_at ${t.int64} NOT NULL, state TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, ` +
        `decided_at ${t.int64}, note TEXT)`,
      `CREATE UNIQUE INDEX quarantine_requests_one ON quarantine_requests(message_id, recipient)`,
      `CREATE INDEX quarantine_requests_tenant ON quarantine_requests(tenant_id, state)`,
    ],
  },
];
