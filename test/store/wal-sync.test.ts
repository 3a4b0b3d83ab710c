// Group commits on SQLite: written with synchronous=NORMAL and flushed by WalSync off the main
// thread. Every other transaction, and anything after a failed group commit, still runs with
// synchronous=FULL; a group commit waits for another connection's write lock without blocking the
// event loop; flushes requested while one runs share the next one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.ts';
import { runMigrations, type Dialect } from '../../src/store/schema/dialect.ts';
import { WalSync } from '../../src/store/sqlite/wal-sync.ts';

describe('SQLite group commits', () => {
  let dir: string;
  let dialect: Dialect;
  const synchronous = async () => (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(dialect.db)).rows[0]!.synchronous;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sekisho-wal-'));
    dialect = openSqlite(join(dir, 'test.db'));
    await runMigrations(dialect, []); // creates schema_migrations, the table these tests write
  });
  after(async () => {
    await dialect.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits, and leaves the connection at synchronous=FULL (2) afterwards', async () => {
    assert.equal(await synchronous(), 2);
    let inside = -1;
    await dialect.groupTransaction(async (trx) => {
      inside = (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]!.synchronous;
      await sql`INSERT INTO schema_migrations (id, applied_at) VALUES ('test-1', 1)`.execute(trx);
    });
    assert.equal(inside, 1, 'the group commit itself runs with NORMAL');
    assert.equal(await synchronous(), 2);
    const row = await sql<{ id: string }>`SELECT id FROM schema_migrations WHERE id = 'test-1'`.execute(dialect.db);
    assert.equal(row.rows.length, 1);
  });

  it('a group commit that fails is rolled back and FULL is restored', async () => {
    await assert.rejects(
      dialect.groupTransaction(async (trx) => {
        await sql`INSERT INTO schema_migrations (id, applied_at) VALUES ('test-2', 1)`.execute(trx);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await synchronous(), 2);
    const row = await sql<{ id: string }>`SELECT id FROM schema_migrations WHERE id = 'test-2'`.execute(dialect.db);
    assert.equal(row.rows.length, 0);
  });
});

describe('SQLite group commit while another process writes', () => {
  it('waits for the write lock without blocking the event loop, then commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sekisho-wal-lock-'));
    const file = join(dir, 'test.db');
    const dialect = openSqlite(file);
    try {
      await runMigrations(dialect, []);
      const other = new Database(file); // another process's connection, as far as SQLite knows
      other.exec('BEGIN IMMEDIATE');
      other.prepare(`INSERT INTO schema_migrations (id, applied_at) VALUES ('other', 1)`).run();
      let committed = false;
      const ours = dialect
        .groupTransaction(async (trx) => {
          await sql`INSERT INTO schema_migrations (id, applied_at) VALUES ('ours', 2)`.execute(trx);
        })
        .then(() => (committed = true));
      // the event loop turns (timers fire) and other queries run while the lock is taken
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (++ticks < 5) return;
          clearInterval(t);
          resolve();
        }, 5);
      });
      assert.equal((await sql<{ n: number }>`SELECT count(*) AS n FROM schema_migrations`.execute(dialect.db)).rows[0]!.n, 0);
      assert.equal(committed, false, 'still waiting for the lock');
      other.exec('COMMIT');
      other.close();
      await ours;
      const ids = (await sql<{ id: string }>`SELECT id FROM schema_migrations ORDER BY applied_at`.execute(dialect.db)).rows.map(
        (r) => r.id,
      );
      assert.deepEqual(ids, ['other', 'ours']);
      assert.equal(
        await (async () => (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(dialect.db)).rows[0]!.synchronous)(),
        2,
      );
      // the attempts that found the lock taken did not leave the connection without its busy timeout
      const timeout = (await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(dialect.db)).rows[0]!.timeout;
      assert.equal(timeout, 10_000, 'other statements still wait for the write lock');
    } finally {
      await dialect.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WalSync', () => {
  it('callers that arrive during a flush share exactly one more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sekisho-walsync-'));
    try {
      const file = join(dir, 'x.db-wal');
      writeFileSync(file, 'x');
      const wal = new WalSync(file);
      await Promise.all([wal.sync(), wal.sync(), wal.sync(), wal.sync()]);
      assert.equal(wal.flushes, 2);
      await wal.sync();
      assert.equal(wal.flushes, 3);
      await wal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A fresh WAL database with table t and SQLite's own checkpoint off, removed after `fn`. */
  async function withLog(fn: (db: Database.Database, file: string) => Promise<void>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'sekisho-wallog-'));
    const file = join(dir, 'log.db');
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('CREATE TABLE t (x)');
      await fn(db, file);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('round() changes when the log starts over after a checkpoint copied all of it, and only then', async () => {
    await withLog(async (db, file) => {
      const wal = new WalSync(`${file}-wal`);
      assert.equal(wal.round(), -1, 'before the first flush opened the log');
      await wal.sync();
      const first = wal.round();
      db.exec('INSERT INTO t VALUES (1)');
      assert.equal(wal.round(), first, 'another commit in the same log');
      db.pragma('wal_checkpoint(PASSIVE)');
      assert.equal(wal.round(), first, 'copied, but not yet started over');
      db.exec('INSERT INTO t VALUES (2)');
      assert.notEqual(wal.round(), first, 'the next write started it over');
      await wal.close();
    });
  });
  it('frames() and checkpointBegun() read the wal-index: frames in this round, and whether a checkpoint set out', async () => {
    await withLog(async (db, file) => {
      const other = new Database(file);
      try {
        const wal = new WalSync(`${file}-wal`);
        const before = wal.frames();
        assert.ok(before > 0, `the CREATE's frames: ${before}`);
        assert.equal(wal.checkpointBegun(), 0);
        db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(3 * 4096));
        assert.ok(wal.frames() >= before + 3, `a row of three pages adds three frames or more: ${wal.frames()}`);
        const row = (other.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!;
        assert.equal(wal.frames(), row.log, 'the frames SQLite reports, read from another connection');
        assert.equal(wal.checkpointBegun(), row.log, 'that connection copied them all');
        db.exec('INSERT INTO t VALUES (2)');
        assert.ok(wal.frames() < before, `the next write started the log over: ${wal.frames()}`);
        assert.equal(wal.checkpointBegun(), 0, 'and no checkpoint has begun in this round');
        await wal.close();
      } finally {
        other.close();
      }
    });
  });
});
