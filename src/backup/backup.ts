// `sekisho backup` and `restore` on SQLite. A backup is one gzip'd tar archive: a consistent copy
// of the database made with SQLite's VACUUM INTO (one read transaction: every commit before it
// began is in the copy, whatever the gateway writes meanwhile, and writers are never blocked),
// then the blob store (web-download files), the generated TLS pair and the secrets key file —
// without the key the sealed secrets in the copy cannot be opened — and manifest.json. Restore
// unpacks into an empty data directory only, with directories 0700 and files 0600.
// PostgreSQL is backed up with pg_dump (its blobs live in the database): docs/operation.md.
import Database from 'better-sqlite3';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { create as createTar, extract as extractTar } from 'tar';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../util/private-files.ts';
import { versionLine } from '../util/version.ts';

export const BACKUP_FORMAT = 'sekisho-backup';
const MANIFEST = 'manifest.json';
export const DB_FILE = 'sekisho.db';
export const KEY_FILE = 'secretsKey';

export interface BackupSources {
  /** the SQLite database file */
  dbFile: string;
  /** the data directory (its blobs/ and tls/ go along) */
  dataDir: string;
  /** the secrets key file */
  keyFile: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: 1;
  createdAt: string;
  sekisho: string;
  /** database bytes in the archive */
  databaseBytes: number;
  blobFiles: number;
}

export class BackupError extends Error {}

/** Writes the archive to `out` (replaced atomically: a failed backup leaves no partial file). */
export async function backupSqlite(src: BackupSources, out: string): Promise<BackupManifest> {
  if (!existsSync(src.dbFile)) throw new BackupError(`no database at ${src.dbFile}`);
  if (!existsSync(src.keyFile))
    throw new BackupError(`no secrets key file at ${src.keyFile}; without it the backup's secrets cannot be opened`);
  const target = resolve(out);
  // staged next to the archive, on its filesystem (the database copy may be large), private
  const stage = mkdtempSync(join(dirname(target), `.${basename(target)}.`));
  chmodSync(stage, PRIVATE_DIR_MODE);
  try {
    copyDatabase(src.dbFile, join(stage, DB_FILE));
    const entries = [DB_FILE, KEY_FILE];
    cpSync(src.keyFile, join(stage, KEY_FILE));
    let blobFiles = 0;
    for (const dir of ['blobs', 'tls']) {
      const from = join(src.dataDir, dir);
      if (!existsSync(from)) continue;
      cpSync(from, join(stage, dir), { recursive: true });
      if (dir === 'blobs') blobFiles = countFiles(join(stage, dir));
      entries.push(dir);
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      sekisho: versionLine(),
      databaseBytes: statSync(join(stage, DB_FILE)).size,
      blobFiles,
    };
    writeFileSync(join(stage, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
    const partial = `${target}.partial`;
    await createTar({ gzip: true, file: partial, cwd: stage, portable: true }, [MANIFEST, ...entries]);
    chmodSync(partial, PRIVATE_FILE_MODE);
    renameSync(partial, target);
    return manifest;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** VACUUM INTO: a compact, consistent copy from one read transaction, in a new file. */
function copyDatabase(from: string, to: string): void {
  const db = new Database(from, { fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
  chmodSync(to, PRIVATE_FILE_MODE);
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

/** Unpacks `file` into `dataDir`, which must be missing or empty; returns the archive's manifest. */
export async function restoreBackup(file: string, dataDir: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw new BackupError(`no backup file at ${file}`);
  const dir = resolve(dataDir);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new BackupError(`${dir} is not empty: restore only into a new or empty data directory (nothing was changed)`);
  }
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
  try {
    // tar refuses absolute paths and `..` by default; links are not ours to restore
    await extractTar({
      file,
      cwd: dir,
      strict: true,
      filter: (_path, entry) => !('type' in entry) || ['File', 'Directory'].includes(String(entry.type)),
    });
    const manifest = readManifest(dir);
    if (!existsSync(join(dir, DB_FILE)) || !existsSync(join(dir, KEY_FILE)))
      throw new BackupError('the archive lacks the database or the secrets key');
    makePrivate(dir);
    return manifest;
  } catch (err) {
    // a failed restore leaves the directory as it found it: empty
    for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file} is not a Sekisho backup: ${(err as Error).message.split('\n')[0]}`);
  }
}

function readManifest(dir: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    throw new BackupError(`the archive has no readable ${MANIFEST}: not a Sekisho backup`);
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== 1)
    throw new BackupError(`unknown backup format ${manifest.format} ${manifest.version}`);
  return manifest;
}

/** Directories 0700, files 0600, whatever the archive said. */
function makePrivate(dir: string): void {
  chmodSync(dir, PRIVATE_DIR_MODE);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) makePrivate(path);
    else chmodSync(path, PRIVATE_FILE_MODE);
  }
}
