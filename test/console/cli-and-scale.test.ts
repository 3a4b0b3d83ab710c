// The console's CLI (API tokens, operators) through the real `sekisho` binary, and message search
// on a large history: 20 000 messages in the tenant, pages fetched by keyset cursor; on SQLite the
// query plan must use the (tenant_id, id) index rather than sort the table. Times are printed,
// not asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { runCli } from '../helpers/process.ts';
import { newId } from '../../src/util/id.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi, tokenApi } from './api-client.ts';

const N = 20_000;

for (const kind of backends()) {
  describe(`console CLI and large history on ${kind}`, () => {
    let inst: TestInstance;
    let env: Record<string, string | undefined>;
    let base: string;

    before(async () => {
      inst = await startInstance(kind);
      const dir = inst.db.dataDir;
      base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      env = { SEKISHO_DATA_DIR: dir, SEKISHO_DATABASE_URL: inst.db.url, SEKISHO_CONFIG: join(dir, 'none.yaml') };
      writeFileSync(join(dir, 'none.yaml'), '{}\n');
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: 'admin@acme.example', passwordHash: await hashPassword('long password 1'), role: 'admin' }],
        'test',
      );
    });
    after(async () => {
      await inst.stop();
    });

    it('sekisho token create / revoke, sekisho operator add', async () => {
      const bad = await runCli(['token', 'create', '--user', 'nobody@acme.example'], env);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      const made = await runCli(['token', 'create', '--user', 'admin@acme.example', '--name', 'report'], env);
      assert.equal(made.code, 0, made.stderr);
      const token = made.stdout.trim();
      assert.match(token, /^sk_[A-Za-z0-9_-]{40,}$/);
      assert.equal((await tokenApi(base, token).call('GET', '/api/users')).status, 200);
      assert.equal((await runCli(['token', 'revoke', '--user', 'admin@acme.example'], env)).code, 0);
      assert.equal((await tokenApi(base, token).call('GET', '/api/users')).status, 401);
      const op = await runCli(['operator', 'add', 'ops@sekisho.example', '--password-stdin'], env, 'operator password\n');
      assert.equal(op.code, 0, op.stderr);
      const a = await loginApi(base, 'ops@sekisho.example', 'operator password');
      assert.equal(a.loginJson.role, 'operator');
      assert.equal((await a.call('GET', '/api/users?tenant=globex')).json.items[0].email, 'eve@globex.example');
      assert.equal((await runCli(['operator', 'add', 'admin@acme.example'], env)).code, 1);
    });

    it(`pages through ${N} messages by keyset`, async () => {
      const store = inst.sekisho.store;
      const t0 = Date.now();
      const start = Date.now() - N * 1000;
      for (let i = 0; i < N; i += 1000) {
        const rows = Array.from({ length: 1000 }, (_, j) => {
          const at = start + (i + j) * 1000;
          return {
            id: newId(at),
            tenant_id: inst.tenantId,
            direction: 'outbound' as const,
            state: (i + j) % 7 === 0 ? ('held' as const) : ('delivered' as const),
            due_at: null,
            created_at: at,
            updated_at: at,
            mail_from: `u${(i + j) % 50}@acme.example`,
            recipients: JSON.stringify([`p${i + j}@example.net`]),
            header_from: '',
            subject: `message ${i + j}`,
            message_id: null,
            size: 100,
            facts: '{}',
            plan: null,
            submitted_by: `u${(i + j) % 50}@acme.example`,
            attempts: 0,
            first_attempt_at: null,
            last_error: null,
            locked_by: null,
            locked_until: null,
          };
        });
        await store.db.insertInto('messages').values(rows).execute();
      }
      const loaded = Date.now() - t0;
      const token = (await runCli(['token', 'create', '--user', 'admin@acme.example'], env)).stdout.trim();
      const api = tokenApi(base, token);
      let before: string | null = null;
      let seen = 0;
      const times: number[] = [];
      for (let page = 0; page < 20; page++) {
        const t = performance.now();
        const r: { json: { items: Array<{ id: string }>; next: string | null } } = await api.call(
          'GET',
          `/api/messages?limit=100${before ? `&before=${before}` : ''}`,
        );
        times.push(performance.now() - t);
        if (before) assert.ok(r.json.items[0]!.id < before);
        seen += r.json.items.length;
        before = r.json.next;
      }
      assert.equal(seen, 2000);
      const held = await api.call('GET', `/api/messages?state=held&limit=50&before=${before}`);
      assert.ok(held.json.items.every((m: { state: string }) => m.state === 'held'));
      if (kind === 'sqlite') {
        const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN
          SELECT * FROM messages WHERE tenant_id = ${inst.tenantId} AND id < ${before} ORDER BY id DESC LIMIT 101`.execute(store.db);
        const text = plan.rows.map((r) => r.detail).join(' | ');
        assert.doesNotMatch(text, /TEMP B-TREE/, `no sort of the whole table: ${text}`);
      }
      times.sort((a, b) => a - b);
      console.log(
        `[${kind}] ${N} messages inserted in ${loaded} ms; ` +
          `page of 100: median ${times[10]!.toFixed(1)} ms, max ${times[19]!.toFixed(1)} ms`,
      );
    });
  });
}
