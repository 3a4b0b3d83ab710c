// Queue control through the API (/api/queue) on SQLite and PostgreSQL, against a smart host that
// defers: an admin lists the tenant's waiting mail with filters, retries one message (delivered
// once the host accepts), retries every deferred one, deletes one (audited with the admin);
// a user is refused and another tenant's admin neither sees nor touches it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi, type Api } from './api-client.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

async function send(port: number, to: string, subject: string): Promise<string> {
  const t = submissionClient(port);
  const info = await t.sendMail({ from: USER, to, subject, text: 'キュー操作\n' });
  t.close();
  return /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
}

for (const kind of backends()) {
  describe(`queue control API on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let accept = false;
    const as: Record<string, Api> = {};
    const ids: string[] = [];

    before(async () => {
      sink = await startSink();
      sink.rcptHook = () => (accept ? null : { code: 451, text: '4.3.2 try again later' });
      // the retry schedule is long: only an operator's retry brings a deferred message back early
      inst = await startInstance(kind, { relay: sink.url, retrySchedule: '1h', pollIntervalMs: 50 });
      const store = inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(inst.tenantId, [{ email: 'admin@acme.example', passwordHash: pw, role: 'admin' }], 'test');
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      const base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      for (const [name, email] of [
        ['admin', 'admin@acme.example'],
        ['user', USER],
        ['gadmin', 'gadmin@globex.example'],
      ] as const)
        as[name] = await loginApi(base, email, PASSWORD);
      for (const to of ['a@partner.example', 'b@partner.example', 'c@other.example'])
        ids.push(await send(inst.sekisho.ports.submission, to, `queue ${to}`));
      await waitUntil('three deferred messages', async () =>
        (await Promise.all(ids.map((id) => store.message(id, ALL_TENANTS)))).every((m) => m?.state === 'deferred'),
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it("lists the waiting mail of the admin's tenant only, with filters; users are refused", async () => {
      const all = await as.admin!.call('GET', '/api/queue');
      assert.equal(all.status, 200, JSON.stringify(all.json));
      assert.deepEqual(all.json.items.map((i: { id: string }) => i.id).sort(), [...ids].sort());
      assert.ok(all.json.items.every((i: { state: string }) => i.state === 'deferred'));
      const one = await as.admin!.call('GET', '/api/queue?recipient=C@other.example&state=deferred');
      assert.deepEqual(
        one.json.items.map((i: { id: string }) => i.id),
        [ids[2]],
      );
      assert.equal((await as.admin!.call('GET', '/api/queue?since=yesterday-ish')).status, 400);
      assert.equal((await as.user!.call('GET', '/api/queue')).status, 403);
      assert.deepEqual((await as.gadmin!.call('GET', '/api/queue')).json.items, []);
    });

    it("another tenant's admin can neither retry nor delete", async () => {
      assert.equal((await as.gadmin!.call('POST', `/api/queue/${ids[0]}/retry`)).status, 404);
      assert.equal((await as.gadmin!.call('DELETE', `/api/queue/${ids[0]}`)).status, 404);
      assert.equal((await as.gadmin!.call('POST', '/api/queue/retry-deferred')).json.changed.length, 0);
      assert.equal((await inst.sekisho.store.message(ids[0]!, ALL_TENANTS))!.state, 'deferred');
    });

    it('retry now delivers once the host accepts; delete is audited; retry-deferred takes the rest', async () => {
      accept = true;
      const r = await as.admin!.call('POST', `/api/queue/${ids[0]}/retry`);
      assert.deepEqual(r.json, { changed: [ids[0]], skipped: [] });
      await waitUntil(
        'delivery after the retry',
        async () => (await inst.sekisho.store.message(ids[0]!, ALL_TENANTS))?.state === 'delivered',
      );
      assert.equal(sink.messages.filter((m) => m.recipients.includes('a@partner.example')).length, 1, 'delivered exactly once');

      const del = await as.admin!.call('DELETE', `/api/queue/${ids[1]}?reason=wrong%20recipient`);
      assert.deepEqual(del.json, { changed: [ids[1]], skipped: [] });
      const ev = (await inst.sekisho.store.events(ids[1]!)).find((e) => e.type === 'deleted');
      assert.equal(ev?.actor, 'admin@acme.example');
      assert.match(ev!.data, /wrong recipient/);
      assert.equal((await as.admin!.call('POST', `/api/queue/${ids[1]}/retry`)).json.skipped[0].reason, 'state is deleted');

      const rest = await as.admin!.call('POST', '/api/queue/retry-deferred');
      assert.deepEqual(rest.json.changed, [ids[2]]);
      await waitUntil('delivery of the rest', async () => (await inst.sekisho.store.message(ids[2]!, ALL_TENANTS))?.state === 'delivered');
      assert.ok(!sink.messages.some((m) => m.recipients.includes('b@partner.example')), 'the deleted message was never sent');
    });
  });
}
