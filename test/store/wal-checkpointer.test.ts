// Once group commits have written OFFLOAD_BYTES of bodies into the write-ahead log since it last
// started over, or the log is about to hold THREAD_FRAMES frames of anything, the log is copied
// into the database by a worker thread (WalCheckpointer), not by SQLite's own checkpoint inside a
// later COMMIT on the main thread; a log that SQLite's own checkpoint copied starts the count
// again. A thread that fails is reported to its caller, which then simply leaves the next
// checkpoint to SQLite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import Database from 'better-sqlite3';
import { OFFLOAD_BYTES, openSqlite, THREAD_FRAMES, type SqliteStoreDialect } from '../../src/store/sqlite/open-sqlite.ts';
import { WalCheckpointer } from '../../src/store/sqlite/wal-checkpointer.ts';

const until = async (done: () => Promise<boolean> | boolean) => {
  while (!(await done())) await new Promise((r) => setTimeout(r, 20));
};
const autocheckpoint = async (db: Kysely<any>) =>
  (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db)).rows[0]!.wal_autocheckpoint;
/** a third of OFFLOAD_BYTES: the third such commit in one round of the log reaches it */
const PART = OFFLOAD_BYTES / 3;

describe('WAL checkpoints of large commits in a worker thread', () => {
  let dir: string;
  let dialect: SqliteStoreDialect;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sekisho-checkpoint-'));
    dialect = openSqlite(join(dir, 'group.db'));
    await sql`CREATE TABLE t (data BLOB NOT NULL)`.execute(dialect.db);
  });
  after(async () => {
    await dialect.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves an ordinary commit in a log far from full to SQLite’s own checkpoint (at 10,000 frames)', async () => {
    let inside = -1;
    await dialect.groupTransaction(
      async (trx) => {
        await sql`INSERT INTO t (data) VALUES (${Buffer.from('small')})`.execute(trx);
        inside = await autocheckpoint(trx);
      },
      { bytes: 5 },
    );
    assert.equal(inside, 10_000);
    assert.equal(dialect.checkpointer.done, 0);
  });

  /** One group commit of a row of `size` bytes; returns SQLite's own checkpoint setting inside it. */
  async function commitRow(size: number): Promise<number> {
    const data = Buffer.alloc(size, 1);
    let inside = -1;
    await dialect.groupTransaction(
      async (trx) => {
        await sql`INSERT INTO t (data) VALUES (${data})`.execute(trx);
        inside = await autocheckpoint(trx);
      },
      { bytes: data.length },
    );
    return inside;
  }

  it('copies the log in the thread once its bodies add up to OFFLOAD_BYTES, SQLite’s own off until it has', async () => {
    assert.equal(await commitRow(PART), 10_000);
    assert.equal(await commitRow(PART), 10_000);
    assert.equal(dialect.checkpointer.done, 0, 'two thirds: still SQLite’s own');
    assert.equal(await commitRow(PART), 0, 'no COMMIT on the main thread checkpoints meanwhile');
    await until(() => dialect.checkpointer.done > 0);
    const last = dialect.checkpointer.last!;
    assert.ok(last.logFrames >= OFFLOAD_BYTES / 4096, `the three rows are over ${OFFLOAD_BYTES / 4096} frames (${last.logFrames})`);
    assert.equal(last.copiedFrames, last.logFrames, 'the whole log was copied');
    await until(async () => (await autocheckpoint(dialect.db)) === 10_000);
  });

  it('keeps every byte: the database file alone holds the row once the log is copied', async () => {
    // the file without its -wal beside it: what the checkpoint wrote into the database itself
    copyFileSync(join(dir, 'group.db'), join(dir, 'alone.db'));
    const copy = new Database(join(dir, 'alone.db'), { readonly: true });
    try {
      const rows = copy.prepare('SELECT length(data) AS n FROM t ORDER BY rowid').all() as Array<{ n: number }>;
      assert.deepEqual(
        rows.map((r) => r.n),
        [5, PART, PART, PART],
      );
    } finally {
      copy.close();
    }
  });

  it('counts again in a log that SQLite’s own checkpoint copied and that started over', async () => {
    assert.equal(await commitRow(PART), 10_000);
    assert.equal(await commitRow(PART), 10_000);
    // what SQLite's own checkpoint does in the COMMIT that fills the log; the next write starts it over
    await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(dialect.db);
    assert.equal(await commitRow(PART), 10_000);
    // four thirds written since the thread's checkpoint, but two of them already in the database
    assert.equal(await commitRow(PART), 10_000, 'not the thread’s yet');
    assert.equal(dialect.checkpointer.done, 1, 'the thread’s one checkpoint so far');
  });

  it('gives the thread the checkpoint of a log about to hold THREAD_FRAMES frames of anything', async () => {
    const other = openSqlite(join(dir, 'frames.db'));
    try {
      await sql`CREATE TABLE t (data BLOB NOT NULL)`.execute(other.db);
      // rows of 100 pages that are not bodies (bytes 0): only the log's frame count can tell
      const row = Buffer.alloc(100 * 4096, 2);
      const settings: number[] = [];
      while (other.checkpointer.done === 0 && settings.length < 200) {
        await other.groupTransaction(
          async (trx) => {
            await sql`INSERT INTO t (data) VALUES (${row})`.execute(trx);
            settings.push(await autocheckpoint(trx));
          },
          { bytes: 0 },
        );
        if (settings.at(-1) === 0) await until(() => other.checkpointer.done > 0);
      }
      const offloaded = settings.indexOf(0);
      assert.ok(offloaded > 0, `one commit's checkpoint went to the thread (${settings.length} commits)`);
      assert.ok(
        settings.slice(0, offloaded).every((v) => v === 10_000),
        'SQLite’s own stayed on before it',
      );
      const last = other.checkpointer.last!;
      assert.ok(
        last.logFrames >= THREAD_FRAMES && last.logFrames < 10_000,
        `copied before SQLite’s own would have: ${last.logFrames} frames`,
      );
      assert.equal(last.copiedFrames, last.logFrames);
      await until(async () => (await autocheckpoint(other.db)) === 10_000);
    } finally {
      await other.close();
    }
  });

  it('a group commit that failed adds nothing to the count of bodies', async () => {
    const other = openSqlite(join(dir, 'failed.db'));
    try {
      await sql`CREATE TABLE t (data BLOB NOT NULL)`.execute(other.db);
      const commit = async (fail: boolean) => {
        let inside = -1;
        const data = Buffer.alloc(PART, 3);
        await other.groupTransaction(
          async (trx) => {
            await sql`INSERT INTO t (data) VALUES (${data})`.execute(trx);
            inside = await autocheckpoint(trx);
            if (fail) throw new Error('the group failed');
          },
          { bytes: data.length },
        );
        return inside;
      };
      assert.equal(await commit(false), 10_000);
      await assert.rejects(commit(true), /the group failed/);
      assert.equal(await commit(false), 10_000, 'two thirds in the log, not three');
      assert.equal(await commit(false), 0, 'the third third reaches the limit');
    } finally {
      await until(async () => (await autocheckpoint(other.db)) === 10_000);
      await other.close();
    }
  });

  it('a checkpoint that cannot run fails its caller and nothing else', async () => {
    const checkpointer = new WalCheckpointer(join(dir, 'missing.db'));
    await assert.rejects(checkpointer.run());
    await checkpointer.close();
  });
});
