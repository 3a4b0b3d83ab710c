// Backup while the gateway runs and accepts mail, then restore and start from the copy. SQLite:
// `sekisho backup FILE` in the middle of a 500-message load over SMTP to a real `sekisho start`,
// `sekisho restore FILE --data-dir NEW` (0700/0600, refused into a non-empty directory), a new
// `sekisho start` on NEW, and every message acknowledged before the backup began is there with its
// body. PostgreSQL: `sekisho backup` refuses with one line, and the documented pg_dump/pg_restore
// commands plus the secrets key file do the same job under the same load.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loopbackClient } from '../helpers/mail-client.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, runCli, startProcess, type StartedProcess } from '../helpers/process.ts';
import { openStore } from '../../src/store/open-store.ts';
import { startSink, type Sink } from '../helpers/sink.ts';

const run = promisify(execFile);
const TOTAL = 500;
const SESSIONS = 10;
const RESERVE = 50;

/**
 * Sends TOTAL messages over SESSIONS connections; `during` starts once `at` of them are
 * acknowledged, and the load goes on (paced) while it runs. The last RESERVE messages wait until
 * it has finished, so the backup always runs with mail still coming in, however slowly it starts.
 */
async function load(port: number, acked: Set<number>, at: number, during: () => Promise<void>): Promise<void> {
  let next = 0;
  let started: Promise<void> | null = null;
  let done = false;
  const session = async () => {
    const t = loopbackClient(port, 1);
    for (let i = next++; i < TOTAL; i = next++) {
      if (started && !done) {
        if (i >= TOTAL - RESERVE) await started;
        else await new Promise((r) => setTimeout(r, 150));
      }
      await t.sendMail({
        from: 'admin@demo.example',
        to: `r${i % 5}@example.net`,
        subject: `backup ${i}`,
        text: `message ${i} 本文\n`,
        messageId: `<backup-${i}@demo.example>`,
      });
      acked.add(i);
      if (!started && acked.size >= at) {
        started = during().finally(() => {
          done = true;
        });
      }
    }
    t.close();
  };
  await Promise.all(Array.from({ length: SESSIONS }, session));
  await started;
}

/** Every one of `expected` is in the store with its body. */
async function assertAllThere(databaseUrl: string | undefined, dataDir: string, expected: number[]): Promise<number> {
  const store = await openStore({ databaseUrl, dataDir });
  try {
    const rows = await store.db.selectFrom('messages').select(['id', 'message_id']).where('message_id', 'like', '%backup-%').execute();
    const byIndex = new Map(rows.map((r) => [Number(/backup-(\d+)@/.exec(r.message_id!)![1]), r.id]));
    const missing = expected.filter((i) => !byIndex.has(i));
    assert.deepEqual(missing, [], 'every message acknowledged before the backup is in the copy');
    for (const i of expected) {
      const body = (await store.body(byIndex.get(i)!))?.toString('utf8') ?? '';
      assert.match(body, new RegExp(`message ${i} `), `backup-${i} has its body`);
    }
    return rows.length;
  } finally {
    await store.close();
  }
}

async function stop(p: StartedProcess): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

