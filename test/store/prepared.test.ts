// Prepared queries (src/store/prepared.ts) on SQLite and PostgreSQL: compiled once, then run with
// the real values in the markers' places (including the same value used twice, constants kept,
// null and binary values); a builder that transforms its marker falls back to building each time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Store } from '../../src/store/store.ts';
import type { DB } from '../../src/store/schema/schema.ts';
import { Prepared } from '../../src/store/prepared.ts';
import { newMessage } from '../helpers/messages.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

for (const kind of backends()) {
  describe(`prepared queries on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(kind);
      await store.createTenant({ name: 'acme', domains: ['acme.example', 'acme.co.jp'] });
    });
    after(async () => {
      await dropTestStore(store);
    });

    it("compiles once and substitutes each call's values", async () => {
      let builds = 0;
      const q = new Prepared(2, (db: Kysely<DB>, a: string, b: string) => {
        builds++;
        return db
          .selectFrom('domains')
          .select('domain')
          .where((eb) => eb.or([eb('domain', '=', a), eb('domain', '=', b)]))
          .where('domain', '!=', 'never.example')
          .orderBy('domain');
      });
      assert.deepEqual((await q.execute(store.db, kind, 'acme.example', 'nope.example')).rows, [{ domain: 'acme.example' }]);
      assert.deepEqual((await q.execute(store.db, kind, 'acme.co.jp', 'acme.example')).rows, [
        { domain: 'acme.co.jp' },
        { domain: 'acme.example' },
      ]);
      assert.deepEqual((await q.execute(store.db, kind, 'x', 'y')).rows, []);
      assert.equal(builds, 1);
    });

    it('null and binary values pass through; updates report affected rows', async () => {
      const tenantId = (await store.tenantByName('acme'))!.id;
      const { id } = await store.insertMessage(newMessage(tenantId, { state: 'held', dueAt: null, body: Buffer.from([0]) }));
      const set = new Prepared(2, (db: Kysely<DB>, data: Buffer, mid: string) =>
        db.updateTable('bodies').set({ data }).where('message_id', '=', mid),
      );
      const bytes = Buffer.from([0x1b, 0x24, 0x42, 0, 255]);
      assert.equal(Number((await set.execute(store.db, kind, bytes, id)).numAffectedRows), 1);
      assert.equal(Number((await set.execute(store.db, kind, bytes, 'missing')).numAffectedRows), 0);
      assert.deepEqual(await store.body(id), bytes);
      const nullable = new Prepared(1, (db: Kysely<DB>, route: string | null) =>
        db.updateTable('domains').set({ inbound_route: route }).where('domain', '=', 'acme.co.jp'),
      );
      await nullable.execute(store.db, kind, null);
      assert.equal((await store.findDomain('acme.co.jp'))?.inbound_route, null);
    });

    it('a builder that changes its marker is built on every call instead', async () => {
      let builds = 0;
      const q = new Prepared(1, (db: Kysely<DB>, d: string) => {
        builds++;
        return db.selectFrom('domains').select('domain').where('domain', '=', `${d}.example`);
      });
      assert.deepEqual((await q.execute(store.db, kind, 'acme')).rows, [{ domain: 'acme.example' }]);
      assert.deepEqual((await q.execute(store.db, kind, 'nope')).rows, []);
      assert.equal(builds, 3, 'once to find out, then once per call');
    });
  });
}
