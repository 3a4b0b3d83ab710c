// The SQLite checkpoint thread's entry (see wal-checkpointer.ts): one connection per database
// file, which copies the write-ahead log into the file (PASSIVE: writers and readers go on
// meanwhile; the gateway's own connection starts the log over once it is all copied).
import Database from 'better-sqlite3';
import { isMainThread } from 'node:worker_threads';
import { serveTasks } from '../../util/worker-pool.ts';

export interface CheckpointResult {
  /** frames in the log when the checkpoint ended */
  logFrames: number;
  /** of them, copied into the database file */
  copiedFrames: number;
}

const connections = new Map<string, Database.Database>();

function checkpoint(i: { file: string }): CheckpointResult {
  let db = connections.get(i.file);
  if (!db) {
    db = new Database(i.file, { fileMustExist: true });
    connections.set(i.file, db);
  }
  const row = (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>)[0]!;
  return { logFrames: row.log, copiedFrames: row.checkpointed };
}

/** Closes the thread's connection to the file (its store is closing). */
function release(i: { file: string }): void {
  connections.get(i.file)?.close();
  connections.delete(i.file);
}

export const checkpointTasks = { checkpoint, release };

if (!isMainThread) serveTasks(checkpointTasks);
