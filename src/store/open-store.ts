// Opens the store named by the configuration: PostgreSQL for postgres:// URLs, otherwise the
// SQLite file in the data directory (created on first use, 0600 in a 0700 directory, and so are
// its WAL and shared-memory files, which SQLite creates with the database file's mode), with the
// secrets key file (created on first use, see src/secrets). Runs pending migrations, then checks
// the key against the database and seals what is not sealed with it yet (src/store/reseal-secrets.ts).
// With `mustExist` (every management command) a database that does not exist yet is not created:
// NoDatabaseError says where it looked, so a wrong data directory is not silently a new empty one.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { sql } from 'kysely';
import { dirname, join } from 'node:path';
import { Store } from './store.ts';
import { openSqlite } from './sqlite/open-sqlite.ts';
import { openPostgres } from './postgres/open-postgres.ts';
import { defaultKeyFile, loadOrCreateKeyFile } from '../secrets/key-file.ts';
import { prepareSecrets, SecretKeyMismatchError } from './reseal-secrets.ts';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_DIR_MODE, restrictFile } from '../util/private-files.ts';

export interface StoreOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** the secrets key file; default <dataDir>/secretsKey */
  secretsKeyFile?: string;
  /** refuse to create a database that does not exist yet (only `start` and `init` create one) */
  mustExist?: boolean;
}

/** The configured database does not exist yet, and this caller may not create it. */
export class NoDatabaseError extends Error {}

const NO_DATABASE_HINT = 'check SEKISHO_CONFIG / dataDir / databaseUrl, or create it with `sekisho init`';

export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl;
  const postgres = url !== undefined && /^postgres(ql)?:\/\//.test(url);
  if (url && !postgres && !url.startsWith('sqlite:')) {
    throw new Error(`unsupported database URL (use postgres://… or sqlite:FILE): ${url.split(':')[0]}:…`);
  }
  const sqliteFile = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(opts.dataDir, 'sekisho.db');
  if (opts.mustExist && !postgres && !existsSync(sqliteFile)) {
    throw new NoDatabaseError(`no database at ${sqliteFile} (${NO_DATABASE_HINT})`);
  }
  if (opts.mustExist && postgres) await requireSchema(url!);
  if (!opts.secretsKeyFile) ensurePrivateDir(opts.dataDir);
  const keyFile = opts.secretsKeyFile ?? defaultKeyFile(opts.dataDir);
  const { box: secrets, created } = loadOrCreateKeyFile(keyFile);
  let store: Store;
  if (postgres) {
    store = new Store(openPostgres(url!, opts.poolSize), secrets);
  } else {
    const file = sqliteFile;
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

/** Refuses a PostgreSQL database Sekisho has never migrated (or cannot reach) without touching it. */
async function requireSchema(url: string): Promise<void> {
  const probe = openPostgres(url, 1);
  try {
    const r = await sql<{ t: string | null }>`SELECT to_regclass('schema_migrations')::text AS t`.execute(probe.db);
    if (!r.rows[0]?.t) throw new NoDatabaseError(`the database at ${redactUrl(url)} has no Sekisho tables (${NO_DATABASE_HINT})`);
  } finally {
    await probe.close();
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
