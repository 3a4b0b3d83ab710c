// What differs between the SQLite and PostgreSQL stores: how to connect, migrate and claim due
// work atomically. Everything else is shared Kysely code in the repositories.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, MessageTable } from './schema.ts';

export type MessageRow = Selectable<MessageTable>;

/** One schema step; `id` is '<area>-NNNN' and is recorded once applied. */
export interface Migration {
  id: string;
  sql: string[];
}

export interface Dialect {
  kind: 'sqlite' | 'postgres';
  db: Kysely<DB>;
  /** Atomically lease up to `limit` messages whose due time has come and that no live node holds. */
  claimDue(node: string, now: number, limit: number, leaseUntil: number): Promise<MessageRow[]>;
  /**
   * Runs `fn` in one transaction (a group commit of many writes) and resolves once it is durable.
   * SQLite flushes its log off the main thread for these; PostgreSQL's COMMIT is durable as is.
   * `bytes`: about how much the writes hold (message bodies); SQLite checkpoints a large one in a thread.
   */
  groupTransaction(fn: (trx: Kysely<DB>) => Promise<void>, o?: { bytes?: number }): Promise<void>;
  /** Runs `fn` while holding the database-wide migration lock. */
  withMigrationLock<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The database has migrations this version does not know: a newer Sekisho migrated it. An older one
 * must not run on it — it would not read what the newer one wrote (a body in parts read as its
 * first part, say) — so it refuses to start instead.
 */
export class NewerSchemaError extends Error {
  readonly code = 'SCHEMA_NEWER';
  constructor(readonly unknown: string[]) {
    super(
      `the database was migrated by a newer Sekisho (migrations this version does not know: ${unknown.join(', ')}); ` +
        'run that version, or restore the backup made before the upgrade',
    );
    this.name = 'NewerSchemaError';
  }
}

/** Applies the migrations not yet applied, in order; refuses a database a newer version migrated (NewerSchemaError). */
export async function runMigrations(dialect: Dialect, migrations: Migration[]): Promise<string[]> {
  return dialect.withMigrationLock(async (db) => {
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(db);
    const done = await sql<{ id: string }>`SELECT id FROM schema_migrations`.execute(db);
    const applied = new Set(done.rows.map((r) => r.id));
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...applied].filter((id) => !known.has(id)).sort();
    if (unknown.length > 0) throw new NewerSchemaError(unknown);
    const ran: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      await db.transaction().execute(async (trx) => {
        for (const statement of m.sql) await sql.raw(statement).execute(trx);
        await sql`INSERT INTO schema_migrations (id, applied_at) VALUES (${m.id}, ${Date.now()})`.execute(trx);
      });
      ran.push(m.id);
    }
    return ran;
  });
}
