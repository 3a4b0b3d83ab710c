// `sekisho quarantine list|show|release|delete|settings|digest` as operators run them (the real
// CLI in a child process) against a running instance's database, on SQLite and PostgreSQL.
// Bad arguments: one line, non-zero exit, nothing changed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { runCli } from '../helpers/process.ts';
import { fixture, sendRaw, waitUntil } from './shield-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`sekisho quarantine on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let env: Record<string, string | undefined>;
    const ids: string[] = [];

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { pollIntervalMs: 50 }, { inboundRoute: sink.url });
      env = {
        SEKISHO_CONFIG: '/dev/null',
        SEKISHO_DATA_DIR: inst.db.dataDir,
        SEKISHO_DATABASE_URL: inst.db.url,
        SEKISHO_DEMO_TENANT: 'false',
        SEKISHO_LOG_LEVEL: 'silent',
      };
      for (const f of ['spam/rspamd/gtube.eml', 'spam/spamassassin/009']) {
        const r = await sendRaw(inst.sekisho.ports.inbound, fixture(f), { mailFrom: 'bulk@spam.test', to: ['taro@acme.example'] });
        ids.push(/queued as (\S+)/.exec(r.text)![1]!);
      }
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('lists, shows, releases and deletes', async () => {
      const list = await runCli(['quarantine', 'list', '--tenant', 'acme', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      const items = JSON.parse(list.stdout) as Array<{ id: string; score: number; symbols: Array<{ name: string }> }>;
      assert.deepEqual(items.map((i) => i.id).sort(), [...ids].sort());
      assert.ok(items.find((i) => i.id === ids[0])!.symbols.some((s) => s.name === 'GTUBE'));
      assert.equal(
        JSON.parse((await runCli(['quarantine', 'list', '--tenant', 'globex', '--json'], env)).stdout).length,
        0,
        'tenant-scoped',
      );

      const show = await runCli(['quarantine', 'show', ids[0]!, '--tenant', 'acme'], env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /GTUBE/);
      assert.match(show.stdout, /authentication: .*spf=/);

      const rel = await runCli(['quarantine', 'release', ids[0]!], env);
      assert.equal(rel.code, 0, rel.stderr);
      inst.sekisho.worker.wake();
      await waitUntil(async () => sink.messages.find((m) => m.raw.includes(ids[0]!)), 'released delivery');
      const again = await runCli(['quarantine', 'release', ids[0]!], env);
      assert.equal(again.code, 1);
      assert.equal(again.stderr.trim().split('\n').length, 1);

      const del = await runCli(['quarantine', 'delete', ids[1]!, '--tenant', 'acme'], env);
      assert.equal(del.code, 0, del.stderr);
      assert.equal((await inst.sekisho.store.message(ids[1]!, ALL_TENANTS))!.state, 'deleted');
    });

    it('changes settings and refuses bad arguments in one line', async () => {
      const ok = await runCli(
        ['quarantine', 'settings', '--tenant', 'acme', '--self-release', 'on', '--retention-days', '14', '--json'],
        env,
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).selfRelease, true);
      for (const args of [
        ['quarantine', 'settings', '--tenant', 'acme', '--self-release', 'maybe'],
        ['quarantine', 'settings', '--tenant', 'acme', '--retention-days', '0'],
        ['quarantine', 'list', '--tenant', 'nobody'],
        ['quarantine', 'digest', '--tenant', 'acme', '--recipient', 'not-an-address'],
      ]) {
        const r = await runCli(args, env);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      const s = JSON.parse((await runCli(['quarantine', 'settings', '--tenant', 'acme', '--json'], env)).stdout);
      assert.equal(s.retentionDays, 14, 'nothing changed by the refused commands');
    });
  });
}
