// The data dir belongs to Sekisho's user alone: after a real `sekisho start` has taken mail (a web
// download stores its attachment as a blob on SQLite), every directory in it is 0700 and every
// file 0600 — sekisho.db, -wal, -shm, blobs, the TLS key and certificate, the secrets key — whatever
// the umask. A data dir left by an older version (0755, sekisho.db 0644) is tightened at start.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loopbackClient } from '../helpers/mail-client.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, runCli, startProcess, type StartedProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';

const POLICY = `version: 1
outbound:
  rules:
    - name: Attachments by link
      when: { attachments: true }
      then:
        - webDownload: { expiresDays: 7 }
`;

/** Every entry under `dir` that group or others may use: "path mode". */
function tooOpen(dir: string): string[] {
  const out: string[] = [];
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) out.push(`${dir} ${mode.toString(8)}`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tooOpen(path));
    else if ((statSync(path).mode & 0o777) !== 0o600) out.push(`${path} ${(statSync(path).mode & 0o777).toString(8)}`);
  }
  return out;
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

for (const kind of backends()) {
  describe(`data dir modes on ${kind}`, () => {
    let db: TestDatabase;
    let sink: Sink;
    let env: Record<string, string | undefined>;
    let dataDir: string;
    let running: StartedProcess[] = [];
    /** a failed assertion must not leave the child running */
    const stopLater = (p: StartedProcess) => running.push(p);

    before(async () => {
      db = await createTestDatabase(kind);
      sink = await startSink();
      env = childEnv(db, sink.url, { SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32', SEKISHO_LOG_LEVEL: 'warn', SEKISHO_DEMO_TENANT: 'true' });
      dataDir = env.SEKISHO_DATA_DIR!;
    });
    after(async () => {
      for (const p of running) p.child.kill('SIGKILL');
      running = [];
      await sink.close();
      await db.drop();
    });

    it('first start and mail with a stored attachment: directories 0700, files 0600', async () => {
      const p = await startProcess(env);
      stopLater(p);
      const policyFile = join(db.dataDir, 'policy.yaml');
      writeFileSync(policyFile, POLICY);
      const applied = await runCli(['policy', 'apply', policyFile, '--tenant', 'demo'], env);
      assert.equal(applied.code, 0, applied.stderr);
      const t = loopbackClient(p.ports.submission);
      await t.sendMail({
        from: 'admin@demo.example',
        to: 'partner@example.net',
        subject: '資料',
        text: '添付します',
        attachments: [{ filename: '見積書.pdf', content: Buffer.from('%PDF-1.4 test') }],
      });
      await sink.waitFor(1);
      const present = files(dataDir);
      for (const name of ['secretsKey', join('tls', 'key.pem'), join('tls', 'cert.pem')])
        assert.ok(present.includes(name), present.join(' '));
      if (kind === 'sqlite') {
        for (const name of ['sekisho.db', 'sekisho.db-wal', 'sekisho.db-shm']) assert.ok(present.includes(name), present.join(' '));
        assert.ok(
          present.some((f) => f.startsWith(join('blobs', 'download'))),
          `the attachment is a blob in the data dir: ${present.join(' ')}`,
        );
      }
      assert.deepEqual(tooOpen(dataDir), []);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    });

    it("an older version's data dir (0755, sekisho.db 0644) is tightened at start", async () => {
      const old = childEnv(db, sink.url, { SEKISHO_LOG_LEVEL: 'warn', SEKISHO_DEMO_TENANT: 'false' }, 'old-data');
      const dir = old.SEKISHO_DATA_DIR!;
      mkdirSync(join(dir, 'tls'), { recursive: true, mode: 0o755 });
      chmodSync(dir, 0o755);
      if (kind === 'sqlite') {
        new Database(join(dir, 'sekisho.db')).close();
        chmodSync(join(dir, 'sekisho.db'), 0o644);
      } else {
        // the PostgreSQL database is the first test's: its secrets are sealed with that data dir's key
        copyFileSync(join(dataDir, 'secretsKey'), join(dir, 'secretsKey'));
        chmodSync(join(dir, 'secretsKey'), 0o644);
      }
      const p = await startProcess(old);
      stopLater(p);
      assert.ok(existsSync(join(dir, 'secretsKey')));
      assert.deepEqual(tooOpen(dir), []);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    });
  });
}
