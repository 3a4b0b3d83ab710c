// Every migration of the PostgreSQL store in the order they run: core first, then each
// feature area's own tables. The mirror image of ../sqlite/all-migrations.ts.
import type { Migration } from '../dialect.ts';
import { coreMigrations } from './migrations.ts';
import { deliveryMigrations } from './delivery-migrations.ts';
import { outboundMigrations } from './outbound-migrations.ts';
import { attachmentsMigrations } from './attachments-migrations.ts';
import { inboundMigrations } from './inbound-migrations.ts';
import { consoleMigrations } from './console-migrations.ts';

export const allMigrations: Migration[] = [
  ...coreMigrations,
  ...deliveryMigrations,
  ...outboundMigrations,
  ...attachmentsMigrations,
  ...inboundMigrations,
  ...consoleMigrations,
];
