// People and tenants over their lifetime (issue 19 item 1), on SQLite and PostgreSQL, through the
// real `sekisho` command against a running gateway, over real SMTP and the console API: a disabled
// user's AUTH gets 535 and their console login is refused until enabled again; a domain added is
// accepted inbound (RCPT 250), removed is refused; a disabled tenant's AUTH and inbound mail get
// 5.7.x and its console login is refused. Also the console actions of admins and the self-service
// password change, which ends the user's other sessions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { childEnv, runCli } from '../helpers/process.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi } from '../console/api-client.ts';

const ADMIN = 'admin@acme.example';

/** The reply to AUTH PLAIN over STARTTLS on the submission port. */
async function auth(port: number, user: string, password = PASSWORD): Promise<{ code: number; text: string }> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO client.example');
    await talk.starttls();
    await talk.cmd('EHLO client.example');
    return await talk.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`);
  } finally {
    talk.close();
  }
}

/** One message submitted as `user`; the reply to its data. */
async function submitAs(port: number, user: string): Promise<{ code: number; text: string }> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO client.example');
    await talk.starttls();
    await talk.cmd('EHLO client.example');
    assert.equal((await talk.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64')}`)).code, 235);
    assert.equal((await talk.cmd(`MAIL FROM:<${user}>`)).code, 250);
    assert.equal((await talk.cmd('RCPT TO:<partner@example.net>')).code, 250);
    assert.equal((await talk.cmd('DATA')).code, 354);
    return await talk.cmd(`From: ${user}\r\nTo: partner@example.net\r\nSubject: before leaving\r\n\r\nbody\r\n.`);
  } finally {
    talk.close();
  }
}

/** The reply to RCPT TO on the inbound port (MAIL FROM from outside first). */
async function rcpt(port: number, to: string): Promise<{ code: number; text: string }> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO mx.partner.example');
    const mail = await talk.cmd('MAIL FROM:<someone@partner.example>');
    assert.equal(mail.code, 250, mail.text);
    return await talk.cmd(`RCPT TO:<${to}>`);
  } finally {
    talk.close();
  }
}

