// Opens the store named by the configuration: PostgreSQL for postgres:// URLs, otherwise the
// SQLite file in the data directory (created on first use). Runs pending migrations.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from './store.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import { openPostgres } from './postgres/open-postgres.ts';

export async function openStore(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Promise<Store> {
  const url = opts.databaseUrl;
  let store: Store;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    store = new Store(openPostgres(url, opts.poolSize));
  } else if (!url || url.startsWith('sqlite:')) {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(opts.dataDir, 'sekisho.db');
    store = new Store(openSqlite(file));
  } else {
    throw new Error(`unsupported database URL (use postgres://… or sqlite:FILE): ${url.split(':')[0]}:…`);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
