// The queue worker's hand-over path on SQLite and PostgreSQL: a message the acceptor commits
// already leased to this node is delivered once, from the body in memory, never claimed a second
// time by the worker's own poll; with every slot busy there is no reservation (the message then
// waits for an ordinary claim), and a cancelled reservation frees its slot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { openStore } from '../../src/store/open-store.ts';
import type { Message, Store } from '../../src/store/store.ts';
import { newMessage } from '../helpers/messages.ts';
import { QueueWorker, type Lease } from '../../src/queue/worker.ts';
import { newId } from '../../src/util/id.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`queue worker hand-over on ${kind}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let tenantId: string;
    before(async () => {
      tdb = await createTestDatabase(kind);
      store = await openStore({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    function worker(concurrency: number, handle: (m: Message, lease: Lease) => Promise<void>) {
      return new QueueWorker({
        store,
        logger: pino({ level: 'silent' }),
        node: `n-${kind}`,
        concurrency,
        pollIntervalMs: 20,
        leaseMs: 60_000,
        handlers: { queued: handle },
      });
    }

    it('delivers a handed-over message once, from memory, and the poll does not claim it again', async () => {
      const calls: Array<{ id: string; preload?: Lease['preload'] }> = [];
      const w = worker(4, async (m, lease) => {
        calls.push({ id: m.id, preload: lease.preload });
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      const m = newMessage(tenantId);
      const slot = w.reserve(m.id);
      assert.ok(slot);
      const row = await store.insertMessage({ ...m, lease: { node: slot.node, until: slot.leaseUntil } });
      await new Promise((r) => setTimeout(r, 100)); // several polls while it is reserved
      w.handOff(row, { body: m.body, recipients: m.recipients });
      for (let i = 0; i < 100 && (await store.message(m.id, ALL_TENANTS))?.state !== 'delivered'; i++)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      await w.stop();
      assert.deepEqual(
        calls.map((c) => c.id),
        [m.id],
      );
      assert.deepEqual(calls[0]!.preload, { body: m.body, recipients: m.recipients });
    });

    it('no slot, no reservation; a cancelled reservation frees its slot', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const w = worker(1, async (m, lease) => {
        await busy;
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      const first = newMessage(tenantId);
      const slot = w.reserve(first.id)!;
      w.handOff(await store.insertMessage({ ...first, lease: { node: slot.node, until: slot.leaseUntil } }), {
        body: first.body,
        recipients: first.recipients,
      });
      assert.equal(w.reserve(newId()), null, 'the only slot is busy');
      release();
      for (let i = 0; i < 100 && (await store.message(first.id, ALL_TENANTS))?.state !== 'delivered'; i++)
        await new Promise((r) => setTimeout(r, 20));
      // SQLite: another query may read the committed state while the commit's flush (and so the
      // handler's end, which frees the slot) is still under way
      const id = newId();
      let reserved = w.reserve(id);
      for (let i = 0; i < 100 && !reserved; i++) {
        await new Promise((r) => setTimeout(r, 20));
        reserved = w.reserve(id);
      }
      assert.ok(reserved, 'the slot is free once the delivery has ended');
      w.cancel(id);
      assert.ok(w.reserve(newId()), 'the cancelled slot is free again');
      await w.stop();
    });
  });
}
