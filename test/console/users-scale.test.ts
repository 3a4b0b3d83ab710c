// The users page's API on SQLite and PostgreSQL with 10,000 users inserted through the store:
// keyset pages in address order (every user exactly once across the pages, total on each),
// search in address, name and department (LIKE wildcards taken literally), and the CSV import
// with name, department, hold minutes and 送信確認: every bad row reported at once with its line and
// code, nothing imported while any row is bad; the export writes the same columns back.
// Shapes are asserted, never times.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi, type Api } from './api-client.ts';
import { usersCsv } from '../../src/users/user-csv.ts';

const ADMIN = 'admin@acme.example';
const N = 10_000;
const DEPTS = ['営業部', '経理部', '情報システム部', 'R&D_100%'];

for (const kind of backends()) {
  describe(`users paging, search and CSV import on ${kind}`, () => {
    let inst: TestInstance;
    let admin: Api;
    let base: string;

    before(async () => {
      inst = await startInstance(kind);
      base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const hash = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(inst.tenantId, [{ email: ADMIN, passwordHash: hash, role: 'admin' }], 'test');
      const many = Array.from({ length: N }, (_, i) => ({
        email: `u${String(i).padStart(5, '0')}@acme.example`,
        passwordHash: null,
        role: 'user' as const,
        name: i === 4242 ? '山田 花子' : `社員 ${i}`,
        department: DEPTS[i % DEPTS.length]!,
      }));
      await inst.sekisho.store.createUsers(inst.tenantId, many, 'test');
      admin = await loginApi(base, ADMIN, PASSWORD);
    });
    after(async () => {
      await inst.stop();
    });

    it('pages of 200 walk all 10,002 users once, in order', async () => {
      const seen: string[] = [];
      let afterEmail: string | null = null;
      let pages = 0;
      do {
        const qs: string = `?limit=200${afterEmail ? `&after=${encodeURIComponent(afterEmail)}` : ''}`;
        const r = await admin.call('GET', `/api/users${qs}`);
        assert.equal(r.status, 200);
        assert.equal(r.json.total, N + 2, 'the instance user, the admin and the 10,000');
        assert.ok(r.json.items.length <= 200);
        seen.push(...r.json.items.map((u: { email: string }) => u.email));
        afterEmail = r.json.nextAfter;
        pages++;
      } while (afterEmail);
      assert.equal(pages, Math.ceil((N + 2) / 200));
      assert.equal(seen.length, N + 2);
      assert.equal(new Set(seen).size, N + 2);
      assert.deepEqual(seen, [...seen].sort());
      const first = (await admin.call('GET', '/api/users')).json;
      assert.equal(first.items.length, 50, 'the default page');
      assert.deepEqual(Object.keys(first.items[0]).sort(), [
        'approver',
        'confirm',
        'createdAt',
        'department',
        'disabled',
        'email',
        'holdMinutes',
        'language',
        'maySendAs',
        'name',
        'role',
        'twoFactor',
      ]);
      assert.equal((await admin.call('GET', '/api/users?limit=5000')).status, 400);
    });

    it('search finds by name, department and address; wildcards are literal', async () => {
      const byName = (await admin.call('GET', `/api/users?q=${encodeURIComponent('山田')}`)).json;
      assert.equal(byName.total, 1);
      assert.equal(byName.items[0].email, 'u04242@acme.example');
      const byDept = (await admin.call('GET', `/api/users?q=${encodeURIComponent('経理')}&limit=200`)).json;
      assert.equal(byDept.total, N / 4);
      assert.equal(byDept.items.length, 200);
      assert.ok(byDept.items.every((u: { department: string }) => u.department === '経理部'));
      const next = (
        await admin.call('GET', `/api/users?q=${encodeURIComponent('経理')}&limit=200&after=${encodeURIComponent(byDept.nextAfter)}`)
      ).json;
      assert.ok(next.items[0].email > byDept.items[199].email);
      assert.equal((await admin.call('GET', '/api/users?q=U09999')).json.total, 1, 'case-insensitive');
      assert.equal((await admin.call('GET', `/api/users?q=${encodeURIComponent('_100%')}`)).json.total, N / 4);
      assert.equal((await admin.call('GET', `/api/users?q=${encodeURIComponent('%')}`)).json.total, N / 4, '% matches only a %');
      assert.equal((await admin.call('GET', '/api/users?q=nobody-like-this')).json.total, 0);
    });

    it(
      'CSV import: every bad row at once (an approver who is no user either), nothing imported; then a good file with ' +
        'name and department',
      async () => {
        const bad = [
          'address,password,role,approver,name,department',
          'new1@acme.example,,user,,新人 一郎,営業部',
          'not-an-address,,user',
          'new2@acme.example,,boss',
          'u00001@acme.example,,user',
          'new3@elsewhere.example,,user',
          'new1@acme.example,,user',
          'new4@acme.example,,user,nobody@acme.example',
          'new5@acme.example,,user,new1@acme.example',
          'new6@acme.example,,user,,,,0',
          'new7@acme.example,,user,,,,10,maybe',
          'new8@acme.example,,user,,,,2.5,off',
        ].join('\n');
        const r = await admin.call('POST', '/api/users/import', { csv: bad });
        assert.equal(r.status, 400);
        assert.equal(r.json.code, 'csv_invalid');
        assert.deepEqual(
          r.json.errors.map((e: { line: number; code: string; value: string }) => [e.line, e.code, e.value]),
          [
            [3, 'bad_email', 'not-an-address'],
            [4, 'bad_role', 'boss'],
            [5, 'exists', 'u00001@acme.example'],
            [6, 'not_in_domain', 'new3@elsewhere.example'],
            [7, 'duplicate', 'new1@acme.example'],
            [8, 'no_such_approver', 'nobody@acme.example'],
            [10, 'bad_hold_minutes', '0'],
            [11, 'bad_confirm', 'maybe'],
            [12, 'bad_hold_minutes', '2.5'],
          ],
        );
        assert.equal(await inst.sekisho.store.userByEmail('new1@acme.example'), undefined, 'nothing imported');

        const good =
          '\uFEFFaddress,password,role,approver,name,department,holdMinutes,confirm\n' +
          'new1@acme.example,,user,admin@acme.example,新人 一郎,営業部\nnew9@acme.example,,user,,,,15,オフ\n';
        const ok = await admin.call('POST', '/api/users/import', { csv: good });
        assert.equal(ok.status, 200);
        assert.equal(ok.json.imported, 2);
        const u = (await admin.call('GET', `/api/users?q=${encodeURIComponent('新人')}`)).json.items[0];
        assert.deepEqual([u.email, u.name, u.department, u.approver], ['new1@acme.example', '新人 一郎', '営業部', ADMIN]);
        assert.deepEqual([u.holdMinutes, u.confirm], [null, true], 'empty settings: the policy’s');
        const s = (await admin.call('GET', '/api/users?q=new9')).json.items[0];
        assert.deepEqual([s.holdMinutes, s.confirm], [15, false]);

        // the export writes the import's columns, settings included, and no password
        const res = await admin.call('GET', '/api/users/export');
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
        assert.ok(usersCsv([]).startsWith('\uFEFF'), 'a BOM for Excel (fetch’s text() drops it)');
        assert.ok(res.text.startsWith('address,password,role,approver,name,department,holdMinutes,confirm\r\n'));
        const lines = res.text.split('\r\n');
        assert.equal(lines.length, 1 + (10_000 + 2 + 2) + 1, 'the header, every user (and the two imported), a final line end');
        assert.ok(lines.includes('new1@acme.example,,user,admin@acme.example,新人 一郎,営業部,,on'));
        assert.ok(lines.includes('new9@acme.example,,user,,,,15,off'));
      },
    );
  });
}
