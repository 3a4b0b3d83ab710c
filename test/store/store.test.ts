// The store contract, run over SQLite and PostgreSQL alike: migrations, tenants and users,
// durable message insert, atomic claiming of due work, lease-checked transitions, append-only audit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { ScopedStore } from '../../src/console/api/scoped-store.ts';
import { newMessage } from '../helpers/messages.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`store on ${kind}`, () => {
    let store: Store;
    let tenantId: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['Acme.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('migrations are idempotent', async () => {
      assert.deepEqual(await store.migrate(), []);
    });

    it('finds tenants by name and domains case-insensitively', async () => {
      assert.equal((await store.tenantByName('acme'))?.id, tenantId);
      assert.equal((await store.findDomain('ACME.EXAMPLE'))?.tenant_id, tenantId);
      assert.equal(await store.findDomain('other.example'), undefined);
    });

    it('a domain route changed through the console counts at once, although domains are cached', async () => {
      const tenant = (await store.tenantByName('acme'))!;
      assert.equal((await store.findDomain('acme.example'))?.inbound_route, null);
      const admin = new ScopedStore(
        store,
        { email: 'admin@acme.example', role: 'admin', tenantId: tenant.id, via: 'token', language: 'en' },
        tenant,
      );
      await admin.setInboundRoute('acme.example', 'smtp://mail.acme.example:25');
      assert.equal((await store.findDomain('acme.example'))?.inbound_route, 'smtp://mail.acme.example:25');
      assert.equal((await store.tenantDomains(tenant.id))[0]?.inbound_route, 'smtp://mail.acme.example:25');
      await admin.setInboundRoute('acme.example', null);
    });

    it('refuses a second user with the same address', async () => {
      await store.createUsers(tenantId, [{ email: 'U@acme.example', passwordHash: 'x', role: 'user' }], 'test');
      assert.equal((await store.userByEmail('u@ACME.example'))?.role, 'user');
      await assert.rejects(store.createUsers(tenantId, [{ email: 'u@acme.example', passwordHash: 'y', role: 'admin' }], 'test'));
    });

    it('stores body bytes exactly and many concurrent inserts all commit', async () => {
      const body = Buffer.from([0, 1, 2, 255, 0x1b, 0x24, 0x42, 13, 10]);
      const many = Array.from({ length: 50 }, () => newMessage(tenantId, { dueAt: null, state: 'held', body }));
      await Promise.all(many.map((m) => store.insertMessage(m)));
      for (const m of many.slice(0, 5)) assert.deepEqual(await store.body(m.id), body);
      assert.equal((await store.events(many[0]!.id))[0]?.type, 'accepted');
    });

    it('two workers claiming at once never get the same message', async () => {
      const ids = Array.from({ length: 40 }, () => newMessage(tenantId));
      await Promise.all(ids.map((m) => store.insertMessage(m)));
      const now = Date.now();
      const [a, b] = await Promise.all([store.claimDue('node-a', now, 30, 60_000), store.claimDue('node-b', now, 30, 60_000)]);
      const seen = new Set([...a, ...b].map((r) => r.id));
      assert.equal(seen.size, a.length + b.length);
      assert.ok(ids.every((m) => seen.has(m.id)));
      assert.equal((await store.claimDue('node-c', now, 100, 60_000)).length, 0, 'leased rows are not claimable');
      // An expired lease is taken over.
      const later = await store.claimDue('node-c', now + 120_000, 100, 60_000);
      assert.ok(later.length >= 40);
      // The old owner can no longer write a result.
      assert.equal(await store.transition(a[0]!, 'node-a', { state: 'delivered', dueAt: null }), false);
      assert.equal(
        await store.transition(a[0]!, 'node-c', { state: 'delivered', dueAt: null, event: { actor: 'system', type: 'delivered' } }),
        true,
      );
      assert.equal((await store.message(a[0]!.id, ALL_TENANTS))?.state, 'delivered');
    });

    it('a message committed already leased (handed to the local worker) is not claimable until the lease runs out', async () => {
      const now = Date.now();
      const m = newMessage(tenantId, { lease: { node: 'node-a', until: now + 60_000 } });
      const row = await store.insertMessage(m);
      const stored = await store.message(m.id, ALL_TENANTS);
      // the row handed to the worker is the row in the database
      assert.deepEqual(row, stored);
      assert.ok(!(await store.claimDue('node-b', now, 1000, 60_000)).some((r) => r.id === m.id));
      assert.ok(
        (await store.claimDue('node-b', now + 120_000, 1000, 60_000)).some((r) => r.id === m.id),
        "a dead node's handed-over message is taken over",
      );
      assert.equal(
        await store.transition(row, 'node-a', { state: 'delivered', dueAt: null }),
        false,
        'the old owner cannot write a result',
      );
    });

    it('group commit: results and new messages committed together each see their own outcome', async () => {
      const a = newMessage(tenantId);
      await store.insertMessage(a);
      const [claimed] = (await store.claimDue('node-g', Date.now(), 1000, 60_000)).filter((r) => r.id === a.id);
      assert.ok(claimed);
      const b = newMessage(tenantId, { dueAt: null, state: 'held' });
      const [ok, lost] = await Promise.all([
        store.transition(claimed, 'node-g', { state: 'delivered', dueAt: null, event: { actor: 'system', type: 'delivered' } }),
        store.transition(claimed, 'node-x', { state: 'bounced', dueAt: null }),
        store.insertMessage(b),
      ]);
      assert.equal(ok, true);
      assert.equal(lost, false);
      assert.equal((await store.message(a.id, ALL_TENANTS))?.state, 'delivered');
      assert.equal((await store.message(b.id, ALL_TENANTS))?.state, 'held');
    });

    it('held messages far in the future are not claimed', async () => {
      const m = newMessage(tenantId, { state: 'held', dueAt: Date.now() + 3_600_000 });
      await store.insertMessage(m);
      const claimed = await store.claimDue('n', Date.now(), 1000, 1000);
      assert.ok(!claimed.some((r) => r.id === m.id));
    });

    it("a message's events are written in their order, however many (several to an INSERT)", async () => {
      const types = ['accepted', 'policy.applied', 'inbound.verdict', 'held', 'released', 'delivered'] as const;
      const m = newMessage(tenantId, { dueAt: null, events: types.map((type, i) => ({ actor: `actor-${i}`, type, data: { i } })) });
      await store.insertMessage(m);
      const events = await store.events(m.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.actor, JSON.parse(e.data).i, e.tenant_id]),
        types.map((type, i) => [type, `actor-${i}`, i, tenantId]),
      );
    });

    it('audit events cannot be edited', async () => {
      const m = newMessage(tenantId, { dueAt: null });
      await store.insertMessage(m);
      await assert.rejects(store.db.updateTable('events').set({ type: 'forged' }).where('message_id', '=', m.id).execute(), /append-only/);
    });

    it("failed logins: one throttle's window does not cut another's short; a day-old failure goes", async () => {
      const t0 = 1_000_000_000_000;
      const min = 60_000;
      await store.recordAuthFailure(['ip:192.0.2.1'], t0, 15 * min); // console login, 15-minute window
      await store.recordAuthFailure(['smtp-ip:192.0.2.9'], t0 + 11 * min, 10 * min); // SMTP AUTH, 10 minutes
      assert.equal(await store.authFailures('ip:192.0.2.1', t0 + 11 * min - 15 * min), 1, 'still inside its own window');
      await store.recordAuthFailure(['smtp-ip:192.0.2.9'], t0 + 22 * min, 10 * min);
      assert.equal(await store.authFailures('smtp-ip:192.0.2.9', 0), 1, 'its own expired failure is gone');
      await store.recordAuthFailure(['download-ip:192.0.2.5'], t0 + 25 * 60 * min, 10 * min);
      assert.equal(await store.authFailures('ip:192.0.2.1', 0), 0, 'a day later, any key');
      assert.equal(await store.authFailures('download-ip:192.0.2.5', 0), 1);
    });
  });
}
