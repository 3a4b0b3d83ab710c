// PostgreSQL store (pg): shared by several Sekisho nodes. Workers claim due rows with
// FOR UPDATE SKIP LOCKED so two nodes never lease the same message. The mirror image of
// ../sqlite/open-sqlite.ts.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DB } from '../schema/schema.ts';
import type { Dialect, MessageRow } from '../schema/dialect.ts';

// BIGINT columns hold millisecond times and counts well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

const MIGRATION_LOCK_KEY = 734201; // arbitrary constant shared by every node

export function openPostgres(url: string, poolSize = 10): Dialect {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    async claimDue(node, now, limit, leaseUntil) {
      const result = await sql<MessageRow>`
        UPDATE messages SET locked_by = ${node}, locked_until = ${leaseUntil}
        WHERE id IN (
          SELECT id FROM messages
          WHERE due_at <= ${now} AND (locked_until IS NULL OR locked_until < ${now})
          ORDER BY due_at LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING *`.execute(db);
      return result.rows;
    },
    async groupTransaction(fn) {
      await db.transaction().execute(fn);
    },
    async withMigrationLock(fn) {
      // Nodes starting together take turns; the second finds the migrations applied.
      return db.connection().execute(async (conn) => {
        await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
        try {
          return await fn(conn);
        } finally {
          await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
        }
      });
    },
    async close() {
      await db.destroy();
    },
  };
}
