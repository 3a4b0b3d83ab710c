// The secrets key file (default <dataDir>/secretsKey, setting `secretsKeyFile`): created with mode
// 0600 on first use, never in the database, so a database dump or backup alone opens no sealed
// secret. One key per line, `<key id> <base64 key>`, oldest first; the last line seals new values
// and every line opens old ones (rotation appends a line: rotateKeyFile). Creation is atomic (a
// complete temporary file hard-linked into place), so processes starting together agree on one key.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { KEY_BYTES, keyIdOf, newSecretKey, SecretBox, type SecretKey } from './secret-box.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, restrictFile } from '../util/private-files.ts';

const HEADER = [
  '# Sekisho secrets key: it opens the ZIP passwords, download links, TOTP and DKIM keys sealed in the',
  '# database. Keep it secret, back it up apart from the database, give every node the same file.',
  '# One key per line, oldest first; the last one seals new values (docs/security.md).',
];

export function defaultKeyFile(dataDir: string): string {
  return join(dataDir, 'secretsKey');
}

/**
 * The keys in `path`, creating the file with one new key when there is none (`created`: this call
 * made it, so a caller that finds the database sealed with another key can take it back).
 */
export function loadOrCreateKeyFile(path: string): { box: SecretBox; created: boolean } {
  // the data dir is made private by the caller; a directory named in the settings is only created
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  let created = false;
  if (!restrictFile(path)) {
    try {
      writeAtomically(path, [newSecretKey()], 'create');
      created = true;
    } catch (err) {
      // another process created it first: use theirs
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { box: new SecretBox(parseKeyFile(readFileSync(path, 'utf8'), path), path), created };
}

/** Appends a new key, which seals from the next start on; the old ones still open. */
export function rotateKeyFile(path: string): SecretKey {
  const keys = parseKeyFile(readFileSync(path, 'utf8'), path);
  const key = newSecretKey();
  writeAtomically(path, [...keys, key], 'replace');
  return key;
}

export function parseKeyFile(text: string, path: string): SecretKey[] {
  const keys: SecretKey[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([0-9a-f]{8})\s+([A-Za-z0-9+/]+={0,2})$/.exec(line);
    const key = m ? Buffer.from(m[2]!, 'base64') : null;
    if (!m || key!.length !== KEY_BYTES || keyIdOf(key!) !== m[1]) {
      throw new Error(
        `${path} line ${i + 1}: not a secrets key (expected "<key id> <base64 of ${KEY_BYTES} bytes>", as Sekisho writes it)`,
      );
    }
    keys.push({ id: m[1]!, key: key! });
  }
  if (keys.length === 0) throw new Error(`${path} holds no secrets key`);
  return keys;
}

/** A complete, fsynced file put in place in one step: linked (fails if one exists) or renamed over. */
function writeAtomically(path: string, keys: SecretKey[], how: 'create' | 'replace'): void {
  const text = [...HEADER, ...keys.map((k) => `${k.id} ${k.key.toString('base64')}`)].join('\n') + '\n';
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (how === 'create') linkSync(temp, path);
    else renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