/** Directory rows are cached for up to 2 s per process (directory-cache.ts): ask until it holds. */
async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const kind of backends()) {
  describe(`people and tenants on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let env: Record<string, string | undefined>;
    let http: string;
    const cli = (args: string[], stdin?: string) => runCli(args, env, stdin);
    const ports = () => inst.sekisho.ports;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url }, { inboundRoute: sink.url });
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      env = childEnv(inst.db, sink.url, {}, '.');
      http = `http://127.0.0.1:${ports().http}`;
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('a disabled user gets 535 on SMTP AUTH and no console; enable restores both', async () => {
      assert.equal((await auth(ports().submission, USER)).code, 235);
      const before = await loginApi(http, USER, PASSWORD);
      assert.equal(before.loginStatus, 200);
      const off = await cli(['user', 'disable', USER]);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /disabled/);
      const refused = await auth(ports().submission, USER);
      assert.equal(refused.code, 535, refused.text);
      assert.match(refused.text, /5\.7\.8/);
      const login = await loginApi(http, USER, PASSWORD);
      assert.equal(login.loginStatus, 401);
      assert.equal(login.loginJson.code, 'account_disabled');
      assert.equal((await before.call('GET', '/api/auth/me')).status, 401, 'the open session ended');
      // a wrong password is still just wrong: being disabled is said only to whoever knows the password
      assert.equal((await loginApi(http, USER, 'not the password')).loginJson.code, 'invalid');
      assert.equal((await cli(['user', 'enable', USER])).code, 0);
      assert.equal((await auth(ports().submission, USER)).code, 235);
      assert.equal((await loginApi(http, USER, PASSWORD)).loginStatus, 200);
      const events = await inst.sekisho.store.db
        .selectFrom('events')
        .select(['type', 'actor'])
        .where('type', 'in', ['user.disabled', 'user.enabled'])
        .execute();
      assert.deepEqual(events.map((e) => `${e.type}/${e.actor}`).sort(), ['user.disabled/cli', 'user.enabled/cli']);
    });

    it('user set: name, department, role, an approver that must exist in the tenant, hold minutes and confirmation', async () => {
      const nobody = await cli(['user', 'set', USER, '--approver', 'nobody@acme.example']);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /approver nobody@acme\.example is not a user of this tenant/);
      const foreign = await cli(['user', 'set', USER, '--approver', 'eve@globex.example']);
      assert.equal(foreign.code, 1);
      assert.equal((await cli(['user', 'set', USER, '--role', 'boss'])).code, 2, 'unknown role');
      const ok = await cli(['user', 'set', USER, '--approver', ADMIN, '--name', '山田 太郎', '--department', '営業部']);
      assert.equal(ok.code, 0, ok.stderr);
      const range = await cli(['user', 'set', USER, '--hold-minutes', '0']);
      assert.equal(range.code, 1);
      assert.match(range.stderr, /between 1 and 4320/);
      assert.equal((await cli(['user', 'set', USER, '--confirm', 'maybe'])).code, 2, 'on or off');
      const settings = await cli(['user', 'set', USER, '--hold-minutes', '15', '--confirm', 'off']);
      assert.equal(settings.code, 0, settings.stderr);
      assert.match(settings.stdout, /hold minutes 15, confirmation off/);
      const list = JSON.parse((await cli(['user', 'list', '--tenant', 'acme', '--json'])).stdout);
      const taro = list.find((u: { email: string }) => u.email === USER);
      assert.deepEqual([taro.approver, taro.name, taro.department, taro.disabled], [ADMIN, '山田 太郎', '営業部', false]);
      assert.deepEqual([taro.holdMinutes, taro.confirm], [15, false]);
      assert.match((await cli(['user', 'list', '--tenant', 'acme'])).stdout, /taro@acme\.example\tuser\t.*hold 15 min\tconfirm off/);
      assert.equal((await cli(['user', 'set', USER, '--hold-minutes', '', '--confirm', 'on'])).code, 0);
      const back = JSON.parse((await cli(['user', 'list', '--tenant', 'acme', '--json'])).stdout).find(
        (u: { email: string }) => u.email === USER,
      );
      assert.deepEqual([back.holdMinutes, back.confirm], [null, true], 'back to the policy');
      const del = await cli(['user', 'delete', ADMIN]);
      assert.equal(del.code, 1, 'the approver of someone is not deleted');
      assert.match(del.stderr, /approves the mail of taro@acme\.example/);
    });

    it('domain add: inbound RCPT accepted; domain remove: refused', async () => {
      const before = await rcpt(ports().inbound, 'sales@acme-new.example');
      assert.equal(before.code, 550, before.text);
      const add = await cli(['domain', 'add', 'acme-new.example', '--tenant', 'acme', '--inbound-route', sink.url]);
      assert.equal(add.code, 0, add.stderr);
      assert.equal((await rcpt(ports().inbound, 'sales@acme-new.example')).code, 250);
      assert.match((await cli(['domain', 'list'])).stdout, /acme-new\.example\tacme\t/);
      const taken = await cli(['domain', 'add', 'acme-new.example', '--tenant', 'globex']);
      assert.equal(taken.code, 1);
      assert.equal((await cli(['domain', 'remove', 'acme-new.example'])).code, 0);
      const after = await eventually(
        () => rcpt(ports().inbound, 'sales@acme-new.example'),
        (r) => r.code === 550,
      );
      assert.equal(after.code, 550, after.text);
      assert.match(after.text, /5\.7\.1/);
    });

    it('tenant disable: AUTH 535 5.7.8 and inbound 550 5.7.1 with the reason, console refused; enable restores', async () => {
      assert.equal((await cli(['tenant', 'disable', 'acme'])).code, 0);
      const a = await eventually(
        () => auth(ports().submission, USER),
        (r) => r.code !== 235,
      );
      assert.equal(a.code, 535, a.text);
      assert.match(a.text, /5\.7\.8 .*disabled/);
      const r = await eventually(
        () => rcpt(ports().inbound, 'someone@acme.example'),
        (x) => x.code !== 250,
      );
      assert.equal(r.code, 550, r.text);
      assert.match(r.text, /5\.7\.1 .*disabled/);
      assert.equal((await loginApi(http, ADMIN, PASSWORD)).loginJson.code, 'account_disabled');
      // the other tenant is untouched
      assert.equal((await auth(ports().submission, 'eve@globex.example')).code, 235);
      assert.match((await cli(['tenant', 'show', 'acme'])).stdout, /DISABLED/);
      assert.equal((await cli(['tenant', 'enable', 'acme'])).code, 0);
      assert.equal(
        (
          await eventually(
            () => auth(ports().submission, USER),
            (x) => x.code === 235,
          )
        ).code,
        235,
      );
      assert.equal((await rcpt(ports().inbound, 'someone@acme.example')).code, 250);
      const all = JSON.parse((await cli(['tenant', 'list', '--json'])).stdout);
      assert.deepEqual(
        all.map((t: { name: string; disabled: boolean }) => [t.name, t.disabled]),
        [
          ['acme', false],
          ['globex', false],
        ],
      );
    });

    it('admins disable, enable, re-password and change roles in the API; a user changes their own password', async () => {
      const admin = await loginApi(http, ADMIN, PASSWORD);
      const path = `/api/users/${encodeURIComponent(USER)}`;
      assert.equal((await admin.call('POST', `${path}/disable`)).status, 200);
      assert.equal((await auth(ports().submission, USER)).code, 535);
      assert.equal((await admin.call('POST', `${path}/enable`)).json.changed, true);
      assert.equal((await admin.call('POST', `/api/users/${encodeURIComponent(ADMIN)}/disable`)).json.code, 'own_account');
      assert.equal((await admin.call('POST', '/api/users/eve%40globex.example/disable')).status, 404, 'another tenant’s user');
      assert.equal((await admin.call('PUT', path, { approver: 'eve@globex.example' })).json.code, 'no_such_approver');
      assert.equal((await admin.call('PUT', path, { role: 'approver', name: '山田 太郎' })).status, 200);
      const reset = await admin.call('POST', `${path}/password`, {});
      assert.equal(reset.status, 200);
      const generated = reset.json.generatedPassword as string;
      assert.equal((await auth(ports().submission, USER, generated)).code, 235);
      // self-service: the current password is required; other sessions end, this one stays
      const phone = await loginApi(http, USER, generated);
      const laptop = await loginApi(http, USER, generated);
      const wrong = await laptop.call('POST', '/api/auth/password', { currentPassword: 'nope', newPassword: PASSWORD });
      assert.equal(wrong.json.code, 'wrong_password');
      const short = await laptop.call('POST', '/api/auth/password', { currentPassword: generated, newPassword: 'short' });
      assert.equal(short.json.code, 'password_too_short');
      const changed = await laptop.call('POST', '/api/auth/password', { currentPassword: generated, newPassword: PASSWORD });
      assert.equal(changed.status, 200, JSON.stringify(changed.json));
      assert.equal(changed.json.sessionsEnded, 1);
      assert.equal((await laptop.call('GET', '/api/auth/me')).status, 200);
      assert.equal((await phone.call('GET', '/api/auth/me')).status, 401);
      const types = await inst.sekisho.store.db.selectFrom('events').select('type').where('actor', 'in', [ADMIN, USER]).execute();
      for (const t of ['user.disabled', 'user.enabled', 'user.updated', 'user.password_set']) {
        assert.ok(
          types.some((e) => e.type === t),
          t,
        );
      }
    });

    it('user delete: their mail and audit trail stay, attributed; passwd and reset-2fa', async () => {
      const sent = await submitAs(ports().submission, 'eve@globex.example');
      assert.equal(sent.code, 250, sent.text);
      const pw = await cli(['user', 'passwd', 'eve@globex.example', '--password-stdin'], 'another password 1\n');
      assert.equal(pw.code, 0, pw.stderr);
      assert.equal((await auth(ports().submission, 'eve@globex.example', 'another password 1')).code, 235);
      assert.equal((await cli(['user', 'reset-2fa', 'eve@globex.example'])).code, 0);
      const del = await cli(['user', 'delete', 'eve@globex.example']);
      assert.equal(del.code, 0, del.stderr);
      assert.equal((await auth(ports().submission, 'eve@globex.example', 'another password 1')).code, 535);
      const events = await inst.sekisho.store.db.selectFrom('events').selectAll().where('type', '=', 'user.deleted').execute();
      assert.equal(JSON.parse(events[0]!.data).email, 'eve@globex.example');
      const kept = await inst.sekisho.store.db
        .selectFrom('messages')
        .select('id')
        .where('submitted_by', '=', 'eve@globex.example')
        .execute();
      assert.equal(kept.length, 1, 'their mail stays, attributed to the address');
    });
  });
}
