// Webhooks at the store on SQLite and PostgreSQL, with a real receiver on loopback: every audit
// type that webhooks report enqueues the right event (and only for webhooks that want it, and not
// for a tenant without one); deliveries survive the store being closed mid-way (a restart) and are
// sent by the next; only the lease holder sends; private targets are refused unless allowed; the
// backoff doubles from the configured base up to its cap.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import type { AuditEventType } from '../../src/audit/event-groups.ts';
import { addWebhook } from '../../src/webhooks/webhooks.ts';
import { KEEP_FINISHED_MS, postSigned, pruneDeliveries, retryDelayMs, sendDue } from '../../src/webhooks/sender.ts';

const OPTS = { retryBaseMs: 10, maxAttempts: 3, allowPrivateTargets: true };

for (const kind of backends()) {
  describe(`webhook deliveries in the ${kind} store`, () => {
    let db: TestDatabase;
    let store: Store;
    let server: Server;
    let url: string;
    const bodies: string[] = [];
    let tenantId: string;
    let quiet: string;
    const open = () => openStore({ databaseUrl: db.url, dataDir: db.dataDir });
    const queued = async (s: Store) =>
      s.db
        .selectFrom('webhook_deliveries')
        .select(['event_type', 'payload', 'state'])
        .where('tenant_id', '=', tenantId)
        .orderBy('id')
        .execute();

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      db = await createTestDatabase(kind);
      store = await open();
      await store.migrate();
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      quiet = (await store.createTenant({ name: 'quiet', domains: ['quiet.example'] })).id;
    });
    after(async () => {
      await store.close();
      await db.drop();
      server.close();
    });

    it('each reported audit type enqueues its event; others and tenants without a webhook enqueue nothing', async () => {
      await addWebhook(
        store,
        tenantId,
        { url, events: ['held', 'approved', 'rejected', 'blocked', 'quarantined', 'released', 'downloaded'] },
        'a@acme.example',
      );
      await addWebhook(store, tenantId, { url: `${url}only-quarantine`, events: ['quarantined'] }, 'a@acme.example');
      const cases: Array<[AuditEventType, Record<string, unknown>, string | null]> = [
        ['awaiting_approval', { rule: 'Boss', type: 'approve' }, 'held'],
        ['approved', { rule: 'Boss', comment: '社外秘です' }, 'approved'],
        ['rejected', { rule: 'Boss', comment: 'no' }, 'rejected'],
        [
          'policy.blocked',
          { queueId: '01QUEUEID', rule: 'Block', reason: 'secret', subject: '給与一覧', from: 'a@acme.example' },
          'blocked',
        ],
        ['quarantined', { reason: 'virus' }, 'quarantined'],
        ['quarantine.released', {}, 'released'],
        ['quarantine.released', { recipient: 'b@acme.example', from: 'PARENT' }, null],
        ['download', { recipient: 'x@example.net', file: 2, ip: '203.0.113.9' }, 'downloaded'],
        ['accepted', {}, null],
        ['delivered', {}, null],
      ];
      // a blocked message was never stored: its event names no message, only the queue id (outbound/decide.ts)
      for (const [type, data] of cases)
        await store.appendEvent({
          tenantId,
          messageId: type === 'policy.blocked' ? null : 'M1',
          actor: 'someone@acme.example',
          type,
          data,
        });
      await store.appendEvent({ tenantId: quiet, messageId: 'M2', actor: 'system', type: 'quarantined', data: {} });
      const rows = await queued(store);
      const expected = cases.flatMap(([, , e]) => (e ? [e] : []));
      // the quarantine-only webhook adds one more quarantined delivery
      assert.deepEqual(rows.map((r) => r.event_type).sort(), [...expected, 'quarantined'].sort());
      const quietRows = await store.db.selectFrom('webhook_deliveries').selectAll().where('tenant_id', '=', quiet).execute();
      assert.equal(quietRows.length, 0);
      const blocked = JSON.parse(rows.find((r) => r.event_type === 'blocked')!.payload);
      assert.equal(blocked.messageId, '01QUEUEID');
      assert.deepEqual(blocked.detail, { rule: 'Block', reason: 'secret' });
      assert.equal(blocked.by, 'person');
      for (const r of rows) assert.doesNotMatch(r.payload, /@|給与|203\.0\.113|社外秘/, 'no addresses, subjects, IPs or comments');
      const downloaded = JSON.parse(rows.find((r) => r.event_type === 'downloaded')!.payload);
      assert.deepEqual(downloaded.detail, { file: 2 });
    });

    it('what was enqueued survives a restart and is sent by the next store; only the lease holder sends', async () => {
      const waiting = (await queued(store)).length;
      await store.close(); // as if the process died before sending anything
      store = await open();
      const other = await sendDue(store, { name: 'webhooks', holder: 'node-b', ms: 60_000 }, OPTS);
      assert.equal(other, waiting, 'node-b took the free lease and sent all');
      assert.equal(bodies.length, waiting);
      assert.ok((await queued(store)).every((r) => r.state === 'delivered'));
      await store.appendEvent({ tenantId, messageId: 'M3', actor: 'system', type: 'quarantined', data: {} });
      assert.equal(await sendDue(store, { name: 'webhooks', holder: 'node-a', ms: 60_000 }, OPTS), 0, 'node-b still holds the lease');
      assert.equal(await sendDue(store, { name: 'webhooks', holder: 'node-b', ms: 60_000 }, OPTS), 2);
    });

    it('finished deliveries older than the keeping time are removed; waiting ones never', async () => {
      const now = Date.now();
      const old = now - KEEP_FINISHED_MS - 1;
      const webhook = (await store.db.selectFrom('webhooks').select('id').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).id;
      const row = {
        webhook_id: webhook,
        tenant_id: tenantId,
        event_type: 'held',
        payload: '{}',
        attempts: 1,
        last_attempt_at: old,
        last_status: 200,
        last_error: null,
      };
      await store.db
        .insertInto('webhook_deliveries')
        .values([
          { ...row, event_id: 'OLD-DONE', state: 'delivered', next_attempt_at: null, created_at: old },
          { ...row, event_id: 'OLD-WAITING', state: 'pending', next_attempt_at: now + 3_600_000, created_at: old },
        ])
        .execute();
      const before = (await queued(store)).length;
      assert.equal(await pruneDeliveries(store, now - KEEP_FINISHED_MS), 1);
      const left = await store.db.selectFrom('webhook_deliveries').select('event_id').where('event_id', 'like', 'OLD-%').execute();
      assert.deepEqual(left, [{ event_id: 'OLD-WAITING' }]);
      assert.equal((await queued(store)).length, before - 1);
      await store.db.deleteFrom('webhook_deliveries').where('event_id', '=', 'OLD-WAITING').execute();
    });

    it('refuses private and loopback targets unless allowed, by literal address and by name', async () => {
      const literal = await postSigned(url, '{}', 's', {}, false);
      assert.equal(literal.status, null);
      assert.match(literal.error ?? '', /private address/);
      const named = await postSigned(url.replace('127.0.0.1', 'localhost'), '{}', 's', {}, false);
      assert.equal(named.status, null);
      assert.match(named.error ?? '', /private address/);
      assert.equal((await postSigned(url, '{}', 's', {}, true)).status, 204);
    });
  });
}

describe('webhook backoff', () => {
  it('doubles from the base and stops at eight hours', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, 1000)),
      [1000, 2000, 4000, 8000],
    );
    assert.equal(retryDelayMs(30, 180_000), 8 * 3600_000);
    const total = Array.from({ length: 9 }, (_, i) => retryDelayMs(i + 1, 180_000)).reduce((a, b) => a + b, 0);
    assert.ok(total > 20 * 3600_000 && total < 24 * 3600_000, `10 attempts span ${total / 3600_000} h`);
  });
});
