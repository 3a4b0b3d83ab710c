// The console API over SQLite and PostgreSQL with real mail submitted over SMTP: the role ×
// tenant matrix (each role sees only what it should; other tenants' ids are not found), CSRF on
// session mutations, bearer tokens, login throttling, TOTP, policy validation with line numbers,
// and the audit trail naming the acting person.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { copies, mail, startHarness, submit, waitState, type Harness } from '../outbound/harness.ts';
import { createApiToken } from '../../src/console/session/auth.ts';
import { addOperator } from '../../src/console/operators.ts';
import { totpAt, stepOf } from '../../src/console/session/totp.ts';
import { loginApi, tokenApi, type Api } from './api-client.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`console API on ${kind}`, () => {
    let h: Harness;
    let base: string;
    const ids: Record<string, string> = {};
    const as: Record<string, Api> = {};

    before(async () => {
      h = await startHarness(kind);
      base = h.http;
      const store = h.inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(
        h.inst.tenantId,
        [
          { email: 'admin@acme.example', passwordHash: pw, role: 'admin' },
          { email: 'hanako@acme.example', passwordHash: pw, role: 'user' },
          { email: 'jiro@acme.example', passwordHash: pw, role: 'user' },
        ],
        'test',
      );
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      await addOperator(store, 'ops@sekisho.example', pw, 'test');
      ids.taroHeld = await submit(h, mail('HOLDMANUAL taro'), { to: ['partner@example.net'] });
      ids.taroApprove = await submit(h, mail('APPROVE taro'), { to: ['partner@example.net'] });
      ids.hanakoHeld = await submit(
        h,
        mail('HOLDMANUAL hanako', { from: 'hanako@acme.example' }),
        { to: ['partner@example.net'] },
        'hanako@acme.example',
      );
      ids.eve = await submit(h, mail('globex mail', { from: 'eve@globex.example' }), { to: ['partner@example.net'] }, 'eve@globex.example');
      for (const [name, email] of [
        ['taro', USER],
        ['hanako', 'hanako@acme.example'],
        ['boss', 'boss@acme.example'],
        ['admin', 'admin@acme.example'],
        ['gadmin', 'gadmin@globex.example'],
        ['ops', 'ops@sekisho.example'],
      ]) {
        const a = await loginApi(base, email!, PASSWORD);
        assert.equal(a.loginStatus, 200, `${email} logs in`);
        as[name!] = a;
      }
    });
    after(async () => {
      await h.stop();
    });

    const seen = async (who: string, query = '') =>
      ((await as[who]!.call('GET', `/api/messages${query}`)).json.items as Array<{ id: string }>).map((m) => m.id);

    it('login sets an HttpOnly SameSite session cookie; wrong passwords are refused', async () => {
      const r = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: USER, password: PASSWORD }),
      });
      const cookie = r.headers.get('set-cookie') ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Strict/i);
      const me = await as.taro!.call('GET', '/api/auth/me');
      assert.equal(me.json.email, USER);
      assert.equal(me.json.role, 'user');
      assert.equal((await loginApi(base, USER, 'wrong password')).loginStatus, 401);
      assert.equal((await fetch(`${base}/api/messages`)).status, 401);
      // the console asks whether a session is open without a 401
      const none = await fetch(`${base}/api/auth/session`);
      assert.equal(none.status, 200);
      assert.deepEqual(await none.json(), { me: null });
      assert.equal((await as.taro!.call('GET', '/api/auth/session')).json.me.email, USER);
    });

    it('a user sees only their own mail; other users’ and other tenants’ ids are not found', async () => {
      const taro = await seen('taro');
      assert.ok(taro.includes(ids.taroHeld!) && taro.includes(ids.taroApprove!));
      assert.ok(!taro.includes(ids.hanakoHeld!) && !taro.includes(ids.eve!));
      assert.equal((await as.taro!.call('GET', `/api/messages/${ids.hanakoHeld}`)).status, 404);
      assert.equal((await as.taro!.call('GET', `/api/messages/${ids.eve}`)).status, 404);
      assert.equal((await as.hanako!.call('POST', `/api/messages/${ids.taroHeld}/release`)).status, 404);
      assert.equal((await as.taro!.call('GET', '/api/users')).status, 403);
      assert.equal((await as.taro!.call('GET', '/api/policy')).status, 403);
      // naming another tenant changes nothing for a tenant user
      assert.ok(!(await seen('taro', '?tenant=globex')).includes(ids.eve!));
      const held = await as.taro!.call('GET', '/api/held');
      assert.deepEqual(held.json.items.map((m: { id: string }) => m.id).sort(), [ids.taroHeld, ids.taroApprove].sort());
    });

    it('an approver sees the approvals assigned to them, not other held mail', async () => {
      const q = await as.boss!.call('GET', '/api/approvals');
      assert.deepEqual(
        q.json.items.map((m: { id: string }) => m.id),
        [ids.taroApprove],
      );
      assert.equal((await as.boss!.call('GET', `/api/messages/${ids.taroApprove}`)).status, 200);
      assert.equal((await as.boss!.call('GET', `/api/messages/${ids.taroHeld}`)).status, 404);
      assert.equal((await as.boss!.call('GET', '/api/users')).status, 403);
    });

    it('an admin sees the whole tenant and nothing of another; an operator names the tenant', async () => {
      const admin = await seen('admin');
      for (const k of ['taroHeld', 'taroApprove', 'hanakoHeld']) assert.ok(admin.includes(ids[k]!), k);
      assert.ok(!admin.includes(ids.eve!));
      assert.equal((await as.admin!.call('GET', `/api/messages/${ids.eve}`)).status, 404);
      const g = await seen('gadmin');
      assert.ok(g.includes(ids.eve!) && !g.includes(ids.taroHeld!));
      assert.equal((await as.gadmin!.call('GET', `/api/messages/${ids.taroHeld}`)).status, 404);
      assert.equal((await as.gadmin!.call('POST', `/api/messages/${ids.taroHeld}/cancel`)).status, 404);
      assert.equal((await as.ops!.call('GET', '/api/messages')).status, 400);
      assert.ok((await seen('ops', '?tenant=globex')).includes(ids.eve!));
      const opsAcme = await as.ops!.call('GET', '/api/messages', undefined, { headers: { 'x-sekisho-tenant': 'acme' } });
      assert.ok(opsAcme.json.items.some((m: { id: string }) => m.id === ids.taroHeld));
      const users = await as.admin!.call('GET', '/api/users');
      assert.ok(users.json.items.every((u: { email: string }) => u.email.endsWith('@acme.example')));
    });

    it('search filters and keyset pagination', async () => {
      const bySubject = await seen('admin', '?subject=APPROVE&sender=taro');
      assert.deepEqual(bySubject, [ids.taroApprove]);
      assert.deepEqual(await seen('admin', '?rule=Boss%20approves'), [ids.taroApprove]);
      assert.deepEqual(await seen('admin', '?state=held&sender=hanako'), [ids.hanakoHeld]);
      // LIKE wildcards in the search are literal and case is ignored, on SQLite as on PostgreSQL
      assert.deepEqual(await seen('admin', '?subject=approve%20tar_&sender=taro'), []);
      assert.deepEqual(await seen('admin', '?subject=%25approve&sender=taro'), []);
      assert.deepEqual(await seen('admin', '?subject=approve%20TARO&sender=taro'), [ids.taroApprove]);
      const p1 = await as.admin!.call('GET', '/api/messages?limit=2');
      assert.equal(p1.json.items.length, 2);
      const p2 = await as.admin!.call('GET', `/api/messages?limit=2&before=${p1.json.next}`);
      const all = [...p1.json.items, ...p2.json.items].map((m: { id: string }) => m.id);
      assert.equal(new Set(all).size, all.length, 'pages do not overlap');
    });

    it('a session mutation without the CSRF token is refused; with it, release delivers', async () => {
      const refused = await as.taro!.call('POST', `/api/messages/${ids.taroHeld}/release`, undefined, { csrf: false });
      assert.equal(refused.status, 403);
      assert.equal((await h.inst.sekisho.store.message(ids.taroHeld!, ALL_TENANTS))!.state, 'held');
      const ok = await as.taro!.call('POST', `/api/messages/${ids.taroHeld}/release`);
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      await waitState(h, ids.taroHeld!, 'delivered');
      assert.equal(copies(h, 'HOLDMANUAL taro').length, 1);
      const detail = await as.taro!.call('GET', `/api/messages/${ids.taroHeld}`);
      const released = detail.json.timeline.find((e: { type: string }) => e.type === 'released');
      assert.equal(released.actor, USER);
    });

    it('an approver approves with a comment; the trail names them', async () => {
      const r = await as.boss!.call('POST', `/api/approvals/${ids.taroApprove}/approve`, { comment: 'OK です' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      await waitState(h, ids.taroApprove!, 'delivered');
      const ev = (await h.inst.sekisho.store.events(ids.taroApprove!)).find((e) => e.type === 'approved')!;
      assert.equal(ev.actor, 'boss@acme.example');
      assert.equal(JSON.parse(ev.data).comment, 'OK です');
    });

    it('bearer tokens work without CSRF; unknown tokens are refused', async () => {
      const token = await createApiToken(h.inst.sekisho.store, 'admin@acme.example', 'script', 'test');
      const api = tokenApi(base, token);
      assert.equal((await api.call('GET', '/api/users')).status, 200);
      const added = await api.call('POST', '/api/users', { email: 'new1@acme.example', role: 'user' });
      assert.equal(added.status, 200, JSON.stringify(added.json));
      assert.ok(added.json.generatedPassword.length >= 12);
      assert.equal((await api.call('POST', '/api/users', { email: 'x@globex.example', role: 'user' })).status, 400);
      assert.equal((await tokenApi(base, 'sk_nope').call('GET', '/api/users')).status, 401);
      const ev = (await h.inst.sekisho.store.db.selectFrom('events').selectAll().where('type', '=', 'user.created').execute()).find((e) =>
        e.data.includes('new1@'),
      );
      assert.equal(ev!.actor, 'admin@acme.example');
    });

    it('CSV import is all or nothing with line numbers; roles and manager change', async () => {
      const bad = await as.admin!.call('POST', '/api/users/import', {
        csv: 'address,password,role\nc1@acme.example,,user\nnot-an-address,,user\n',
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].line, 3);
      assert.equal(await h.inst.sekisho.store.userByEmail('c1@acme.example'), undefined);
      const ok = await as.admin!.call('POST', '/api/users/import', {
        csv: 'c1@acme.example,,user,boss@acme.example\nc2@acme.example,longpassword,approver\n',
      });
      assert.equal(ok.json.imported, 2);
      assert.equal((await as.admin!.call('PUT', '/api/users/c1@acme.example', { role: 'approver' })).status, 200);
      assert.equal((await h.inst.sekisho.store.userByEmail('c1@acme.example'))!.approver_email, 'boss@acme.example');
      assert.equal((await as.gadmin!.call('PUT', '/api/users/c1@acme.example', { role: 'admin' })).status, 404);
    });

    it('policy: validation errors name the line; apply refuses bad YAML and changes nothing', async () => {
      const before = await as.admin!.call('GET', '/api/policy');
      assert.ok(before.json.rules.some((r: { name: string }) => r.name === 'Boss approves'));
      const bad =
        'version: 1\noutbound:\n  rules:\n    - name: x\n      when: { subject: "a" }\n      then: [ { hold: { minutes: -5 } } ]\n';
      const v = await as.admin!.call('POST', '/api/policy/validate', { yaml: bad });
      assert.equal(v.json.ok, false);
      assert.equal(v.json.errors[0].line, 6);
      assert.equal((await as.admin!.call('PUT', '/api/policy', { yaml: bad })).status, 400);
      assert.equal((await as.admin!.call('GET', '/api/policy')).json.version, before.json.version);
      const good = await as.admin!.call('PUT', '/api/policy', { yaml: before.json.yaml });
      assert.equal(good.status, 200);
      const ev = await h.inst.sekisho.store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'policy.applied')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      assert.equal(ev!.actor, 'admin@acme.example');
    });

    it('dashboard, domains, DKIM and the OpenAPI document', async () => {
      const d = await as.admin!.call('GET', '/api/dashboard?days=7&tz=Asia/Tokyo');
      assert.ok(d.json.days.reduce((n: number, x: { held: number }) => n + x.held, 0) >= 3);
      assert.ok(d.json.topRules.some((r: { rule: string }) => r.rule === 'Manual hold'));
      assert.ok(d.json.topSenders.some((s: { sender: string }) => s.sender === USER));
      const dk = await as.admin!.call('GET', '/api/dkim');
      assert.deepEqual(dk.json.records, []);
      assert.equal((await as.admin!.call('POST', '/api/dkim/keys')).status, 200);
      const dk2 = await as.admin!.call('GET', '/api/dkim');
      assert.equal(dk2.json.records.length, 2);
      assert.match(dk2.json.records[0].value, /^v=DKIM1/);
      const doms = await as.admin!.call('GET', '/api/domains');
      assert.deepEqual(
        doms.json.items.map((x: { domain: string }) => x.domain),
        ['acme.co.jp', 'acme.example'],
      );
      const doc = await (await fetch(`${base}/api/openapi.json`)).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.paths['/api/messages/{id}/release'].post);
      assert.ok(doc.paths['/api/messages'].get.parameters.some((p: { name: string }) => p.name === 'before'));
    });

    it('TOTP: once enrolled, login needs the code', async () => {
      const a = await loginApi(base, 'jiro@acme.example', PASSWORD);
      const en = await a.call('POST', '/api/auth/totp/enrol');
      assert.match(en.json.otpauthUrl, /^otpauth:\/\/totp\//);
      assert.equal((await a.call('POST', '/api/auth/totp/verify', { code: totpAt(en.json.secret, stepOf(Date.now()) - 1) })).status, 200);
      const noCode = await loginApi(base, 'jiro@acme.example', PASSWORD);
      assert.equal(noCode.loginStatus, 401);
      assert.equal(noCode.loginJson.code, 'totp_required');
      const withCode = await loginApi(base, 'jiro@acme.example', PASSWORD, totpAt(en.json.secret, stepOf(Date.now())));
      assert.equal(withCode.loginStatus, 200);
    });

    it('login is throttled per account after 5 failures (even the right password)', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await loginApi(base, 'hanako@acme.example', 'nope nope')).loginStatus, 401);
      assert.equal((await loginApi(base, 'hanako@acme.example', PASSWORD)).loginStatus, 429);
      // another account from the same address is not locked out
      assert.equal((await loginApi(base, 'c2@acme.example', 'longpassword')).loginStatus, 200);
    });
  });
}
