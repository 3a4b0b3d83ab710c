// Delivery tables for SQLite; the mirror image of ../postgres/delivery-migrations.ts.
// Ids are 'delivery-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const deliveryMigrations: Migration[] = [
  {
    // the submission digest: a client's resend of a message we already committed (its 250 was
    // lost) is recognised and answered without queuing it twice (src/accept/resubmission.ts)
    id: 'delivery-0001',
    sql: [
      `ALTER TABLE messages ADD COLUMN digest TEXT`,
      `CREATE INDEX messages_digest ON messages(digest, tenant_id) WHERE digest IS NOT NULL`,
    ],
  },
];
