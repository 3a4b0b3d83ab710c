// Opens the store named by the configuration: PostgreSQL for postgres:// URLs, otherwise the
// SQLite file in the data directory (created on first use, 0600 in a 0700 directory, and so are
// its WAL and shared-memory files, which SQLite creates with the database file's mode), with the
// secrets key file (created on first use, see src/secrets). Runs pending migrations, then checks
// the key against the database and seals what is not sealed with it yet (src/secrets/reseal.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from './store.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import { openPostgres } from './postgres/open-postgres.ts';
import { defaultKeyFile, loadOrCreateKeyFile } from '../secrets/key-file.ts';
import { prepareSecrets, SecretKeyMismatchError } from '../secrets/reseal.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_DIR_MODE, restrictFile } from '../util/private-files.ts';

export interface StoreOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** the secrets key file; default <dataDir>/secretsKey */
  secretsKeyFile?: string;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl;
  const postgres = url !== undefined && /^postgres(ql)?:\/\//.test(url);
  if (url && !postgres && !url.startsWith('sqlite:')) {
    throw new Error(`unsupported database URL (use postgres://… or sqlite:FILE): ${url.split(':')[0]}:…`);
  }
  if (!opts.secretsKeyFile) ensurePrivateDir(opts.dataDir);
  const keyFile = opts.secretsKeyFile ?? defaultKeyFile(opts.dataDir);
  const { box: secrets, created } = loadOrCreateKeyFile(keyFile);
  let store: Store;
  if (postgres) {
    store = new Store(openPostgres(url!, opts.poolSize), secrets);
  } else {
    const file = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(opts.dataDir, 'sekisho.db');
    // the data dir is Sekisho's own; another directory named by sqlite:FILE is only created if missing
    if (url) mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    else ensurePrivateDir(opts.dataDir);
    ensurePrivateFile(file);
    // an older Sekisho left them 0644; SQLite keeps an existing file's mode
    for (const more of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) restrictFile(more);
    store = new Store(openSqlite(file), secrets);
  }
  try {
    await store.migrate();
    await prepareSecrets(store);
  } catch (err) {
    await store.close().catch(() => {});
    // a key made just now for a database sealed with another: leave no stray key file behind
    if (created && err instanceof SecretKeyMismatchError) rmSync(keyFile, { force: true });
    throw err;
  }
  return store;
}
