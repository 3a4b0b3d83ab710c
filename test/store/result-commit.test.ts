// A delivery result is committed at once: until it is durable, a crash would send the message
// again (docs/delivery.md, "Exactly once"). On PostgreSQL it does not wait for a group commit that
// is being written (its own transaction); on SQLite, one writer, it joins the next group commit and
// that one goes without waiting for company. Only the order of events is checked here, never a time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { newMessage } from '../helpers/messages.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`delivery results on ${kind}`, () => {
    let store: Store;
    let tenantId: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it(kind === 'postgres' ? 'commit while a group commit is still being written' : 'commit with the next group commit', async () => {
      const delivered = newMessage(tenantId, { lease: { node: 'n1', until: Date.now() + 60_000 } });
      const row = await store.insertMessage(delivered);
      // a group commit held open: its transaction is under way until `release`
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let writing!: () => void;
      const underWay = new Promise<void>((r) => (writing = r));
      const slow = store.insertMessage({
        ...newMessage(tenantId),
        alsoWrite: async () => {
          writing();
          await held;
        },
      });
      await underWay;
      let committed = false;
      const result = store
        .transition(row, 'n1', { state: 'delivered', dueAt: null, event: { actor: 'system', type: 'delivered' } }, [
          { address: 'b@example.net', state: 'delivered', response: '250 ok' },
        ])
        .then((ok) => {
          committed = ok;
        });
      if (kind === 'postgres') {
        // (a result queued behind the open transaction would wait for ever: give up after 10 s)
        await Promise.race([result, new Promise((r) => setTimeout(r, 10_000))]);
        if (!committed) release();
        assert.equal(committed, true, 'the result committed although the group commit was still open');
        assert.equal((await store.message(delivered.id, ALL_TENANTS))!.state, 'delivered');
        release();
      } else {
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(committed, false, 'one writer: the result waits for the open transaction');
        release();
        await result;
        assert.equal(committed, true);
      }
      await slow;
      assert.equal((await store.recipients(delivered.id))[0]!.state, 'delivered');
    });
  });
}
