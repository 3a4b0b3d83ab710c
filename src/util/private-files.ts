// The data directory and everything in it belong to Sekisho's own user: directories 0700, files
// 0600 (the database, its WAL and shared-memory files, blobs, the TLS key, the secrets key). New
// ones are created so; existing ones with wider modes (an older Sekisho made sekisho.db 0644) are
// tightened at start. Only the owner's own permissions are kept; nothing here ever widens a mode.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** mkdir -p with mode 0700; an existing directory open to group or others is tightened. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrict(dir, PRIVATE_DIR_MODE);
}

/** The file if it exists, tightened to 0600; false when there is none. */
export function restrictFile(path: string): boolean {
  return restrict(path, PRIVATE_FILE_MODE);
}

/** Creates an empty file with mode 0600 unless it exists; tightens one that does. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  restrictFile(path);
}

function restrict(path: string, mode: number): boolean {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if ((current & 0o077) !== 0) chmodSync(path, current & mode);
  return true;
}