for (const kind of backends()) {
  describe(`backup under load and restore on ${kind}`, () => {
    let db: TestDatabase;
    let sink: Sink;
    let env: Record<string, string | undefined>;
    const restoredDb = `sekisho_restored_${process.pid}`;

    before(async () => {
      db = await createTestDatabase(kind);
      sink = await startSink();
      env = childEnv(db, `smtp://127.0.0.1:${sink.port}`, {
        SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
        SEKISHO_DEMO_TENANT: 'true',
        SEKISHO_LOG_LEVEL: 'warn',
      });
    });
    after(async () => {
      await sink.close();
      await db.drop();
      if (kind === 'postgres') await run('dropdb', ['-h', '127.0.0.1', '-U', 'postgres', '--if-exists', '--force', restoredDb]);
    });

    it(`a backup taken during a ${TOTAL}-message load restores every message acknowledged before it`, async () => {
      const gateway = await startProcess(env);
      const acked = new Set<number>();
      const archive = join(db.dataDir, 'backup.tar.gz');
      const dump = join(db.dataDir, 'sekisho.dump');
      let before: number[] = [];
      let ackedWhenDone = 0;
      await load(gateway.ports.submission, acked, TOTAL / 4, async () => {
        before = [...acked];
        if (kind === 'sqlite') {
          const r = await runCli(['backup', archive], env);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout, /backup written to/);
        } else {
          const refused = await runCli(['backup', archive], env);
          assert.equal(refused.code, 1);
          assert.match(refused.stderr, /^sekisho: on PostgreSQL, back up with pg_dump .*docs\/operation\.md.*\n$/);
          // docs/operation.md: the commands
          await run('pg_dump', ['--format=custom', `--file=${dump}`, db.url!]);
        }
        ackedWhenDone = acked.size;
      });
      await stop(gateway);
      assert.equal(acked.size, TOTAL);
      assert.ok(
        before.length < ackedWhenDone && ackedWhenDone < TOTAL,
        `mail was acknowledged while the backup ran (${before.length} before it began, ${ackedWhenDone} when it ended)`,
      );
      process.stderr.write(
        `# backup ${kind}: ${before.length} acknowledged before it began, ${ackedWhenDone} when it ended, of ${TOTAL}\n`,
      );

      let restoredUrl: string | undefined;
      const restoredDir = join(db.dataDir, 'restored');
      if (kind === 'sqlite') {
        const occupied = join(db.dataDir, 'occupied');
        mkdirSync(occupied);
        writeFileSync(join(occupied, 'x'), '');
        const refused = await runCli(['restore', archive, '--data-dir', occupied], env);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /is not empty/);
        assert.deepEqual(readdirSync(occupied), ['x'], 'nothing written into the non-empty directory');

        const r = await runCli(['restore', archive, '--data-dir', restoredDir], env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(statSync(archive).mode & 0o777, 0o600, 'the archive is 0600');
        const modes = (dir: string): Array<[string, number]> =>
          readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
            const p = join(dir, e.name);
            return [[p, statSync(p).mode & 0o777] as [string, number], ...(e.isDirectory() ? modes(p) : [])];
          });
        assert.equal(statSync(restoredDir).mode & 0o777, 0o700);
        for (const [p, mode] of modes(restoredDir)) assert.equal(mode, statSync(p).isDirectory() ? 0o700 : 0o600, p);
        assert.ok(readdirSync(restoredDir).includes('secretsKey'));
      } else {
        // docs/operation.md: a new database, pg_restore, and the secrets key file beside it
        await run('createdb', ['-h', '127.0.0.1', '-U', 'postgres', restoredDb]);
        restoredUrl = db.url!.replace(/\/[^/]*$/, `/${restoredDb}`);
        await run('pg_restore', ['--no-owner', `--dbname=${restoredUrl}`, dump]);
        mkdirSync(restoredDir, { mode: 0o700 });
        copyFileSync(join(db.dataDir, 'data', 'secretsKey'), join(restoredDir, 'secretsKey'));
      }

      // start from the copy: it runs, and every message acknowledged before the backup is there
      const restoredEnv = {
        ...childEnv({ dataDir: db.dataDir, url: restoredUrl }, `smtp://127.0.0.1:${sink.port}`, {}, 'restored'),
        SEKISHO_LOG_LEVEL: 'warn',
      };
      const restarted = await startProcess({ ...restoredEnv, SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32' });
      const health = await fetch(`http://127.0.0.1:${restarted.ports.http}/healthz`);
      assert.equal(health.status, 200);
      await stop(restarted);
      const inCopy = await assertAllThere(restoredUrl, restoredDir, before);
      process.stderr.write(`# backup ${kind}: ${inCopy} messages in the restored copy\n`);
    });
  });
}
