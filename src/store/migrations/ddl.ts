// The one DDL source of every migration, written once for SQLite and PostgreSQL: a migration's
// statements are a function of the dialect's type names (`${t.int64}`, `${t.blob}`, `${t.serialKey}`),
// and `t.pick` holds what truly differs (triggers, functions, data rewrites). generateMigrations()
// turns the sources into the statements one store runs (ids and text are what the stores ran before
// the sources were merged: test/store/migrations.test.ts).
import type { Dialect, Migration } from '../schema/dialect.ts';

export type DialectKind = Dialect['kind'];

/** What a migration source may vary on. TEXT (also JSON) and INTEGER (32-bit counts, flags) are the same in both. */
export interface Ddl {
  /** a 64-bit integer: times in epoch milliseconds, byte sizes, anything that may pass 2^31 */
  int64: string;
  /** raw bytes */
  blob: string;
  /** an auto-numbered 64-bit primary key column (`id ${t.serialKey}`) */
  serialKey: string;
  /** This dialect's choice where the two are written differently (statements, an expression). */
  pick<T>(choices: Record<DialectKind, T>): T;
}

/** One schema step; `id` is '<area>-NNNN[-name]', recorded once applied, and never changes. */
export interface MigrationSource {
  id: string;
  sql(t: Ddl): string[];
}

const TYPES: Record<DialectKind, Omit<Ddl, 'pick'>> = {
  sqlite: { int64: 'INTEGER', blob: 'BLOB', serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { int64: 'BIGINT', blob: 'BYTEA', serialKey: 'BIGSERIAL PRIMARY KEY' },
};

function ddlFor(kind: DialectKind): Ddl {
  return { ...TYPES[kind], pick: (choices) => choices[kind] };
}

export function generateMigrations(kind: DialectKind, sources: MigrationSource[]): Migration[] {
  const t = ddlFor(kind);
  return sources.map((m) => ({ id: m.id, sql: m.sql(t) }));
}
