// Every migration in the order they run: core first, then each feature area's own tables. Both
// stores run the statements migrationsFor() generates for their dialect from these one sources.
import type { Migration } from '../schema/dialect.ts';
import { generateMigrations, type DialectKind, type MigrationSource } from './ddl.ts';
import { coreMigrations } from './core.ts';
import { deliveryMigrations } from './delivery.ts';
import { outboundMigrations } from './outbound.ts';
import { attachmentsMigrations } from './attachments.ts';
import { inboundMigrations } from './inbound.ts';
import { consoleMigrations } from './console.ts';

export const migrationSources: MigrationSource[] = [
  ...coreMigrations,
  ...deliveryMigrations,
  ...outboundMigrations,
  ...attachmentsMigrations,
  ...inboundMigrations,
  ...consoleMigrations,
];

export function migrationsFor(kind: DialectKind): Migration[] {
  return generateMigrations(kind, migrationSources);
}
