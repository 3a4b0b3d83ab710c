// Quarantine through the API over SQLite and PostgreSQL with spam received over SMTP: a user
// sees only mail addressed to them, releases it only when the tenant allows self-release, and
// cannot delete; an admin sees and deletes the tenant's; another tenant's admin sees nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { hashPassword } from '../../src/util/password.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { fixture, sendRaw, waitUntil } from '../inbound/shield-helpers.ts';
import { loginApi, type Api } from './api-client.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`console quarantine API on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    const ids: Record<string, string> = {};
    const as: Record<string, Api> = {};

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { pollIntervalMs: 50 }, { inboundRoute: sink.url });
      const store = inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(
        inst.tenantId,
        [
          { email: 'hanako@acme.example', passwordHash: pw, role: 'user' },
          { email: 'admin@acme.example', passwordHash: pw, role: 'admin' },
        ],
        'test',
      );
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      for (const [name, to] of [
        ['taro', USER],
        ['hanako', 'hanako@acme.example'],
      ] as const) {
        const r = await sendRaw(inst.sekisho.ports.inbound, fixture('spam/rspamd/gtube.eml'), { mailFrom: 'bulk@spam.test', to: [to] });
        ids[name] = /queued as (\S+)/.exec(r.text)![1]!;
      }
      for (const [name, email] of [
        ['taro', USER],
        ['admin', 'admin@acme.example'],
        ['gadmin', 'gadmin@globex.example'],
      ])
        as[name!] = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, email!, PASSWORD);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('each role sees what it should', async () => {
      const mine = await as.taro!.call('GET', '/api/quarantine');
      assert.deepEqual(
        mine.json.items.map((i: { id: string }) => i.id),
        [ids.taro],
      );
      assert.equal((await as.taro!.call('GET', `/api/quarantine/${ids.hanako}`)).status, 404);
      const prev = await as.taro!.call('GET', `/api/quarantine/${ids.taro}`);
      assert.equal(prev.status, 200);
      assert.equal(typeof prev.json.text, 'string');
      const all = await as.admin!.call('GET', '/api/quarantine');
      assert.deepEqual(all.json.items.map((i: { id: string }) => i.id).sort(), [ids.taro, ids.hanako].sort());
      assert.deepEqual((await as.gadmin!.call('GET', '/api/quarantine')).json.items, []);
      assert.equal((await as.gadmin!.call('GET', `/api/quarantine/${ids.taro}`)).status, 404);
      assert.equal((await as.gadmin!.call('DELETE', `/api/quarantine/${ids.taro}`)).status, 404);
    });

    it('self-release only when allowed; delete only by admins; audited with the person', async () => {
      assert.equal((await as.taro!.call('POST', `/api/quarantine/${ids.taro}/release`)).status, 403);
      assert.equal((await as.taro!.call('DELETE', `/api/quarantine/${ids.taro}`)).status, 403);
      await updateSettings(inst.sekisho.store, inst.tenantId, { selfRelease: true }, 'test');
      const r = await as.taro!.call('POST', `/api/quarantine/${ids.taro}/release`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      inst.sekisho.worker.wake();
      await waitUntil(async () => sink.messages.find((m) => m.raw.includes(ids.taro!)), 'released delivery');
      const ev = (await inst.sekisho.store.events(ids.taro!)).find((e) => e.type === 'quarantine.released');
      assert.equal(ev?.actor, USER);
      assert.equal((await as.admin!.call('DELETE', `/api/quarantine/${ids.hanako}`)).status, 200);
      assert.equal((await inst.sekisho.store.message(ids.hanako!, ALL_TENANTS))!.state, 'deleted');
    });
  });
}
