// Outbound tables for PostgreSQL; the mirror image of ../sqlite/outbound-migrations.ts.
// Ids are 'outbound-NNNN'; append new entries, never edit an applied one. Shapes: src/outbound/tables.ts.
import type { Migration } from '../dialect.ts';

export const outboundMigrations: Migration[] = [
  {
    id: 'outbound-0001',
    sql: [
      `CREATE TABLE outbound_links (token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message_id TEXT NOT NULL, kind TEXT NOT NULL, stage INTEGER NOT NULL, actor TEXT NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE INDEX outbound_links_message ON outbound_links(message_id)`,
      `CREATE INDEX contacts_tenant_count ON contacts(tenant_id, count)`,
    ],
  },
];
