// Attachments tables for SQLite; the mirror image of ../postgres/attachments-migrations.ts.
// Ids are 'attachments-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const attachmentsMigrations: Migration[] = [];
