// Attachments tables for PostgreSQL; the mirror image of ../sqlite/attachments-migrations.ts.
// Ids are 'attachments-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const attachmentsMigrations: Migration[] = [];
