// Outbound tables for SQLite; the mirror image of ../postgres/outbound-migrations.ts.
// Ids are 'outbound-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const outboundMigrations: Migration[] = [];
