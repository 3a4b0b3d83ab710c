// The queue worker's hand-over path on SQLite and PostgreSQL: a message the acceptor commits
// already leased to this node is delivered once, from the body in memory, never claimed a second
// time by the worker's own poll; with every slot busy it waits in the worker's line (bounded in
// messages and bytes, never while due work waits in the queue) and is delivered from memory when a
// slot frees; a stop gives the line's messages back to the queue, and those handed over while it
// stops; a cancelled reservation frees its slot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Message, Store } from '../../src/store/store.ts';
import { newMessage } from '../helpers/messages.ts';
import { QueueWorker, type Lease, type LineLimits } from '../../src/queue/worker.ts';
import { newId } from '../../src/util/id.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`queue worker hand-over on ${kind}`, () => {
    let store: Store;
    let tenantId: string;
    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    const started: QueueWorker[] = [];
    after(async () => {
      for (const w of started) await w.stop(); // those a failed test left running
      await dropTestStore(store);
    });

    function worker(concurrency: number, handle: (m: Message, lease: Lease) => Promise<void>, line?: LineLimits) {
      const w = new QueueWorker({
        store,
        logger: pino({ level: 'silent' }),
        node: `n-${kind}`,
        concurrency,
        pollIntervalMs: 20,
        leaseMs: 60_000,
        handlers: { queued: handle },
        ...(line ? { line } : {}),
      });
      started.push(w);
      return w;
    }
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    async function untilDelivered(id: string): Promise<void> {
      for (let i = 0; i < 200 && (await store.message(id, ALL_TENANTS))?.state !== 'delivered'; i++) await pause(20);
    }
    /** reserves, commits leased as the acceptor does, and hands over */
    async function accept(w: QueueWorker): Promise<Message | null> {
      const m = newMessage(tenantId);
      const slot = w.reserve(m.id, m.body.length);
      if (!slot) return null;
      const row = await store.insertMessage({ ...m, lease: { node: slot.node, until: slot.leaseUntil } });
      w.handOff(row, { body: m.body, recipients: m.recipients });
      return row;
    }

    it('delivers a handed-over message once, from memory, and the poll does not claim it again', async () => {
      const calls: Array<{ id: string; preload?: Lease['preload'] }> = [];
      const w = worker(4, async (m, lease) => {
        calls.push({ id: m.id, preload: lease.preload });
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      const m = newMessage(tenantId);
      const slot = w.reserve(m.id, m.body.length);
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

    it('no slot and no line, no reservation; a cancelled reservation frees its slot', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const w = worker(
        1,
        async (m, lease) => {
          await busy;
          await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
        },
        { perSlot: 0, bytes: 0 },
      );
      w.start();
      const first = newMessage(tenantId);
      const slot = w.reserve(first.id, first.body.length)!;
      w.handOff(await store.insertMessage({ ...first, lease: { node: slot.node, until: slot.leaseUntil } }), {
        body: first.body,
        recipients: first.recipients,
      });
      assert.equal(w.reserve(newId(), 10), null, 'the only slot is busy');
      release();
      for (let i = 0; i < 100 && (await store.message(first.id, ALL_TENANTS))?.state !== 'delivered'; i++)
        await new Promise((r) => setTimeout(r, 20));
      // SQLite: another query may read the committed state while the commit's flush (and so the
      // handler's end, which frees the slot) is still under way
      const id = newId();
      let reserved = w.reserve(id, 10);
      for (let i = 0; i < 100 && !reserved; i++) {
        await new Promise((r) => setTimeout(r, 20));
        reserved = w.reserve(id, 10);
      }
      assert.ok(reserved, 'the slot is free once the delivery has ended');
      w.cancel(id);
      assert.ok(w.reserve(newId(), 10), 'the cancelled slot is free again');
      await w.stop();
    });

    it('with the slot busy, mail waits in the line and is delivered from memory, in order, never claimed', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const calls: Array<{ id: string; preloaded: boolean }> = [];
      const w = worker(1, async (m, lease) => {
        calls.push({ id: m.id, preloaded: lease.preload !== undefined });
        await busy;
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      await pause(60); // the first poll: no due work in the queue
      const rows = [await accept(w), await accept(w), await accept(w)];
      assert.ok(rows.every(Boolean), 'one in the slot, two in the line');
      await pause(100); // several polls while the line waits
      assert.deepEqual(calls.length, 1);
      release();
      for (const row of rows) await untilDelivered(row!.id);
      await w.stop();
      assert.deepEqual(
        calls,
        rows.map((r) => ({ id: r!.id, preloaded: true })),
      );
    });

    it('the line is bounded in messages and bytes, and does not form while due mail waits in the queue', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const handle = async (m: Message, lease: Lease) => {
        await busy;
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      };
      const w = worker(1, handle, { perSlot: 2, bytes: 1_000_000 });
      w.start();
      await pause(60);
      const held = [await accept(w), await accept(w), await accept(w)];
      assert.ok(held.every(Boolean), 'a slot and two places');
      assert.equal(w.reserve(newId(), 10), null, 'the line is full');
      release();
      for (const row of held) await untilDelivered(row!.id);
      await pause(60);
      const slot = w.reserve(newId(), 10);
      assert.ok(slot, 'free again');
      await w.stop();

      const b = worker(1, handle, { perSlot: 4, bytes: 1_000 });
      b.start();
      await pause(60);
      assert.ok(b.reserve(newId(), 5_000), 'a free slot takes any size');
      assert.equal(b.reserve(newId(), 5_000), null, 'the line holds 1,000 bytes');
      assert.ok(b.reserve(newId(), 500), 'a smaller one fits');
      b.wake(); // as the acceptor does after committing a message unleased: due mail waits in the queue
      assert.equal(b.reserve(newId(), 10), null, 'the queue goes first');
      await b.stop();
    });

    it('mail handed over while the worker stops is given back, not delivered, and the stop waits for that', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const delivered: string[] = [];
      const w = worker(1, async (m, lease) => {
        delivered.push(m.id);
        await busy;
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      await pause(60);
      const first = await accept(w);
      const late = newMessage(tenantId);
      const place = w.reserve(late.id, late.body.length);
      assert.ok(first && place);
      const row = await store.insertMessage({ ...late, lease: { node: place.node, until: place.leaseUntil } });
      const stopped = w.stop();
      w.handOff(row, { body: late.body, recipients: late.recipients }); // its commit ended after the stop began
      release();
      await stopped;
      assert.deepEqual(delivered, [first.id]);
      const left = await store.db.selectFrom('messages').select(['state', 'locked_until']).where('id', '=', late.id).executeTakeFirst();
      assert.equal(left?.state, 'queued');
      assert.ok(Number(left?.locked_until ?? 0) < Date.now(), 'no lease left to run out');
      // out of the way of the next test's worker
      await store.db.updateTable('messages').set({ state: 'delivered', due_at: null }).where('id', '=', late.id).execute();
    });

    it('a stop gives the line back: the messages are claimable at once and delivered by the next worker', async () => {
      let release = () => {};
      const busy = new Promise<void>((r) => (release = r));
      const w = worker(1, async (m, lease) => {
        await busy;
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      w.start();
      await pause(60);
      const first = await accept(w);
      const waiting = await accept(w);
      assert.ok(first && waiting);
      const stopped = w.stop();
      release();
      await stopped;
      assert.equal((await store.message(first.id, ALL_TENANTS))?.state, 'delivered');
      const row = await store.db.selectFrom('messages').select(['state', 'locked_until']).where('id', '=', waiting.id).executeTakeFirst();
      assert.equal(row?.state, 'queued');
      assert.ok(Number(row?.locked_until ?? 0) < Date.now(), 'no lease left to run out');
      const calls: Array<{ id: string; preloaded: boolean }> = [];
      const next = worker(1, async (m, lease) => {
        calls.push({ id: m.id, preloaded: lease.preload !== undefined });
        await store.transition(m, lease.node, { state: 'delivered', dueAt: null });
      });
      next.start();
      await untilDelivered(waiting.id);
      await next.stop();
      assert.deepEqual(calls, [{ id: waiting.id, preloaded: false }]);
    });
  });
}
