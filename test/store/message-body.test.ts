// Bodies in parts (src/store/message-body.ts), over SQLite and PostgreSQL alike: a large body is
// written and read a part per event-loop turn and comes back byte for byte; a small one stays one
// row; emptying and purging a body remove every part, and so does deleting its message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/store.ts';
import { BODY_PART_BYTES, emptyBodies } from '../../src/store/message-body.ts';
import { deleteMessageRows } from '../../src/store/message-retention.ts';
import { newMessage } from '../helpers/messages.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';
import { turnsDuring } from '../helpers/loop-turns.ts';

for (const kind of backends()) {
  describe(`message bodies in parts on ${kind}`, () => {
    let store: Store;
    let tenantId: string;
    const partRows = async (id: string) =>
      Number(
        (
          await store.db
            .selectFrom('body_parts')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('message_id', '=', id)
            .executeTakeFirst()
        )?.n,
      );

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('writes and reads a 3.5-part body a part per turn, byte for byte', async () => {
      const body = randomBytes(Math.floor(3.5 * BODY_PART_BYTES));
      const m = newMessage(tenantId, { dueAt: null, state: 'held', body });
      const written = await turnsDuring(() => store.insertMessage(m));
      assert.ok(written.turns >= 3, `the event loop came round between the parts (${written.turns} turns)`);
      assert.equal(await partRows(m.id), 3, 'the first part in bodies, three more in body_parts');
      const read = await turnsDuring(() => store.body(m.id));
      assert.ok(read.turns >= 3, `and between reading them (${read.turns} turns)`);
      assert.ok(read.value?.equals(body));
    });

    it('keeps a body of exactly one part, and an empty one, in one row', async () => {
      for (const body of [randomBytes(BODY_PART_BYTES), Buffer.alloc(0)]) {
        const m = newMessage(tenantId, { dueAt: null, state: 'held', body });
        await store.insertMessage(m);
        assert.equal(await partRows(m.id), 0);
        assert.ok((await store.body(m.id))?.equals(body));
      }
    });

    it('empties every part of a body; deleting the message deletes them too', async () => {
      const emptied = newMessage(tenantId, { dueAt: null, state: 'held', body: randomBytes(2 * BODY_PART_BYTES + 1) });
      const deleted = newMessage(tenantId, { dueAt: null, state: 'held', body: randomBytes(2 * BODY_PART_BYTES + 1) });
      await store.insertMessage(emptied);
      await store.insertMessage(deleted);
      await store.db.transaction().execute((trx) => emptyBodies(trx, [emptied.id]));
      assert.equal(await partRows(emptied.id), 0);
      assert.equal((await store.body(emptied.id))?.length, 0);
      await store.db.transaction().execute((trx) => deleteMessageRows(trx, [deleted.id]));
      assert.equal(await partRows(deleted.id), 0);
      assert.equal(await store.body(deleted.id), undefined);
    });
  });
}
