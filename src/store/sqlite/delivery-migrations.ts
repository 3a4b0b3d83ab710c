// Delivery tables for SQLite; the mirror image of ../postgres/delivery-migrations.ts.
// Ids are 'delivery-NNNN'; append new entries, never edit an applied one.
import type { Migration } from '../dialect.ts';

export const deliveryMigrations: Migration[] = [];
