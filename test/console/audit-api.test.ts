// GET /api/audit over SQLite and PostgreSQL with real mail over SMTP: filtering by event group,
// user, recipient, date and free text; keyset paging with a total; tenant isolation (an admin of
// acme never sees globex's events; an operator sees all tenants or the one named); the CSV export
// (BOM, header in the viewer's language, Japanese intact, formula injection neutralised, parsed
// back with an RFC 4180 parser, times with the tenant's offset).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { parseCsv } from '../helpers/csv.ts';
import { hashPassword } from '../../src/util/password.ts';
import { mail, startHarness, submit, type Harness } from '../outbound/harness.ts';
import { addOperator } from '../../src/console/operators.ts';
import { loginApi, type Api } from './api-client.ts';

/** "=SUM(1+1) BLOCKME 機密リスト" as an RFC 2047 subject: a formula a spreadsheet would run. */
const FORMULA_SUBJECT = '=SUM(1+1) BLOCKME 機密リスト';
const encoded = `=?UTF-8?B?${Buffer.from(FORMULA_SUBJECT).toString('base64')}?=`;

async function sessionCookie(base: string, email: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

for (const kind of backends()) {
  describe(`audit API on ${kind}`, () => {
    let h: Harness;
    let base: string;
    let started: number;
    const as: Record<string, Api> = {};

    before(async () => {
      started = Date.now() - 1000;
      h = await startHarness(kind);
      base = h.http;
      const store = h.inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(
        h.inst.tenantId,
        [
          { email: 'admin@acme.example', passwordHash: pw, role: 'admin' },
          { email: 'hanako@acme.example', passwordHash: pw, role: 'user' },
        ],
        'test',
      );
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      await addOperator(store, 'ops@sekisho.example', pw, 'test');
      // blocked attempts: refused at SMTP, recorded on the tenant
      await assert.rejects(submit(h, mail(encoded, { to: 'list@gmail.com' }), { to: ['list@gmail.com'] }), /550/);
      // globex has no policy: its mail is accepted, and its blocked attempt is written as the acceptor writes one
      await submit(h, mail('globex mail', { from: 'eve@globex.example' }), { to: ['x@gmail.com'] }, 'eve@globex.example');
      await store.appendEvent({
        tenantId: globex.id,
        messageId: null,
        actor: 'eve@globex.example',
        type: 'policy.blocked',
        data: { rule: 'No free mail', reason: 'free mail', recipients: ['x@gmail.com'], subject: 'BLOCKME globex' },
      });
      await submit(h, mail('HOLDMANUAL hanako', { from: 'hanako@acme.example' }), { to: ['partner@example.net'] }, 'hanako@acme.example');
      for (const [name, email] of [
        ['taro', USER],
        ['admin', 'admin@acme.example'],
        ['gadmin', 'gadmin@globex.example'],
        ['ops', 'ops@sekisho.example'],
      ]) {
        as[name!] = await loginApi(base, email!, PASSWORD);
      }
    });
    after(async () => {
      await h.stop();
    });

    type Item = {
      id: number;
      type: string;
      group: string | null;
      actor: string;
      subject: string | null;
      tenant: string | null;
      messageId: string | null;
    };
    const audit = async (who: string, query: string) => {
      const r = await as[who]!.call('GET', `/api/audit${query}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json as { items: Item[]; next: number | null; total: number };
    };

    it('filters by group: 送信ブロック lists the blocked attempt with its subject and sender', async () => {
      const r = await audit('admin', '?type=blocked');
      assert.deepEqual(
        r.items.map((e) => [e.type, e.group, e.actor, e.subject]),
        [['policy.blocked', 'blocked', USER, FORMULA_SUBJECT]],
      );
      assert.equal(r.total, 1);
      const held = await audit('admin', '?type=held');
      assert.ok(
        held.items.some((e) => e.type === 'held' && e.actor === 'policy' && e.messageId),
        'the held mail is in 保留・承認',
      );
      assert.ok(held.items.every((e) => e.group === 'held'));
      const logins = await audit('admin', '?type=login');
      assert.ok(logins.items.some((e) => e.type === 'console.login' && e.actor === 'admin@acme.example'));
    });

    it('filters by user, recipient, date range and free text', async () => {
      const byHanako = await audit('admin', '?user=hanako');
      assert.ok(byHanako.items.length > 0);
      assert.ok(byHanako.items.every((e) => e.actor.includes('hanako')));
      const toGmail = await audit('admin', '?recipient=gmail.com');
      assert.deepEqual(
        toGmail.items.map((e) => e.type),
        ['policy.blocked'],
      );
      const toPartner = await audit('admin', '?recipient=partner@example.net&type=held');
      assert.ok(
        toPartner.items.some((e) => e.type === 'held'),
        'a held message is found by its recipient (from the message row)',
      );
      assert.equal((await audit('admin', `?from=${Date.now() + 60_000}`)).total, 0);
      assert.equal((await audit('admin', `?to=${started}`)).total, 0);
      const inRange = await audit('admin', `?from=${new Date(started).toISOString()}&to=${Date.now() + 60_000}&type=blocked`);
      assert.equal(inRange.total, 1);
      // the blocked attempt, and the notice that told the sender (its subject quotes the original)
      const found = await audit('admin', `?q=${encodeURIComponent('機密リスト')}`);
      assert.ok(found.items.some((e) => e.type === 'policy.blocked'));
      assert.ok(found.items.every((e) => e.subject?.includes('機密リスト')));
      const bad = await as.admin!.call('GET', '/api/audit?from=yesterday');
      assert.equal(bad.status, 400);
      assert.equal((await as.admin!.call('GET', '/api/audit?type=everything')).status, 400);
    });

    it('pages by keyset with a total that does not change from page to page', async () => {
      const all = await audit('admin', '');
      const first = await audit('admin', '?limit=2');
      assert.equal(first.items.length, 2);
      assert.equal(first.total, all.total);
      const second = await audit('admin', `?limit=2&before=${first.next}`);
      assert.ok(second.items.every((e) => e.id < first.items[1]!.id));
      assert.deepEqual(
        [...first.items, ...second.items].map((e) => e.id),
        all.items.slice(0, first.items.length + second.items.length).map((e) => e.id),
      );
    });

    it("tenant isolation: acme's admin never sees globex's events; users may not read the log", async () => {
      const acme = await audit('admin', '?limit=200');
      assert.ok(acme.items.every((e) => e.tenant === 'acme'));
      assert.ok(!acme.items.some((e) => e.actor.endsWith('@globex.example')));
      // naming another tenant does not widen a tenant admin's scope
      const named = await audit('admin', '?tenant=globex&limit=200');
      assert.ok(named.items.every((e) => e.tenant === 'acme'));
      const globex = await audit('gadmin', '?type=blocked');
      assert.deepEqual(
        globex.items.map((e) => [e.actor, e.tenant]),
        [['eve@globex.example', 'globex']],
      );
      assert.equal((await as.taro!.call('GET', '/api/audit')).status, 403);
    });

    it('operators read every tenant, or the one they name', async () => {
      const all = await audit('ops', '?type=blocked');
      assert.deepEqual(all.items.map((e) => e.tenant).sort(), ['acme', 'globex']);
      const one = await audit('ops', '?type=blocked&tenant=globex');
      assert.deepEqual(
        one.items.map((e) => e.tenant),
        ['globex'],
      );
    });

    it('CSV: BOM, Japanese header, Japanese intact, formula neutralised, parses as RFC 4180', async () => {
      const cookie = await sessionCookie(base, 'admin@acme.example');
      const r = await fetch(`${base}/api/audit?format=csv`, { headers: { cookie, 'accept-language': 'ja,en;q=0.8' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
      assert.match(r.headers.get('content-disposition') ?? '', /attachment; filename="sekisho-audit-\d{4}-\d{2}-\d{2}\.csv"/);
      const bytes = Buffer.from(await r.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
      const text = bytes.subarray(3).toString('utf8');
      assert.ok(text.includes('\r\n'), 'CRLF records');
      const rows = parseCsv(text);
      assert.deepEqual(rows[0], ['日時', '種類', '出来事', '操作者', '内容', '件名', 'メールID', 'テナント']);
      assert.ok(
        rows.slice(1).every((row) => row.length === 8),
        'every row has every column',
      );
      const blocked = rows.find((row) => row[2] === '送信ブロック')!;
      assert.ok(blocked, 'the blocked attempt is in the file, in words');
      assert.equal(blocked[1], '送信ブロック');
      assert.equal(blocked[3], USER);
      assert.equal(blocked[5], `'${FORMULA_SUBJECT}`, 'a subject starting with = gets a leading quote');
      assert.match(blocked[0]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/, 'Asia/Tokyo time, ISO 8601 with its offset');
      assert.match(blocked[4]!, /^送信ブロック — ルール：Block secrets、.*理由：Secrets may not leave the company、宛先：list@gmail\.com/);
      assert.equal(blocked[7], 'acme');
      for (const row of rows.slice(1)) {
        assert.ok(!row.some((cell) => /^[=+\-@]/.test(cell)), `no cell starts a formula: ${row.join(' | ')}`);
        assert.ok(!row[4]!.includes('{"'), 'no raw JSON in the description');
      }
      assert.ok(!rows.some((row) => row.includes('eve@globex.example')), 'no other tenant in the file');
    });

    it('CSV in English when asked; operator export across tenants names each tenant', async () => {
      const cookie = await sessionCookie(base, 'ops@sekisho.example');
      const r = await fetch(`${base}/api/audit?format=csv&lang=en&type=blocked`, { headers: { cookie } });
      const rows = parseCsv((await r.text()).replace(/^\uFEFF/, ''));
      assert.deepEqual(rows[0], ['Time', 'Type', 'Event', 'By', 'Description', 'Subject', 'Message ID', 'Tenant']);
      assert.deepEqual(
        rows
          .slice(1)
          .map((row) => [row[2], row[7]])
          .sort(),
        [
          ['Blocked', 'acme'],
          ['Blocked', 'globex'],
        ],
      );
    });
  });
}
