// Console tables for SQLite; the mirror image of ../postgres/console-migrations.ts.
// Ids are 'console-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const consoleMigrations: Migration[] = [];
