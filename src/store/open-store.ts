// Opens the store named by the configuration: PostgreSQL for postgres:// URLs, otherwise the
// SQLite file in the data directory (created on first use, 0600 in a 0700 directory, and so are
// its WAL and shared-memory files, which SQLite creates with the database file's mode). Runs
// pending migrations.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from './store.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import { openPostgres } from './postgres/open-postgres.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_DIR_MODE, restrictFile } from '../util/private-files.ts';

export async function openStore(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Promise<Store> {
  const url = opts.databaseUrl;
  let store: Store;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    store = new Store(openPostgres(url, opts.poolSize));
  } else if (!url || url.startsWith('sqlite:')) {
    const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(opts.dataDir, 'sekisho.db');
    // the data dir is Sekisho's own; another directory named by sqlite:FILE is only created if missing
    if (url) mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    else ensurePrivateDir(opts.dataDir);
    ensurePrivateFile(file);
    // an older Sekisho left them 0644; SQLite keeps an existing file's mode
    for (const more of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) restrictFile(more);
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
