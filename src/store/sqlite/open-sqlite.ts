// SQLite store (better-sqlite3): one file in the data dir, WAL journal with synchronous=FULL so a
// committed transaction survives a crash or power loss before we answer 250. Group commits (the
// hot path) get the same guarantee with the WAL flushed off the main thread (see WalSync); once
// the log is nearly full, or holds many bodies, a worker thread copies it into the database
// (WalCheckpointer).
// The mirror image of ../postgres/open-postgres.ts.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { DB } from '../schema/schema.ts';
import type { Dialect, MessageRow } from '../schema/dialect.ts';
import { WalSync } from './wal-sync.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';
import { BodiesInLog } from './bodies-in-log.ts';
import { FramesInLog } from './frames-in-log.ts';
import { hashToken } from '../../util/id.ts';
import { BoundedMap } from '../../util/bounded-map.ts';

const BUSY_TIMEOUT_MS = 10_000;
/** SQLite's own checkpoint runs in the COMMIT that fills the log this far (~40 MB; its default is 1,000) */
const AUTOCHECKPOINT_FRAMES = 10_000;
/**
 * once this process has written this much in bodies into the log since it started over, the
 * checkpoint is the thread's even if the log is far from full. The thread's checkpoint slows the
 * main thread's writes while it syncs the database, the more the more it copies: MB-sized mail
 * checkpointed every 16 MiB made blocks of 42–50 ms, every 12 MiB 29–40 (docs/security.md "Large
 * messages"); waiting for a full log of it (~36 MB) would make them longer.
 */
export const OFFLOAD_BYTES = 12 * 1024 * 1024;
/**
 * the thread takes the checkpoint of a log about to hold this many frames of anything, before
 * SQLite's own at AUTOCHECKPOINT_FRAMES, which then copies only what was written meanwhile
 * (frames-in-log.ts): SQLite's own took 18–78 ms on the main thread in the fuzz run
 */
export const THREAD_FRAMES = 9_000;
/**
 * The page cache, in KiB as SQLite takes a negative size: SQLite's own default. better-sqlite3
 * builds SQLite with 16 MB, and a transaction's changed pages stay in the cache until it is full,
 * so the COMMIT of a 15 MB message wrote them all to the log in one call, 33–43 ms on the event
 * loop. At 2 MB the pages go to the log as each MiB part of the body is inserted (a part per turn,
 * message-body.ts) and the COMMIT writes the last 2 MB at most (2.6 ms). Two processes empty each
 * other's cache at every commit anyway; see docs/security.md "Large messages".
 */
export const CACHE_KIB = -2000;
/** a log grown past this (large messages) is cut back to it when it starts over */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** The SQLite dialect, with its checkpoint thread's handle (tests read what it did). */
export type SqliteStoreDialect = Dialect & { checkpointer: WalCheckpointer };

