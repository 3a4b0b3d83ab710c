// Webhooks end to end on SQLite and PostgreSQL, with a real HTTP receiver on loopback: an admin
// adds one over the API (the secret shown once, the action audited); a held and a blocked message
// reach it as signed events that verify with the procedure docs/webhooks.md gives; a 500 is tried
// again and then delivered; a receiver that keeps failing is given up on after the set attempts;
// a disabled webhook is given nothing; removing one is audited; every stage of a message in
// several stages (hold → confirm → approve) starts with its own held event. Backoff is 50 ms here (config).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { loginApi, type Api } from '../console/api-client.ts';
import { mail, submit } from '../outbound/harness.ts';
import { confirm, release } from '../../src/outbound/actions.ts';
import { hashPassword } from '../../src/util/password.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

const POLICY = `version: 1
outbound:
  rules:
    - name: Block secrets
      when: { subject: "BLOCKME" }
      then: [ { block: { reason: "Secrets may not leave the company" } } ]
    - name: Manual hold
      when: { subject: "HOLDMANUAL" }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Three stages
      when: { subject: "THREESTAGES" }
      then: [ { hold: { minutes: 10, release: manual } }, { confirm: { hours: 1 } }, { approve: { by: [boss@acme.example] } } ]
`;
const ADMIN = 'admin@acme.example';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver: records every request; answers each path with its queued statuses, then 200. */
async function startReceiver(): Promise<{ url: string; got: Received[]; answers: Map<string, number[]>; server: Server }> {
  const got: Received[] = [];
  const answers = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.get(req.url ?? '')?.shift() ?? 200;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, answers, server };
}

