// SQLite store (better-sqlite3): one file in the data dir, WAL journal with synchronous=FULL so a
// committed transaction survives a crash or power loss before we answer 250. Group commits (the
// hot path) get the same guarantee with the WAL flushed off the main thread (see WalSync). The
// mirror image of ../postgres/open-postgres.ts.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { DB } from '../schema.ts';
import type { Dialect, MessageRow } from '../dialect.ts';
import { WalSync } from './wal-sync.ts';

export function openSqlite(file: string): Dialect {
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = FULL');
  handle.pragma('wal_autocheckpoint = 10000');
  handle.pragma('foreign_keys = ON');
  // The CLI and the server share the file; a writer waits for the other instead of failing.
  handle.pragma('busy_timeout = 10000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  const wal = new WalSync(`${file}-wal`);
  return {
    kind: 'sqlite',
    db,
    async groupTransaction(fn) {
      // SQLite reads `synchronous` at COMMIT and refuses to change it inside a transaction. While
      // this callback runs the connection is ours alone, so this one COMMIT writes the WAL without
      // flushing it (WalSync does, off the main thread) and every other transaction still runs
      // with FULL.
      await db.connection().execute(async (conn) => {
        handle.pragma('synchronous = NORMAL');
        try {
          await sql`BEGIN`.execute(conn);
          try {
            await fn(conn);
            await sql`COMMIT`.execute(conn);
          } catch (err) {
            await sql`ROLLBACK`.execute(conn);
            throw err;
          }
        } finally {
          handle.pragma('synchronous = FULL');
        }
      });
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
    async close() {
      await wal.close();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; with better-sqlite3 that compile was a tenth of the gateway's
 * CPU per message. The same SQL text gets the same prepared statement back, unless that statement
 * is still iterating a stream (better-sqlite3 allows one use at a time). Queries whose text varies
 * (IN lists) fill the cache; it is simply emptied when it grows past its bound.
 */
export function withStatementCache(handle: Database.Database, max = 500): Pick<Database.Database, 'prepare' | 'close'> {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit && !hit.busy) return hit;
      const statement = handle.prepare(text);
      if (!hit) {
        if (cache.size >= max) cache.clear();
        cache.set(text, statement);
      }
      return statement;
    },
    close() {
      cache.clear();
      return handle.close();
    },
  } as Pick<Database.Database, 'prepare' | 'close'>;
}