export function openSqlite(file: string): SqliteStoreDialect {
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = FULL');
  handle.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_FRAMES}`);
  handle.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  handle.pragma(`cache_size = ${CACHE_KIB}`);
  handle.pragma('foreign_keys = ON');
  // The CLI and the server share the file; a writer waits for the other instead of failing.
  handle.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // migration attachments-0002 hashes the tokens older versions kept in clear (PostgreSQL has sha256())
  handle.function('sekisho_sha256', { deterministic: true }, (s: unknown) => hashToken(String(s)));
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  const wal = new WalSync(`${file}-wal`);
  const checkpointer = new WalCheckpointer(file);
  /** group commits whose checkpoint the thread has yet to finish: SQLite's own is off meanwhile */
  let offloaded = 0;
  const bodies = new BodiesInLog(OFFLOAD_BYTES, () => wal.round());
  const logFrames = new FramesInLog(THREAD_FRAMES, handle.pragma('page_size', { simple: true }) as number, wal);
  const autocheckpoint = (frames: number) => handle.open && handle.exec(`PRAGMA wal_autocheckpoint = ${frames}`);

  /**
   * SQLite's own checkpoint off until the thread has copied this commit's log (a commit between
   * would otherwise copy it on the main thread), then on again. A failed thread changes nothing
   * but that the next checkpoint is SQLite's own. Returns what to call once the commit is written.
   */
  function offloadCheckpoint(): () => void {
    if (offloaded++ === 0) autocheckpoint(0);
    return () =>
      void checkpointer
        .run()
        .catch(() => {})
        .finally(() => {
          if (--offloaded === 0) autocheckpoint(AUTOCHECKPOINT_FRAMES);
        });
  }

  /** One group commit, written to the log (not yet flushed: the caller's WalSync does that). */
  async function writeGroup(fn: (trx: Kysely<DB>) => Promise<void>): Promise<void> {
    // Another process on the same file (processes > 1, or the CLI) may hold the write lock.
    // SQLite's busy handler would sleep on the main thread until it is free; instead the lock
    // is tried without waiting and, if taken, tried again a moment later while the event loop
    // goes on serving sessions (and other queries get the connection meanwhile).
    for (let pause = 0; !(await db.connection().execute((conn) => writeUnsynced(conn, fn))); pause = Math.min(pause * 2 || 1, 8)) {
      await new Promise((resolve) => (pause ? setTimeout(resolve, pause) : setImmediate(resolve)));
    }
  }

  /**
   * One write transaction whose COMMIT does not flush the WAL (the caller's WalSync does, off the
   * main thread); false, with nothing done, if another connection holds the write lock. SQLite
   * reads `synchronous` at COMMIT and refuses to change it inside a transaction: it is NORMAL
   * around this one and FULL again before any other statement can run (the caller holds the
   * connection), so every other transaction still flushes before it returns.
   */
  async function writeUnsynced(conn: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<void>): Promise<boolean> {
    // exec(), not pragma(): the four settings cost ~15 µs per commit through pragma(), which
    // returns rows, and ~3 µs this way (a prepared PRAGMA cannot serve: SQLite applies it when
    // the statement is compiled, not when it runs)
    try {
      if (!beginWithoutWaiting()) return false;
      try {
        await fn(conn);
        await sql`COMMIT`.execute(conn);
      } catch (err) {
        await sql`ROLLBACK`.execute(conn);
        throw err;
      }
      return true;
    } finally {
      handle.exec('PRAGMA synchronous = FULL');
    }
  }

  /** BEGIN IMMEDIATE with `synchronous` at NORMAL, or false if another connection holds the write lock. */
  function beginWithoutWaiting(): boolean {
    try {
      handle.exec('PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0; BEGIN IMMEDIATE');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    } finally {
      handle.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }
  return {
    kind: 'sqlite',
    db,
    async groupTransaction(fn, o) {
      const bytes = o?.bytes ?? 0;
      const done = bodies.reaches(bytes) || (offloaded === 0 && logFrames.reaches(bytes)) ? offloadCheckpoint() : null;
      let written = false;
      try {
        await writeGroup(fn);
        written = true;
      } finally {
        // a commit that failed was rolled back: its bodies are not in the log
        bodies.written(written ? bytes : 0, done !== null);
        // the thread starts copying while the log is flushed: with processes > 1, another process's
        // COMMIT that fills the log before it has begun would copy this one on its own main thread
        done?.();
      }
      await wal.sync();
    },
    async claimDue(node, now, limit, leaseUntil) {
      // One statement is atomic in SQLite (a single writer), so two workers never lease the same row.
      const result = await sql<MessageRow>`
        UPDATE messages SET locked_by = ${node}, locked_until = ${leaseUntil}
        WHERE id IN (
          SELECT id FROM messages
          WHERE due_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})
          ORDER BY due_at LIMIT ${limit})
        RETURNING *`.execute(db);
      return result.rows;
    },
    async withMigrationLock(fn) {
      // Kysely's SQLite transaction begins deferred; the first write takes the file lock.
      return fn(db);
    },
    checkpointer,
    async close() {
      await checkpointer.close();
      await wal.close();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; with better-sqlite3 that compile was a tenth of the gateway's
 * CPU per message. The same SQL text gets the same prepared statement back, unless that statement
 * is still iterating a stream (better-sqlite3 allows one use at a time). Queries whose text varies
 * (IN lists) fill the cache; past its bound the statement used longest ago is dropped, so the few
 * every message runs stay prepared.
 */
export function withStatementCache(handle: Database.Database, max = 500): Pick<Database.Database, 'prepare' | 'close'> {
  const cache = new BoundedMap<string, Database.Statement>(max);
  return {
    prepare(text: string) {
      const hit = cache.use(text);
      if (hit && !hit.busy) return hit;
      const statement = handle.prepare(text);
      if (!hit) cache.set(text, statement);
      return statement;
    },
    close() {
      cache.clear();
      return handle.close();
    },
  } as Pick<Database.Database, 'prepare' | 'close'>;
}
