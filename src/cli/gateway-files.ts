// The files through which `sekisho reload` finds and hears from a running `sekisho start`:
// <dataDir>/sekisho.pid (the pid to signal: written at start, removed at a clean stop) and
// <dataDir>/sekisho.reload (one JSON line: the outcome of the last reload). Both 0600.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE, restrictFile } from '../util/private-files.ts';

export const pidFileOf = (dataDir: string): string => join(dataDir, 'sekisho.pid');
export const reloadFileOf = (dataDir: string): string => join(dataDir, 'sekisho.reload');

export interface ReloadOutcome {
  ok: boolean;
  /** the one line the log has too */
  line: string;
  /** Date.now() when it was decided: tells this outcome from the previous one */
  at: number;
}

export function writePidFile(dataDir: string): void {
  writePrivate(pidFileOf(dataDir), `${process.pid}\n`);
}

/** at a clean stop; a file another start has overwritten since is left alone */
export function removePidFile(dataDir: string): void {
  if (readText(pidFileOf(dataDir))?.trim() === String(process.pid)) rmSync(pidFileOf(dataDir), { force: true });
}

export function readPid(dataDir: string): number | null {
  const pid = Number(readText(pidFileOf(dataDir))?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function writeReloadOutcome(dataDir: string, outcome: Omit<ReloadOutcome, 'at'>): void {
  try {
    writePrivate(reloadFileOf(dataDir), `${JSON.stringify({ ...outcome, at: Date.now() })}\n`);
  } catch {
    // the log has the line too; a read-only data directory must not fail the reload
  }
}

export function readReloadOutcome(dataDir: string): ReloadOutcome | null {
  try {
    return JSON.parse(readText(reloadFileOf(dataDir)) ?? 'null') as ReloadOutcome | null;
  } catch {
    return null;
  }
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: PRIVATE_FILE_MODE });
  restrictFile(path); // an existing file keeps its mode on write
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
