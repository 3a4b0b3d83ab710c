// `sekisho queue summary` (issue 19 item 7, qshape): pending recipients of deferred mail by
// domain and age bucket, on SQLite and PostgreSQL; delivered recipients and queued (not deferred)
// mail are not counted; --tenant shows only that tenant's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { newMessage } from '../helpers/messages.ts';
import { childEnv, runCli } from '../helpers/process.ts';
import { deferredShape, formatShape } from '../../src/queue/queue-shape.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`queue summary on ${kind}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let acme: string;
    const now = Date.now();

    before(async () => {
      tdb = await createTestDatabase(kind);
      store = await openStore({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
      acme = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      const globex = (await store.createTenant({ name: 'globex', domains: ['globex.example'] })).id;
      const put = async (tenantId: string, state: 'deferred' | 'queued', minutesAgo: number, recipients: string[]) => {
        const m = newMessage(tenantId, { state, recipients });
        await store.insertMessage(m);
        await store.db
          .updateTable('messages')
          .set({ created_at: now - minutesAgo * 60_000 })
          .where('id', '=', m.id)
          .execute();
        return m.id;
      };
      await put(acme, 'deferred', 2, ['a@gmail.com', 'b@gmail.com', 'c@yahoo.co.jp']);
      await put(acme, 'deferred', 30, ['d@gmail.com']);
      const old = await put(acme, 'deferred', 3000, ['e@yahoo.co.jp', 'f@gmail.com']);
      await store.db
        .updateTable('recipients')
        .set({ state: 'delivered' })
        .where('message_id', '=', old)
        .where('address', '=', 'f@gmail.com')
        .execute();
      await put(acme, 'queued', 30, ['g@gmail.com']);
      await put(globex, 'deferred', 2, ['h@example.org']);
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    it('counts pending recipients of deferred mail by domain and age', async () => {
      const shapes = await deferredShape(store, tenantScope(acme), { now });
      assert.deepEqual(shapes, [
        { domain: 'gmail.com', total: 3, buckets: [2, 0, 0, 1, 0, 0, 0, 0, 0, 0] },
        { domain: 'yahoo.co.jp', total: 2, buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
      ]);
      const table = formatShape(shapes).split('\n');
      assert.match(table[0]!, /^\s+T\s+5\s+10\s+20\s+40\s+80\s+160\s+320\s+640\s+1280\s+1280\+$/);
      assert.match(table[1]!, /^\s*TOTAL\s+5\s+3\s+0\s+0\s+1\s+0\s+0\s+0\s+0\s+0\s+1$/);
      assert.equal(
        (await deferredShape(store, ALL_TENANTS, { now })).reduce((n, s) => n + s.total, 0),
        6,
        'all tenants',
      );
    });

    it('knows when the longest-waiting due message fell due (/healthz queueAgeSeconds)', async () => {
      const [first] = await store.db.selectFrom('messages').select('id').where('state', '=', 'deferred').execute();
      await store.db
        .updateTable('messages')
        .set({ due_at: now - 600_000 })
        .where('id', '=', first!.id)
        .execute();
      assert.equal(await store.oldestDueAt(now), now - 600_000);
      assert.equal(await store.oldestDueAt(now - 700_000), null, 'nothing was due yet then');
    });

    it('sekisho queue summary prints it, for one tenant or all', async () => {
      const env = childEnv(tdb, 'smtp://127.0.0.1:9', {}, '.');
      const one = await runCli(['queue', 'summary', '--tenant', 'acme'], env);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /gmail\.com\s+3\s+2/);
      assert.doesNotMatch(one.stdout, /example\.org/);
      const all = await runCli(['queue', 'summary', '--json'], env);
      const parsed = JSON.parse(all.stdout) as { domains: Array<{ domain: string }> };
      assert.deepEqual(parsed.domains.map((d) => d.domain).sort(), ['example.org', 'gmail.com', 'yahoo.co.jp']);
    });
  });
}
