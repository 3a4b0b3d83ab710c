// メール検索 and 隔離 list APIs over SQLite and PostgreSQL, with real mail over SMTP: the search
// separates outbound, inbound and Sekisho's own notices (hidden unless asked for), counts every
// page, offers the policy's rules and refuses a date range that ends before it starts; the
// quarantine list gives the decoded From display name, filters by reason class, recipient, dates
// and text, pages by keyset with the total (by reason and for a recipient too), and bulk
// release / delete follow the single actions' rules, audited per message.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { hashPassword } from '../../src/util/password.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { sendRaw, waitUntil } from '../inbound/shield-helpers.ts';
import { ADMIN, CEO_NAME, ceoSpam, HANAKO, inboundMail, POLICY } from './lists-mail.ts';
import { mail, submit } from '../outbound/harness.ts';
import { exeMail } from '../inbound/release-mail.ts';
import { loginApi, type Api } from './api-client.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`message search and quarantine lists on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    const ids: Record<string, string> = {};
    const as: Record<string, Api> = {};

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 50 }, { inboundRoute: sink.url });
      const store = inst.sekisho.store;
      const applied = await applyPolicy(store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok, JSON.stringify(applied.errors));
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(
        inst.tenantId,
        [
          { email: ADMIN, passwordHash: pw, role: 'admin' },
          { email: HANAKO, passwordHash: pw, role: 'user' },
        ],
        'test',
      );
      const h = { inst, sink, http: `http://127.0.0.1:${inst.sekisho.ports.http}`, stop: async () => {} };
      ids.out = await submit(h, mail('LISTS outbound hello'), { to: ['partner@example.net'] });
      ids.held = await submit(h, mail('LISTS HOLDMANUAL'), { to: ['partner@example.net'] });
      // refused at SMTP (nothing stored) and its sender told by a notice: Sekisho's own mail
      await assert.rejects(submit(h, mail('LISTS BLOCKME'), { to: ['partner@example.net'] }), /550/);
      const queued = async (raw: Buffer, to: string) => {
        const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom: 'x@sender.test', to: [to] });
        const id = /queued as (\S+)/.exec(reply.text)?.[1];
        assert.ok(id, reply.text);
        return id;
      };
      ids.in = await queued(inboundMail('LISTS inbound PARTNER', USER), USER);
      ids.ceo = await queued(ceoSpam(USER, 'LISTS 至急の振込'), USER);
      ids.spamHanako = await queued(ceoSpam(HANAKO, 'LISTS cheap 100%_off'), HANAKO);
      ids.exe = await queued(exeMail('LISTS 請求書'), HANAKO);
      inst.sekisho.worker.wake();
      await waitUntil(async () => (await store.message(ids.in!, ALL_TENANTS))?.state === 'delivered' || undefined, 'inbound delivered');
      await waitUntil(async () => (await store.message(ids.out!, ALL_TENANTS))?.state === 'delivered' || undefined, 'outbound delivered');
      for (const id of [ids.ceo, ids.spamHanako, ids.exe])
        await waitUntil(async () => (await store.message(id!, ALL_TENANTS))?.state === 'quarantined' || undefined, `${id} quarantined`);
      await waitUntil(
        async () =>
          (await store.db.selectFrom('messages').select('id').where('submitted_by', '=', 'system').executeTakeFirst()) ?? undefined,
        'the block notice',
      );
      for (const [name, email] of [
        ['taro', USER],
        ['hanako', HANAKO],
        ['admin', ADMIN],
      ])
        as[name!] = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, email!, PASSWORD);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    const search = async (query: string) => (await as.admin!.call('GET', `/api/messages?subject=LISTS${query}`)).json;

    it('search separates outbound, inbound and notices; notices only when asked for', async () => {
      const all = await search('');
      const mine = all.items.map((m: { id: string }) => m.id);
      assert.ok(mine.includes(ids.out) && mine.includes(ids.in) && mine.includes(ids.held));
      assert.ok(
        all.items.every((m: { notice: boolean }) => !m.notice),
        'no notices by default',
      );
      assert.deepEqual((await search('&direction=inbound')).items.map((m: { id: string }) => m.id).includes(ids.out), false);
      const inbound = (await search('&direction=inbound')).items.find((m: { id: string }) => m.id === ids.in);
      assert.equal(inbound.direction, 'inbound');
      assert.equal(inbound.state, 'delivered');
      assert.ok(!(await search('&direction=outbound')).items.some((m: { id: string }) => m.id === ids.in));
      // the block notice to taro (Sekisho's own mail) is there only with notices=true
      const noticed = await as.admin!.call('GET', '/api/messages?notices=true&limit=200');
      const notices = noticed.json.items.filter((m: { notice: boolean }) => m.notice);
      assert.ok(notices.length >= 1, 'the block notice is listed');
      const hidden = await as.admin!.call('GET', '/api/messages?limit=200');
      assert.equal(hidden.json.total + notices.length, noticed.json.total);
    });

    it('counts every page; the rule list is the policy’s; a backwards date range is an error, not no results', async () => {
      const p1 = await as.admin!.call('GET', '/api/messages?subject=LISTS&limit=2');
      assert.equal(p1.json.items.length, 2);
      const total = p1.json.total;
      assert.equal(total, 6, 'outbound, held, inbound and three quarantined');
      const p2 = await as.admin!.call('GET', `/api/messages?subject=LISTS&limit=2&before=${p1.json.next}`);
      assert.equal(p2.json.total, total, 'the total is of every page');
      assert.deepEqual((await as.admin!.call('GET', '/api/messages/rules')).json.items, [
        { name: 'Block secrets', direction: 'outbound' },
        { name: 'Manual hold', direction: 'outbound' },
        { name: 'Partner mail', direction: 'inbound' },
      ]);
      assert.deepEqual(
        (await search('&rule=Manual%20hold')).items.map((m: { id: string }) => m.id),
        [ids.held],
      );
      const bad = await as.admin!.call('GET', '/api/messages?from=2026-06-02&to=2026-06-01');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.code, 'bad_range');
      // a user's count is of their own mail only
      const taro = await as.taro!.call('GET', '/api/messages?subject=LISTS');
      assert.equal(taro.json.total, taro.json.items.length);
      assert.ok(taro.json.items.every((m: { direction: string }) => m.direction === 'outbound'));
    });

    it('the quarantine list decodes the From name and filters by reason, recipient, dates and text', async () => {
      const list = async (query = '', who = 'admin') =>
        (await as[who]!.call('GET', `/api/quarantine${query}`)).json as {
          items: Array<{ id: string; fromName: string; fromAddress: string; releaseClass: string; mayRelease: boolean }>;
          reasons: Array<{ value: string; label: { ja: string; en: string } }>;
        };
      const all = await list();
      const ceo = all.items.find((i) => i.id === ids.ceo)!;
      assert.equal(ceo.fromName, CEO_NAME);
      assert.equal(ceo.fromAddress, 'ceo@lookalike.test');
      assert.deepEqual(all.reasons.find((r) => r.value === 'malware')?.label, { ja: 'ウイルス検出', en: 'Virus detected' });
      assert.deepEqual(
        (await list('?reason=dangerousAttachment')).items.map((i) => i.id),
        [ids.exe],
      );
      assert.deepEqual((await list('?reason=spam')).items.map((i) => i.id).sort(), [ids.ceo, ids.spamHanako].sort());
      assert.deepEqual((await list('?recipient=HANAKO')).items.map((i) => i.id).sort(), [ids.spamHanako, ids.exe].sort());
      // LIKE wildcards in the search are literal and case is ignored
      assert.deepEqual(
        (await list('?search=100%25_OFF')).items.map((i) => i.id),
        [ids.spamHanako],
      );
      assert.deepEqual((await list('?search=100_%25')).items, []);
      assert.deepEqual((await list('?to=2000-01-01')).items, []);
      assert.equal((await list('?from=2000-01-01')).items.length, 3);
      const bad = await as.admin!.call('GET', '/api/quarantine?from=2026-06-02&to=2026-06-01');
      assert.equal(bad.json.code, 'bad_range');
      // what hanako may release, as the single release decides it: nothing while self-release is off
      assert.ok((await list('', 'hanako')).items.every((i) => !i.mayRelease));
      assert.ok(
        all.items.every((i) => i.mayRelease),
        'an admin releases every class',
      );
    });

    it('the quarantine list pages by keyset with the total, also by reason and for a recipient', async () => {
      type Page = { items: Array<{ id: string }>; next: string | null; total: number };
      const page = async (query: string, who = 'admin') => (await as[who]!.call('GET', `/api/quarantine${query}`)).json as Page;
      const walk = async (query: string, who = 'admin') => {
        const seen: string[] = [];
        let before: string | null = null;
        const totals = new Set<number>();
        do {
          const p: Page = await page(`?limit=1${query}${before ? `&before=${before}` : ''}`, who);
          seen.push(...p.items.map((i) => i.id));
          totals.add(p.total);
          before = p.next;
        } while (before);
        return { seen, totals: [...totals] };
      };
      const first = await page('?limit=2');
      assert.equal(first.items.length, 2);
      assert.equal(first.total, 3);
      const second = await page(`?limit=2&before=${first.next}`);
      assert.deepEqual([second.items.length, second.next, second.total], [1, null, 3]);
      assert.deepEqual(
        [...first.items, ...second.items].map((i) => i.id).sort(),
        [ids.ceo, ids.spamHanako, ids.exe].sort(),
        'every message once',
      );
      const spam = await walk('&reason=spam');
      assert.deepEqual([spam.seen.sort(), spam.totals], [[ids.ceo, ids.spamHanako].sort(), [2]]);
      const hanako = await walk('', 'hanako');
      assert.deepEqual([hanako.seen.sort(), hanako.totals], [[ids.spamHanako, ids.exe].sort(), [2]]);
      const none = await page('?search=nothing-like-this');
      assert.deepEqual([none.items, none.next, none.total], [[], null, 0]);
    });

    it('bulk release follows the verdict-class rules per message; bulk delete is for admins; each audited', async () => {
      await updateSettings(inst.sekisho.store, inst.tenantId, { selfRelease: true }, 'test');
      const hanakoList = (await as.hanako!.call('GET', '/api/quarantine')).json.items as Array<{ id: string; mayRelease: boolean }>;
      assert.deepEqual(Object.fromEntries(hanakoList.map((i) => [i.id, i.mayRelease])), { [ids.spamHanako!]: true, [ids.exe!]: false });
      const r = await as.hanako!.call('POST', '/api/quarantine/bulk-release', { ids: [ids.spamHanako, ids.exe, ids.ceo] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.done, 1);
      assert.equal(r.json.failed, 2);
      const byId = Object.fromEntries(r.json.results.map((x: { id: string }) => [x.id, x]));
      assert.equal(byId[ids.exe!].code, 'admin_only');
      assert.equal(byId[ids.exe!].status, 403);
      assert.equal(byId[ids.ceo!].status, 404, "another person's mail is not found");
      const released = (await inst.sekisho.store.events(ids.spamHanako!)).find((e) => e.type === 'quarantine.released');
      assert.equal(released?.actor, HANAKO);
      assert.equal((await as.hanako!.call('POST', '/api/quarantine/bulk-delete', { ids: [ids.exe] })).status, 403);

      const d = await as.admin!.call('POST', '/api/quarantine/bulk-delete', { ids: [ids.exe, ids.ceo, ids.spamHanako] });
      assert.equal(d.json.done, 2);
      assert.equal(d.json.results.find((x: { id: string }) => x.id === ids.spamHanako).code, 'wrong_state');
      for (const id of [ids.exe!, ids.ceo!]) {
        assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'deleted');
        const ev = (await inst.sekisho.store.events(id)).find((e) => e.type === 'quarantine.deleted');
        assert.equal(ev?.actor, ADMIN);
      }
    });
  });
}
