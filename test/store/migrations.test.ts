// The migrations written once (src/store/migrations) generate, for SQLite and PostgreSQL alike,
// what the two mirror-image files they replaced ran: the same ids in the same order, the same
// statements (test/fixtures/store/mirror-migrations.json, captured from those files before they
// went). A database the old files migrated needs nothing more and has the schema of a fresh one; a
// database a newer version migrated is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { NewerSchemaError, runMigrations, type Dialect, type Migration } from '../../src/store/schema/dialect.ts';
import { migrationsFor } from '../../src/store/migrations/all.ts';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.ts';
import { openPostgres } from '../../src/store/postgres/open-postgres.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';

type Kind = 'sqlite' | 'postgres';

const MIRRORS = JSON.parse(readFileSync(new URL('../fixtures/store/mirror-migrations.json', import.meta.url), 'utf8')) as Record<
  Kind,
  Migration[]
>;

const squeeze = (statement: string): string => statement.replace(/\s+/g, ' ').trim();
const comparable = (ms: Migration[]): Migration[] => ms.map((m) => ({ id: m.id, sql: m.sql.map(squeeze) }));

describe('migrations from one source', () => {
  for (const kind of ['sqlite', 'postgres'] as const) {
    it(`generate for ${kind} exactly what the mirror-image files ran, in the same order`, () => {
      const old = new Set(MIRRORS[kind].map((m) => m.id));
      const generated = migrationsFor(kind).filter((m) => old.has(m.id));
      assert.deepEqual(comparable(generated), comparable(MIRRORS[kind]));
    });
  }

  it('keep every id unique', () => {
    const ids = migrationsFor('sqlite').map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
  });
});

function openDialect(kind: Kind, tdb: TestDatabase): Dialect {
  return kind === 'sqlite' ? openSqlite(join(tdb.dataDir, 'sekisho.db')) : openPostgres(tdb.url!, 2);
}

/**
 * Tables, columns, keys, indexes, triggers and functions, as text. Columns are listed by name: a
 * database that ran a newer migration later than a fresh one does (appended after the old set)
 * may have its added columns in another position, which no query here depends on.
 */
async function schemaOf(db: Kysely<any>, kind: Kind): Promise<unknown> {
  const queries =
    kind === 'sqlite'
      ? [
          sql`SELECT m.name AS tbl, c.name, c.type, c."notnull", c.dflt_value, c.pk FROM sqlite_master m, pragma_table_info(m.name) c
              WHERE m.type = 'table' ORDER BY m.name, c.name`,
          sql`SELECT m.name AS tbl, f."table", f."from", f."to", f.on_delete FROM sqlite_master m, pragma_foreign_key_list(m.name) f
              WHERE m.type = 'table' ORDER BY m.name, f."from"`,
          sql`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name`,
        ]
      : [
          sql`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
              WHERE table_schema = 'public' ORDER BY table_name, column_name`,
          sql`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
          sql`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
              WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
          sql`SELECT tgname, tgenabled, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`,
          sql`SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
        ];
  const results = await Promise.all(queries.map(async (q) => (await q.execute(db)).rows as Array<Record<string, unknown>>));
  return results.map((rows) => rows.map((r) => (typeof r.sql === 'string' ? { ...r, sql: squeeze(r.sql) } : r)));
}

for (const kind of backends()) {
  describe(`a database the mirror-image migrations made, on ${kind}`, () => {
    let upgraded: TestDatabase;
    let fresh: TestDatabase;
    before(async () => {
      [upgraded, fresh] = await Promise.all([createTestDatabase(kind), createTestDatabase(kind)]);
    });
    after(async () => {
      await Promise.all([upgraded.drop(), fresh.drop()]);
    });

    it('runs only the migrations added since, and ends with the schema of a fresh database', async () => {
      const old = openDialect(kind, upgraded);
      const now = openDialect(kind, fresh);
      try {
        await runMigrations(old, MIRRORS[kind]);
        const since = migrationsFor(kind).filter((m) => !MIRRORS[kind].some((o) => o.id === m.id));
        assert.deepEqual(
          await runMigrations(old, migrationsFor(kind)),
          since.map((m) => m.id),
        );
        await runMigrations(now, migrationsFor(kind));
        assert.deepEqual(await schemaOf(old.db, kind), await schemaOf(now.db, kind));
      } finally {
        await Promise.all([old.close(), now.close()]);
      }
    });

    it('refuses a database a newer version migrated, naming what it does not know, and changes nothing', async () => {
      const dialect = openDialect(kind, fresh);
      try {
        await sql`INSERT INTO schema_migrations (id, applied_at) VALUES ('core-9999-from-the-future', 1)`.execute(dialect.db);
        const before = await schemaOf(dialect.db, kind);
        await assert.rejects(runMigrations(dialect, migrationsFor(kind)), (err: Error) => {
          assert.ok(err instanceof NewerSchemaError);
          assert.match(err.message, /migrated by a newer Sekisho \(migrations this version does not know: core-9999-from-the-future\)/);
          return true;
        });
        await assert.rejects(runMigrations(dialect, migrationsFor(kind).slice(0, 3)), NewerSchemaError);
        assert.deepEqual(await schemaOf(dialect.db, kind), before);
      } finally {
        await dialect.close();
      }
    });
  });
}
