// 100k held messages waiting in the queue (inserted directly, as months of holds would leave
// them) do not get in the way: a submitted message is still accepted and held, a due one is
// claimed and delivered, and claimDue returns only due work. No timing asserts; the times are
// printed for the report.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { backends } from '../helpers/databases.ts';
import { expire, mail, startHarness, submit, waitState, type Harness } from './harness.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const N = 100_000;

for (const kind of backends()) {
  describe(`100k held messages on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await h.stop();
    });

    it('acceptance and due work are unaffected', async () => {
      const store = h.inst.sekisho.store;
      const b0 = Date.now();
      await submit(h, mail('HOLDMANUAL baseline'), { to: ['partner@example.net'] });
      const baseline = Date.now() - b0;
      const future = Date.now() + 3 * 86_400_000;
      const t0 = Date.now();
      const tenant = h.inst.tenantId;
      const series =
        kind === 'sqlite'
          ? sql`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${N}) SELECT n FROM s`
          : sql`SELECT generate_series(1, ${N}) AS n`;
      await sql`INSERT INTO messages (id, tenant_id, direction, state, due_at, created_at, updated_at, mail_from, recipients,
          header_from, subject, message_id, size, facts, plan, submitted_by, attempts)
        SELECT 'BULK' || n, ${tenant}, 'outbound', 'held', CAST(${future} AS BIGINT) + n, CAST(${t0} AS BIGINT),
          CAST(${t0} AS BIGINT), 'taro@acme.example', '["x@example.net"]', 'taro@acme.example', 'bulk', NULL, 10, '{}', NULL,
          'taro@acme.example', 0
        FROM (${series}) AS series`.execute(store.db);
      const inserted = Date.now() - t0;
      const count = await store.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'held')
        .executeTakeFirstOrThrow();
      assert.ok(Number(count.n) >= N);

      const a0 = Date.now();
      const id = await submit(h, mail('HOLDMANUAL among many'), { to: ['partner@example.net'] });
      const accepted = Date.now() - a0;
      assert.equal((await store.message(id, ALL_TENANTS))!.state, 'held');

      // Nothing among the 100k is due: a claim finds nothing of theirs.
      const c0 = Date.now();
      const claimed = await store.claimDue('probe', Date.now(), 50, 1000);
      const claimMs = Date.now() - c0;
      assert.equal(claimed.filter((m) => m.id.startsWith('BULK')).length, 0);
      for (const m of claimed)
        await store.db.updateTable('messages').set({ locked_by: null, locked_until: null }).where('id', '=', m.id).execute();

      await expire(h, id);
      await waitState(h, id, 'discarded'); // a manual hold that ran out: discarded
      console.log(
        `# ${kind}: inserted ${N} held rows in ${inserted} ms; accept+hold before ${baseline} ms, with them ` +
          `waiting ${accepted} ms; claimDue ${claimMs} ms`,
      );
    });
  });
}
