// The databases every store-touching test runs over: a fresh SQLite file and a fresh PostgreSQL
// database (created on 127.0.0.1:5432, dropped afterwards). SEKISHO_TEST_PG_URL points
// elsewhere; SEKISHO_TEST_DATABASES=sqlite limits a local run to one backend. openTestStore gives a
// store on such a database, and dropTestStore closes it and drops the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';

export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  /** value for databaseUrl (undefined = SQLite in dataDir) */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

const PG_ADMIN_URL = process.env.SEKISHO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function backends(): Array<'sqlite' | 'postgres'> {
  const only = process.env.SEKISHO_TEST_DATABASES;
  const all: Array<'sqlite' | 'postgres'> = ['sqlite', 'postgres'];
  return only ? all.filter((k) => only.split(',').includes(k)) : all;
}

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sekisho-test-'));
  if (kind === 'sqlite') {
    return { kind, url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = 'sekisho_test_' + randomBytes(6).toString('hex');
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, '/' + name);
  return {
    kind,
    url,
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The database under each store openTestStore opened. */
const databaseOf = new WeakMap<Store, TestDatabase>();

/** A store on a fresh database of this kind (migrated, as the gateway opens it). */
export async function openTestStore(kind: 'sqlite' | 'postgres'): Promise<Store> {
  const db = await createTestDatabase(kind);
  const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
  databaseOf.set(store, db);
  return store;
}

/** Closes a store openTestStore opened and drops its database. */
export async function dropTestStore(store: Store): Promise<void> {
  await store.close();
  await databaseOf.get(store)?.drop();
  databaseOf.delete(store);
}
