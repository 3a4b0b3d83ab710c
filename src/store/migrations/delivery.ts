// Delivery tables, one source for SQLite and PostgreSQL (see ddl.ts). Ids are 'delivery-NNNN';
// append new entries, never edit an applied one.
import type { MigrationSource } from './ddl.ts';

export const deliveryMigrations: MigrationSource[] = [
  {
    // the submission digest: a client's resend of a message we already committed (its 250 was
    // lost) is recognised and answered without queuing it twice (src/accept/resubmission.ts)
    id: 'delivery-0001',
    sql: () => [
      `ALTER TABLE messages ADD COLUMN digest TEXT`,
      `CREATE INDEX messages_digest ON messages(digest, tenant_id) WHERE digest IS NOT NULL`,
    ],
  },
];
