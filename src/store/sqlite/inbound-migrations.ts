// Inbound tables for SQLite; the mirror image of ../postgres/inbound-migrations.ts.
// Ids are 'inbound-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const inboundMigrations: Migration[] = [];
