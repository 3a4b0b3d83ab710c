// The page cache of the SQLite store is SQLite's own 2 MB, not better-sqlite3's 16 MB, so the
// changed pages of a large message go into the write-ahead log as its body parts are inserted, a
// part per turn, and its COMMIT on the event loop writes the last of them only. Measured in
// bytes of the log, never in time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { CACHE_KIB, openSqlite, type SqliteStoreDialect } from '../../src/store/sqlite/open-sqlite.ts';
import { BODY_PART_BYTES, insertBody } from '../../src/store/message-body.ts';

describe('SQLite page cache and large bodies', () => {
  let dir: string;
  let dialect: SqliteStoreDialect;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sekisho-cache-'));
    dialect = openSqlite(join(dir, 'cache.db'));
    // the two tables insertBody writes, as the migrations make them but for the foreign keys
    await sql`CREATE TABLE bodies (message_id TEXT PRIMARY KEY, data BLOB NOT NULL, parts INTEGER NOT NULL)`.execute(dialect.db);
    await sql`CREATE TABLE body_parts (message_id TEXT, seq INTEGER, data BLOB NOT NULL, PRIMARY KEY (message_id, seq))`.execute(
      dialect.db,
    );
  });
  after(async () => {
    await dialect.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a 12 MiB body into the log before its COMMIT, all but the cache’s 2 MB or so', async () => {
    const file = join(dir, 'cache.db-wal');
    const logBytes = () => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    assert.equal((await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(dialect.db)).rows[0]!.cache_size, CACHE_KIB);
    const body = randomBytes(12 * BODY_PART_BYTES);
    const before = logBytes();
    let beforeCommit = -1;
    await dialect.groupTransaction(
      async (trx) => {
        await insertBody(trx, 'sqlite', 'cache-probe', body);
        beforeCommit = logBytes() - before;
      },
      { bytes: body.length },
    );
    // the cache's 2 MB and a part being written may wait for the COMMIT; better-sqlite3's 16 MB kept all 12
    assert.ok(beforeCommit >= body.length - 3 * BODY_PART_BYTES, `the log grew by ${beforeCommit} bytes before the COMMIT`);
  });
});
