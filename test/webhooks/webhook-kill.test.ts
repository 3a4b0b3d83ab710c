// kill -9 in the middle of a webhook POST, then restart, on SQLite and PostgreSQL: a real
// `sekisho start` sends a quarantined event to a receiver on loopback that does not answer the
// first request; the node is killed while it waits; the restarted node (same node name, so it
// takes its own lease back at once) sends the same event again and records it delivered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, startProcess } from '../helpers/process.ts';
import { waitUntil } from '../helpers/wait.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { addWebhook } from '../../src/webhooks/webhooks.ts';

for (const kind of backends()) {
  describe(`webhook delivery across kill -9 on ${kind}`, () => {
    let db: TestDatabase;
    let server: Server;
    let url: string;
    const ids: string[] = [];
    const held: ServerResponse[] = [];
    let env: Record<string, string | undefined>;

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          ids.push(JSON.parse(Buffer.concat(chunks).toString('utf8')).id);
          if (ids.length === 1)
            held.push(res); // the first attempt never gets an answer
          else res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      db = await createTestDatabase(kind);
      env = childEnv(db, 'smtp://127.0.0.1:9', {
        SEKISHO_DEMO_TENANT: 'true',
        SEKISHO_NODE_NAME: 'node-1',
        SEKISHO_WEBHOOK_POLL_MS: '50',
        SEKISHO_WEBHOOK_RETRY_BASE: '50ms',
        SEKISHO_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        SEKISHO_LOG_LEVEL: 'warn',
      });
    });
    after(async () => {
      for (const res of held) res.destroy();
      server.close();
      await db.drop();
    });

    it('the event in flight at the kill is sent again after the restart and recorded delivered', async () => {
      const first = await startProcess(env);
      let store: Store | null = null;
      try {
        store = await openStore({ databaseUrl: db.url, dataDir: join(db.dataDir, 'data') });
        const tenant = (await store.listTenants())[0]!;
        await addWebhook(store, tenant.id, { url, events: ['quarantined'] }, 'test');
        await store.appendEvent({ tenantId: tenant.id, messageId: 'M-KILL', actor: 'system', type: 'quarantined', data: {} });
        await waitUntil('the first attempt', () => ids.length === 1);
        first.child.kill('SIGKILL');
        await first.exited;
        const row = await store.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
        assert.equal(row.state, 'pending', 'nothing recorded for the attempt the kill cut off');

        const second = await startProcess(env);
        try {
          const done = await waitUntil('delivered after the restart', async () => {
            const r = await store!.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
            return r.state === 'delivered' && r;
          });
          assert.equal(ids.length, 2);
          assert.equal(ids[0], ids[1], 'the same event id both times: the receiver can drop the repeat');
          assert.equal(Number(done.last_status), 200);
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        await store?.close();
        first.child.kill('SIGKILL');
      }
    });
  });
}
