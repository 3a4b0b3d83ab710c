// The audit trail is append-only in the database itself, on SQLite and PostgreSQL: UPDATE and
// DELETE (and TRUNCATE on PostgreSQL) are refused whoever asks, except the retention path
// (Store.purgeAuditEvents), which removes events older than a cut-off and records what it removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

for (const kind of backends()) {
  describe(`audit trail on ${kind}`, () => {
    let store: Store;
    let acme: string;
    let globex: string;

    before(async () => {
      store = await openTestStore(kind);
      acme = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      globex = (await store.createTenant({ name: 'globex', domains: ['globex.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    const event = (tenantId: string, at: number, type: string) =>
      store.db.insertInto('events').values({ tenant_id: tenantId, message_id: null, at, actor: 'test', type, data: '{}' }).execute();

    it('DELETE FROM events is refused, with or without a condition', async () => {
      await event(acme, 1000, 'old');
      await assert.rejects(sql`DELETE FROM events`.execute(store.db), /append-only/);
      await assert.rejects(store.db.deleteFrom('events').where('type', '=', 'old').execute(), /append-only/);
      await assert.rejects(sql`UPDATE events SET type = 'forged'`.execute(store.db), /append-only/);
      if (kind === 'postgres') await assert.rejects(sql`TRUNCATE events`.execute(store.db), /append-only/);
      const left = await store.db.selectFrom('events').select('type').where('type', '=', 'old').execute();
      assert.equal(left.length, 1);
    });

    it('the retention path removes only events older than the cut-off, of one tenant, and records what it removed', async () => {
      await event(acme, 2000, 'message.accepted');
      await event(acme, 3000, 'message.accepted');
      await event(acme, 4000, 'delivered');
      await event(globex, 2500, 'delivered');
      await event(acme, 9_000_000_000_000, 'future');
      const doomed = await store.db
        .selectFrom('events')
        .selectAll()
        .where('tenant_id', '=', acme)
        .where('at', '<', 5000)
        .orderBy('id')
        .execute();
      assert.equal(doomed.length, 4);

      const result = await store.purgeAuditEvents({ before: 5000, tenantId: acme, actor: 'retention', reason: 'test: 1 year' });
      assert.equal(result.removed, 4);
      assert.equal(result.firstId, doomed[0]!.id);
      assert.equal(result.lastId, doomed.at(-1)!.id);
      assert.deepEqual(result.types, { 'message.accepted': 2, delivered: 1, old: 1 });
      const digest = createHash('sha256');
      for (const e of doomed) digest.update(`${JSON.stringify([e.id, e.tenant_id, e.message_id, e.at, e.actor, e.type, e.data])}\n`);
      assert.equal(result.sha256, digest.digest('hex'), 'the digest lets an exported copy be checked');

      const left = await store.db.selectFrom('events').select(['tenant_id', 'type']).where('at', '<', 5000).execute();
      assert.deepEqual(left, [{ tenant_id: globex, type: 'delivered' }], "another tenant's events stay");
      const record = await store.db.selectFrom('events').selectAll().where('type', '=', 'audit.purged').executeTakeFirstOrThrow();
      assert.equal(record.tenant_id, acme);
      assert.equal(record.actor, 'retention');
      const data = JSON.parse(record.data) as Record<string, unknown>;
      assert.equal(data.removed, 4);
      assert.equal(data.before, 5000);
      assert.equal(data.reason, 'test: 1 year');
      assert.equal(data.sha256, result.sha256);

      // the way through was for that transaction only
      await assert.rejects(sql`DELETE FROM events`.execute(store.db), /append-only/);
      await assert.rejects(store.db.deleteFrom('events').where('type', '=', 'future').execute(), /append-only/);
    });

    it('a purge with nothing to remove records nothing; one that fails changes nothing and leaves the trail guarded', async () => {
      const before = await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal((await store.purgeAuditEvents({ before: 1, actor: 'retention', reason: 'nothing' })).removed, 0);
      await assert.rejects(store.purgeAuditEvents({ before: Number.NaN, actor: 'retention', reason: 'bad' }), /before/);
      const after = await store.db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), Number(before.n));
      await assert.rejects(sql`DELETE FROM events`.execute(store.db), /append-only/);
    });
  });
}
