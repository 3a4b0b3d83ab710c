// `sekisho start` as a newcomer runs it, on SQLite and PostgreSQL: first start (no configuration
// file) creates the data dir, schema and demo tenant, prints ports — the demo passwords only on a
// terminal, otherwise how to set one — answers /healthz; the demo user can submit at once;
// `tenant delete demo --purge` removes it for good; SIGTERM drains and exits 0. kill -9 with mail in the queue loses
// nothing: after a restart every acknowledged message is delivered, each exactly once. A port
// already in use stops start-up with one line. The warm-up before the ports open keeps nothing,
// also when a SIGTERM ends it; a SIGTERM just after it, while the ports open, still drains and exits 0,
// and one while the primary waits to migrate lets the migrations finish and exits 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loopbackClient, submissionClient } from '../helpers/mail-client.ts';
import pg from 'pg';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { CLI, childEnv, runCli, startProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';

for (const kind of backends()) {
  describe(`sekisho start on ${kind}`, () => {
    let db: TestDatabase;
    let sink: Sink;
    let env: Record<string, string | undefined>;

    before(async () => {
      db = await createTestDatabase(kind);
      sink = await startSink();
      // no configuration file at all, as a newcomer starts it (the demo tenant is for them only)
      env = { ...childEnv(db, sink.url), SEKISHO_CONFIG: undefined };
    });
    after(async () => {
      await sink.close();
      await db.drop();
    });

    it('first start: healthy, demo tenant usable at once, SIGTERM exits 0', async () => {
      const p = await startProcess(env);
      assert.ok(existsSync(join(db.dataDir, 'data', 'tls', 'cert.pem')), 'self-signed certificate generated into the data dir');
      const health = await fetch(`http://127.0.0.1:${p.ports.http}/healthz`);
      assert.equal(health.status, 200);
      // stdout is a pipe here, as under systemd or docker: no password goes into it, only how to set one
      assert.doesNotMatch(p.output(), /password:/);
      assert.match(p.output(), /sekisho user set user@demo\.example --password-stdin/);
      assert.match(p.output(), /sekisho tenant delete demo --purge/);
      const set = await runCli(['user', 'set', 'user@demo.example', '--password-stdin'], env, 'first password 1\n');
      assert.equal(set.code, 0, set.stderr);
      const t = submissionClient(p.ports.submission, 'user@demo.example', 'first password 1');
      await t.sendMail({ from: 'user@demo.example', to: 'friend@example.net', subject: 'はじめてのメール', text: 'こんにちは' });
      await sink.waitFor(1);
      // The sink has the message a moment before the worker commits "delivered"; wait for that.
      let metrics = '';
      for (let i = 0; i < 200 && !/sekisho_delivery_latency_seconds_count\{direction="outbound"\} 1/.test(metrics); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50));
        metrics = await (await fetch(`http://127.0.0.1:${p.ports.http}/metrics`)).text();
      }
      assert.match(metrics, /sekisho_messages_accepted_total\{tenant="[^"]+",direction="outbound"\} 1/);
      assert.match(metrics, /sekisho_delivery_latency_seconds_count\{direction="outbound"\} 1/);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      // Second start: no new demo tenant, no passwords printed.
      const p2 = await startProcess(env);
      assert.doesNotMatch(p2.output(), /password:/);
      p2.child.kill('SIGTERM');
      assert.equal(await p2.exited, 0);
    });

    it('warms up on synthetic mail through a private gateway before it listens, and keeps none of it', async () => {
      const tmp = mkdtempSync(join(db.dataDir, 'tmp-'));
      const sunk = sink.messages.length;
      const listed = JSON.parse((await runCli(['message', 'list', '--json'], env)).stdout).length;
      // an Rspamd that counts what it is asked (the warm-up must ask nothing outside its process),
      // and PROXY headers expected from 127.0.0.1 on both ports (the warm-up's client sends none)
      let scans = 0;
      const rspamd = http.createServer((req, res) => {
        if (req.method === 'POST') scans++; // a scan (a health check of the real gateway is a GET)
        res.end('{}');
      });
      await new Promise<void>((resolve) => rspamd.listen(0, '127.0.0.1', resolve));
      const p = await startProcess({
        ...env,
        SEKISHO_WARM_UP_MESSAGES: '30',
        TMPDIR: tmp,
        SEKISHO_DEMO_TENANT: 'false',
        SEKISHO_RSPAMD_URL: `http://127.0.0.1:${(rspamd.address() as AddressInfo).port}`,
        SEKISHO_TRUSTED_PROXIES: '127.0.0.1/32',
        SEKISHO_INBOUND_PROXY_PROTOCOL: 'true',
        SEKISHO_SUBMISSION_PROXY_PROTOCOL: 'true',
      });
      try {
        assert.match(p.output(), /"messages":30,"ms":\d+,"msg":"warm-up done/);
        assert.equal(scans, 0, 'the configured Rspamd saw none of the synthetic mail');
        // (tsx, which runs src/ in the tests, keeps its cache in TMPDIR too)
        assert.deepEqual(
          readdirSync(tmp).filter((f) => f.startsWith('sekisho-')),
          [],
          'the private gateway and its database are gone',
        );
        assert.equal(sink.messages.length, sunk, 'nothing went to the real relay');
        assert.equal(JSON.parse((await runCli(['message', 'list', '--json'], env)).stdout).length, listed, 'nothing in the real database');
      } finally {
        p.child.kill('SIGTERM');
        rspamd.close();
      }
      assert.equal(await p.exited, 0);
    });

    // The warm-up's database is SQLite whatever the real one is: once is enough.
    if (kind === 'sqlite')
      it('with processes: 2 each process warms up its own private gateway, on ports of its own, and all of it', async () => {
        // Node's cluster makes port 0 one port shared by every process: until 7 Dec one process's
        // warm-up mail reached the other's gateway, and failed with 421 when that one stopped first
        const p = await startProcess({
          ...env,
          SEKISHO_PROCESSES: '2',
          SEKISHO_WARM_UP_MESSAGES: '40',
          SEKISHO_LOG_LEVEL: 'debug',
          SEKISHO_DEMO_TENANT: 'false',
        });
        try {
          const lines = p
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          const listening = lines.filter((l) => l.msg === 'warm-up: the private gateway listens');
          assert.equal(listening.length, 2, p.output());
          const portsOf = (l: Record<string, unknown>) => [l.submission, l.inbound, l.http, l.sink, l.dns].map(String);
          const [first, second] = listening.map(portsOf);
          assert.deepEqual(
            first!.filter((port) => second!.includes(port)),
            [],
            "no port of one private gateway is the other's",
          );
          assert.equal(lines.filter((l) => l.msg?.toString().startsWith('warm-up done') && l.messages === 40).length, 2, p.output());
          assert.doesNotMatch(p.output(), /warm-up failed/);
        } finally {
          p.child.kill('SIGTERM');
        }
        assert.equal(await p.exited, 0);
      });

    it('SIGTERM during the warm-up stops it, removes its directory and exits 0 without opening the ports', async () => {
      const tmp = mkdtempSync(join(db.dataDir, 'tmp-'));
      const child = spawn(process.execPath, [...CLI, 'start'], {
        env: { ...process.env, ...env, SEKISHO_WARM_UP_MESSAGES: '100000', TMPDIR: tmp, SEKISHO_DEMO_TENANT: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // the warm-up is under way once its private gateway's database is in its directory (the
      // signal may come before the first synthetic message or between two: either way it must stop)
      const warming = () => readdirSync(tmp).filter((f) => f.startsWith('sekisho-warm-up-'));
      for (let i = 0; i < 600 && !warming().some((d) => existsSync(join(tmp, d, 'sekisho.db'))); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(warming().length, 1, `the warm-up started:\n${out}`);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      assert.match(out, /stopped during the warm-up, before the ports opened/);
      assert.doesNotMatch(out, /Sekisho is running|warm-up done/);
      assert.deepEqual(warming(), [], 'the private gateway and its database are gone');
    });

    for (const processes of ['1', '2'])
      it(`a SIGTERM as the warm-up ends, while the ports open, drains once they are open, exit 0 (processes: ${processes})`, async () => {
        const child = spawn(process.execPath, [...CLI, 'start'], {
          env: {
            ...process.env,
            ...env,
            SEKISHO_PROCESSES: processes,
            SEKISHO_WARM_UP_MESSAGES: '20',
            SEKISHO_LOG_LEVEL: 'info',
            SEKISHO_DEMO_TENANT: 'false',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let signalled = false;
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
          child.on('exit', (code, signal) => resolve({ code, signal })),
        );
        // the signal goes the moment a warm-up says it is done: that process is then opening its
        // database and ports, before its drain handlers are in (until 5 Dec one process ignored the
        // signal and ran on; with two the primary exited 1, taking the stopped start for a failed one)
        const onData = (d: Buffer) => {
          out += d;
          if (!signalled && /warm-up done/.test(out)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        assert.deepEqual(await exited, { code: 0, signal: null }, out);
        assert.ok(signalled, `the warm-up ended:\n${out}`);
        assert.match(out, /"msg":"stopped"/);
      });

    // PostgreSQL's migration lock is an advisory lock another connection can hold, so the primary
    // can be caught waiting in its migrations (SQLite's is the file's write lock, taken in a call
    // that holds the event loop: no signal is handled before it returns either way).
    if (kind === 'postgres')
      it('SIGTERM as the primary waits for the migration lock: it prepares, starts no process, exits 0 (processes: 2)', async () => {
        const holder = new pg.Client({ connectionString: db.url });
        await holder.connect();
        await holder.query('SELECT pg_advisory_lock(734201)'); // src/store/postgres/open-postgres.ts MIGRATION_LOCK_KEY
        try {
          const child = spawn(process.execPath, [...CLI, 'start'], {
            env: { ...process.env, ...env, SEKISHO_PROCESSES: '2', SEKISHO_LOG_LEVEL: 'info', SEKISHO_DEMO_TENANT: 'false' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
            child.on('exit', (code, signal) => resolve({ code, signal })),
          );
          const waiting = async () =>
            (await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n > 0;
          for (let i = 0; i < 600 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 50));
          assert.ok(await waiting(), `the primary waits for the migration lock:\n${out}`);
          child.kill('SIGTERM');
          for (let i = 0; i < 600 && !/stop noted/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
          await holder.query('SELECT pg_advisory_unlock(734201)');
          // until 5 Dec the signal ended the primary at once, in the middle of its migrations
          assert.deepEqual(await exited, { code: 0, signal: null }, out);
          assert.match(out, /stopped during the database preparation, before the ports opened/);
          assert.doesNotMatch(out, /Sekisho is running|warm-up/);
        } finally {
          await holder.end();
        }
      });

    it('kill -9 with queued mail loses nothing and duplicates nothing', async () => {
      const down = {
        ...env,
        SEKISHO_RELAY: 'smtp://127.0.0.1:9',
        SEKISHO_RETRY_SCHEDULE: '1s',
        SEKISHO_LEASE_SECONDS: '2',
        SEKISHO_DEMO_TENANT: 'false',
      };
      const p = await startProcess(down);
      const user = 'admin@demo.example';
      // Passwords were printed only at first start; submit through a trusted network instead.
      p.child.kill('SIGKILL');
      await p.exited;
      const p1 = await startProcess({ ...down, SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32' });
      const t = loopbackClient(p1.ports.submission, 5);
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const info = await t.sendMail({
            from: user,
            to: `r${i}@example.net`,
            subject: `crash ${i}`,
            text: 'x',
            messageId: `<crash-${i}@demo.example>`,
          });
          ids.push(/queued as (\S+)/.exec(info.response)![1]!);
        }),
      );
      t.close();
      p1.child.kill('SIGKILL');
      await p1.exited;
      const before = sink.messages.length;
      const p2 = await startProcess({ ...env, SEKISHO_RETRY_SCHEDULE: '1s', SEKISHO_LEASE_SECONDS: '2', SEKISHO_DEMO_TENANT: 'false' });
      const got = (await sink.waitFor(before + 40, 60_000)).slice(before);
      await new Promise((r) => setTimeout(r, 1500));
      const crashIds = sink.messages.map((m) => /Message-ID: <(crash-\d+)@/i.exec(m.raw.toString())?.[1]).filter(Boolean);
      assert.equal(new Set(crashIds).size, 40, 'all 40 acknowledged messages delivered');
      assert.equal(crashIds.length, 40, 'none twice');
      assert.equal(got.length, 40);
      p2.child.kill('SIGTERM');
      assert.equal(await p2.exited, 0);
    });

    it('tenant delete demo --purge asks for the name, removes the tenant and its mail; no demo tenant comes back', async () => {
      const notPurge = await runCli(['tenant', 'delete', 'demo'], env);
      assert.equal(notPurge.code, 1);
      assert.match(notPurge.stderr, /--purge/);
      const wrongName = await runCli(['tenant', 'delete', 'demo', '--purge'], env, 'dmeo\n');
      assert.equal(wrongName.code, 1);
      assert.match(wrongName.stderr, /nothing was deleted/);
      const done = await runCli(['tenant', 'delete', 'demo', '--purge'], env, 'demo\n');
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /tenant demo deleted: [1-9]\d* messages, 2 users, 1 domains/);
      const list = await runCli(['message', 'list', '--json'], env);
      assert.deepEqual(JSON.parse(list.stdout), []);
      // the database had a tenant: a start without a configuration file creates no demo tenant again
      const p = await startProcess(env);
      assert.doesNotMatch(p.output(), /Demo tenant/);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.equal((await runCli(['tenant', 'delete', 'demo', '--purge', '--yes'], env)).code, 1, 'gone');
    });

    it('a port already in use: one line naming it, exit 1', async () => {
      const taken = net.createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
      const port = (taken.address() as AddressInfo).port;
      try {
        const r = await runCli(['start'], { ...env, SEKISHO_SUBMISSION_PORT: String(port), SEKISHO_DEMO_TENANT: 'false' });
        assert.equal(r.code, 1, `exit code ${r.code}, stderr: ${r.stderr}`);
        assert.equal(r.stderr.trim(), `sekisho: cannot listen on 127.0.0.1:${port}: address already in use`);
      } finally {
        taken.close();
      }
    });
  });
}