/** The receiver's check exactly as docs/webhooks.md gives it (written here anew, not imported). */
function verifiedAsDocumented(secret: string, rawBody: string, header: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

for (const kind of backends()) {
  describe(`webhooks on ${kind}`, () => {
    let inst: TestInstance;
    let sink: Sink;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let api: Api;
    let main: { id: string; secret: string };
    const h = () => ({ inst, sink, http: `http://127.0.0.1:${inst.sekisho.ports.http}`, stop: async () => {} });
    const events = (path: string, type: string) => receiver.got.filter((r) => r.path === path && r.headers['sekisho-event'] === type);

    before(async () => {
      receiver = await startReceiver();
      sink = await startSink();
      inst = await startInstance(kind, {
        relay: sink.url,
        pollIntervalMs: 50,
        webhookPollMs: 50,
        webhookRetryBase: '50ms',
        webhookMaxAttempts: 3,
        webhookAllowPrivateTargets: true,
      });
      const store = inst.sekisho.store;
      await store.createUsers(inst.tenantId, [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }], 'test');
      const applied = await applyPolicy(store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok);
      api = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, ADMIN, PASSWORD);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      receiver.server.close();
    });

    it('an admin adds a webhook: the secret is shown once, sealed at rest, and the action audited', async () => {
      const bad = await api.call('POST', '/api/webhooks', { url: 'ftp://example.net/x', events: ['held'] });
      assert.equal(bad.status, 400);
      const created = await api.call('POST', '/api/webhooks', { url: `${receiver.url}/main`, events: ['held', 'blocked', 'released'] });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      assert.match(created.json.secret, /^whsec_/);
      main = { id: created.json.id, secret: created.json.secret };
      const listed = await api.call('GET', '/api/webhooks');
      assert.deepEqual(listed.json.items[0].events, ['held', 'blocked', 'released']);
      assert.equal(JSON.stringify(listed.json).includes(main.secret), false, 'the list never shows the secret');
      const row = await inst.sekisho.store.db.selectFrom('webhooks').select('secret').where('id', '=', main.id).executeTakeFirstOrThrow();
      assert.match(row.secret, /^sk1:/, 'sealed in the database');
      const audit = await inst.sekisho.store.db.selectFrom('events').selectAll().where('type', '=', 'webhook.created').execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.actor, ADMIN);
    });

    it('a held message produces a held event, signed so that the documented check verifies it', async () => {
      const id = await submit(h(), mail('HOLDMANUAL webhook one'), { to: ['partner@example.net'] });
      const [got] = await waitUntil('the held event', () => events('/main', 'held').length > 0 && events('/main', 'held'));
      const payload = JSON.parse(got!.body);
      assert.equal(payload.type, 'held');
      assert.equal(payload.messageId, id);
      assert.equal(payload.tenant, inst.tenantId);
      assert.equal(payload.detail.rule, 'Manual hold');
      assert.equal(payload.detail.stage, 'hold');
      assert.match(payload.occurredAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(got!.headers['sekisho-event-id'], payload.id);
      assert.equal(got!.body.includes('HOLDMANUAL'), false, 'no subject in the payload');
      assert.equal(got!.body.includes('partner@example.net'), false, 'no addresses in the payload');
      const header = String(got!.headers['sekisho-signature']);
      const now = Math.floor(Date.now() / 1000);
      assert.equal(verifiedAsDocumented(main.secret, got!.body, header, now), true);
      assert.equal(verifiedAsDocumented(main.secret, got!.body.replace('held', 'hold'), header, now), false, 'an altered body fails');
      assert.equal(verifiedAsDocumented('whsec_other', got!.body, header, now), false, 'another secret fails');
      assert.equal(verifiedAsDocumented(main.secret, got!.body, header, now + 3600), false, 'a replay an hour later fails');
    });

    it('every stage starts with a held event: hold, then confirm, then approve', async () => {
      const id = await submit(h(), mail('THREESTAGES webhook'), { to: ['partner@example.net'] });
      const heldOf = () =>
        events('/main', 'held')
          .map((r) => JSON.parse(r.body))
          .filter((p) => p.messageId === id);
      await waitUntil('the first stage held', () => heldOf().length === 1);
      const env = { store: inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: h().http };
      const taro = { email: USER, role: 'user' as const, scope: tenantScope(inst.tenantId) };
      await release(env, id, taro);
      await waitUntil('the confirm stage held', () => heldOf().length === 2);
      await confirm(env, id, taro, { recipients: ['partner@example.net'], attachments: [] });
      await waitUntil('the approve stage held', () => heldOf().length === 3);
      assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_approval');
      assert.deepEqual(
        heldOf().map((p) => [p.detail.stage, p.detail.rule, p.by]),
        [
          ['hold', 'Three stages', 'system'],
          ['confirm', 'Three stages', 'system'],
          ['approve', 'Three stages', 'system'],
        ],
      );
      assert.equal(new Set(heldOf().map((p) => p.id)).size, 3, 'three distinct events');
      // the release that ended the first stage is reported as well, by the person
      const released = events('/main', 'released')
        .map((r) => JSON.parse(r.body))
        .filter((p) => p.messageId === id);
      assert.deepEqual(
        released.map((p) => p.by),
        ['person'],
      );
      // and the audit trail holds the same three stage starts
      const starts = (await inst.sekisho.store.events(id)).filter((e) =>
        ['held', 'awaiting_confirmation', 'awaiting_approval'].includes(e.type),
      );
      assert.deepEqual(
        starts.map((e) => [e.type, JSON.parse(e.data).stage]),
        [
          ['held', 0],
          ['awaiting_confirmation', 1],
          ['awaiting_approval', 2],
        ],
      );
    });

    it('a blocked message (never stored) is reported with its queue id', async () => {
      await assert.rejects(submit(h(), mail('BLOCKME webhook'), { to: ['partner@example.net'] }));
      const [got] = await waitUntil('the blocked event', () => events('/main', 'blocked').length > 0 && events('/main', 'blocked'));
      const payload = JSON.parse(got!.body);
      assert.match(payload.messageId, /^[0-9A-Z]{26}$/);
      assert.equal(payload.detail.rule, 'Block secrets');
    });

    it('a 500 is tried again and then delivered; the attempts are listed', async () => {
      const created = await api.call('POST', '/api/webhooks', { url: `${receiver.url}/flaky`, events: ['held'] });
      receiver.answers.set('/flaky', [500]);
      const test = await api.call('POST', `/api/webhooks/${created.json.id}/test`);
      assert.equal(test.status, 200);
      const delivered = await waitUntil('the test delivered', async () => {
        const list = await api.call('GET', `/api/webhooks/deliveries?webhook=${created.json.id}`);
        return list.json.items.find((d: { state: string }) => d.state === 'delivered');
      });
      assert.equal(delivered.attempts, 2);
      assert.equal(delivered.lastStatus, 200);
      const tries = receiver.got.filter((r) => r.path === '/flaky');
      assert.equal(tries.length, 2);
      assert.equal(JSON.parse(tries[0]!.body).id, JSON.parse(tries[1]!.body).id, 'the same event id both times');
      assert.equal(JSON.parse(tries[1]!.body).type, 'test');
    });

    it('a receiver that keeps failing is given up on after the set attempts', async () => {
      const created = await api.call('POST', '/api/webhooks', { url: `${receiver.url}/down`, events: ['held'] });
      receiver.answers.set('/down', [503, 503, 503, 503]);
      await api.call('POST', `/api/webhooks/${created.json.id}/test`);
      const failed = await waitUntil('the delivery given up', async () => {
        const list = await api.call('GET', `/api/webhooks/deliveries?webhook=${created.json.id}`);
        return list.json.items.find((d: { state: string }) => d.state === 'failed');
      });
      assert.equal(failed.attempts, 3);
      assert.equal(failed.lastStatus, 503);
      assert.equal(failed.nextAttemptAt, null);
      assert.equal(receiver.got.filter((r) => r.path === '/down').length, 3);
    });

    it('a disabled webhook is given nothing; removing one asks nothing of the API but is audited', async () => {
      const created = await api.call('POST', '/api/webhooks', { url: `${receiver.url}/off`, events: ['held'] });
      const off = await api.call('PUT', `/api/webhooks/${created.json.id}/enabled`, { enabled: false });
      assert.equal(off.status, 200);
      const id = await submit(h(), mail('HOLDMANUAL webhook two'), { to: ['partner@example.net'] });
      // the message's transaction is where deliveries are enqueued: once it is stored, none exists for the off webhook
      assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'held');
      const queued = await inst.sekisho.store.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', created.json.id)
        .execute();
      assert.equal(queued.length, 0);
      await waitUntil('the enabled webhook got it', () => events('/main', 'held').some((r) => JSON.parse(r.body).messageId === id));
      assert.equal(receiver.got.filter((r) => r.path === '/off').length, 0);

      const removed = await api.call('DELETE', `/api/webhooks/${created.json.id}`);
      assert.equal(removed.status, 200);
      assert.equal((await api.call('DELETE', `/api/webhooks/${created.json.id}`)).status, 404);
      const audit = await inst.sekisho.store.db.selectFrom('events').select('type').where('type', 'like', 'webhook.%').execute();
      assert.deepEqual([...new Set(audit.map((e) => e.type))].sort(), [
        'webhook.created',
        'webhook.deleted',
        'webhook.disabled',
        'webhook.tested',
      ]);
    });

    it('a user who is not an admin cannot see or change webhooks', async () => {
      const user = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, 'taro@acme.example', PASSWORD);
      assert.equal((await user.call('GET', '/api/webhooks')).status, 403);
      assert.equal((await user.call('POST', '/api/webhooks', { url: 'https://x.example/', events: ['held'] })).status, 403);
    });
  });
}
