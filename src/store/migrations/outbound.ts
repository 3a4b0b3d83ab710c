// Outbound tables, one source for SQLite and PostgreSQL (see ddl.ts). Ids are 'outbound-NNNN';
// append new entries, never edit an applied one. Shapes: src/outbound/tables.ts.
import type { MigrationSource } from './ddl.ts';

export const outboundMigrations: MigrationSource[] = [
  {
    id: 'outbound-0001',
    sql: (t) => [
      `CREATE TABLE outbound_links (token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, ` +
        `kind TEXT NOT NULL, stage INTEGER NOT NULL, actor TEXT NOT NULL, created_at ${t.int64} NOT NULL)`,
      `CREATE INDEX outbound_links_message ON outbound_links(message_id)`,
      `CREATE INDEX contacts_tenant_count ON contacts(tenant_id, count)`,
    ],
  },
];
