// Password guessing against console login and SMTP AUTH, on SQLite and PostgreSQL (issue 17):
// concurrent guesses cannot get past the count, an account's back-off slows strangers without
// locking out the addresses its owner logged in from, one account's success forgets nobody
// else's failures, and an unknown account costs the same scrypt as a known one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { consoleLoginThrottle, login, MAX_FAILS_PER_IP, type LoginOutcome } from '../../src/console/session/auth.ts';
import { FREE_FAILURES, MAX_WAIT_MS } from '../../src/throttle/login-throttle.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi } from '../console/api-client.ts';

/** the SMTP reply code of an AUTH attempt (235 when it succeeded) */
async function smtpAuth(port: number, user: string, pass: string): Promise<number> {
  try {
    await submissionClient(port, user, pass).verify();
    return 235;
  } catch (err) {
    return (err as { responseCode?: number }).responseCode ?? 0;
  }
}

/** how many scrypt computations `fn` starts (each one is a thread-pool job of this type) */
async function scryptsDuring(fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'SCRYPTREQUEST') n++;
    },
  }).enable();
  try {
    await fn();
  } finally {
    hook.disable();
  }
  return n;
}

const reasons = (outcomes: LoginOutcome[]) => {
  const count: Record<string, number> = {};
  for (const o of outcomes) count[o.ok ? 'ok' : o.reason] = (count[o.ok ? 'ok' : o.reason] ?? 0) + 1;
  return count;
};

for (const kind of backends()) {
  describe(`login throttling on ${kind}`, () => {
    let inst: TestInstance;
    let port: number;

    before(async () => {
      inst = await startInstance(kind, { authFailLimit: 5 });
      port = inst.sekisho.ports.submission;
      const pw = await hashPassword(PASSWORD);
      const names = ['hanako', 'jiro', 'saburo', 'shiro', 'goro', 'rokuro'];
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        names.map((n) => ({ email: `${n}@acme.example`, passwordHash: pw, role: 'user' as const })),
        'test',
      );
    });
    after(async () => {
      await inst.stop();
    });

    it('an unknown account costs the same scrypt as a known one (console and SMTP)', async () => {
      const store = inst.sekisho.store;
      const ip = '192.0.2.77';
      await login(store, { email: 'nobody-warm@acme.example', password: 'x', ip }); // the dummy hash is made once
      assert.equal(await scryptsDuring(() => login(store, { email: 'hanako@acme.example', password: 'wrong', ip })), 1);
      assert.equal(await scryptsDuring(() => login(store, { email: 'nobody-at-all@acme.example', password: 'wrong', ip })), 1);
      assert.equal(await scryptsDuring(() => login(store, { email: 'ops-nobody@nowhere.example', password: 'wrong', ip })), 1);
      assert.equal(await scryptsDuring(() => smtpAuth(port, 'hanako@acme.example', 'wrong')), 1);
      assert.equal(await scryptsDuring(() => smtpAuth(port, 'nobody-at-all@acme.example', 'wrong')), 1);
    });

    it('SMTP AUTH: a user logging in between guesses does not reset the count; the guessed account is slowed, the user never', async () => {
      // eve (another tenant) logs in successfully between guesses at taro's password, as in the finding
      const codes: number[] = [];
      for (let i = 0; i < 40; i++) {
        assert.equal(await smtpAuth(port, 'eve@globex.example', PASSWORD), 235, 'eve is never locked out');
        codes.push(await smtpAuth(port, USER, `guess ${i}`));
      }
      const evaluated = codes.filter((c) => c === 535).length;
      assert.ok(evaluated <= FREE_FAILURES, `${evaluated} of 40 guesses were checked`);
      assert.equal(codes.filter((c) => c === 454).length, 40 - evaluated);
      // the client is now refused for accounts it never logged in to, even with the right password…
      assert.equal(await smtpAuth(port, 'hanako@acme.example', PASSWORD), 454);
      assert.equal(await smtpAuth(port, USER, PASSWORD), 454);
      // …and eve, who logged in from here before, still gets in
      assert.equal(await smtpAuth(port, 'eve@globex.example', PASSWORD), 235);
      assert.doesNotMatch(inst.logs.join(''), /guess \d/, 'passwords never reach the log');
    });

    it('console: 300 concurrent guesses are not all checked, and the right password does not slip through', async () => {
      const store = inst.sekisho.store;
      const guesses = Array.from({ length: 300 }, (_, i) =>
        login(store, { email: 'jiro@acme.example', password: `guess ${i}`, ip: '198.51.100.7' }),
      );
      const count = reasons(
        await Promise.all([...guesses, login(store, { email: 'jiro@acme.example', password: PASSWORD, ip: '198.51.100.7' })]),
      );
      assert.ok((count.invalid ?? 0) + (count.ok ?? 0) <= FREE_FAILURES, `checked: ${JSON.stringify(count)}`);
      assert.ok((count.throttled ?? 0) >= 301 - FREE_FAILURES);
      // concurrently from many clients the per-account count holds as well
      const spread = Array.from({ length: 100 }, (_, i) =>
        login(store, { email: 'saburo@acme.example', password: `g${i}`, ip: `203.0.113.${i}` }),
      );
      const spreadCount = reasons(await Promise.all(spread));
      assert.ok((spreadCount.invalid ?? 0) <= FREE_FAILURES, `checked: ${JSON.stringify(spreadCount)}`);
    });

    it('console: an account under attack is slowed (1 s, 2 s … at most 5 min), never locked, never at its own addresses', async () => {
      const store = inst.sekisho.store;
      let now = Date.now();
      const throttle = consoleLoginThrottle(store, () => now);
      const from = (ip: string, password: string) => login(store, { email: 'shiro@acme.example', password, ip }, throttle);
      assert.equal((await from('192.0.2.50', PASSWORD)).ok, true, 'shiro logs in from the office once');
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await from('198.51.100.99', 'wrong')).ok, false);
      const slowed = await from('198.51.100.99', PASSWORD);
      assert.equal(slowed.ok ? 'ok' : slowed.reason, 'throttled');
      assert.equal(!slowed.ok && slowed.reason === 'throttled' && slowed.retryAfterSeconds, 1);
      assert.equal((await from('192.0.2.50', PASSWORD)).ok, true, 'the office address is never slowed by strangers');
      now += 1000;
      const next = await from('198.51.100.99', 'wrong again');
      assert.equal(next.ok ? 'ok' : next.reason, 'invalid', 'after the wait the next guess is checked');
      const later = await from('198.51.100.99', PASSWORD);
      assert.equal(!later.ok && later.reason === 'throttled' && later.retryAfterSeconds, 2, 'the wait doubles');
      now += MAX_WAIT_MS;
      assert.equal((await from('198.51.100.98', PASSWORD)).ok, true, 'never locked: the owner gets in from a new address after the wait');
    });

    it('console: the owner mistyping at a known address is slowed by their own failures only, and a success forgets them', async () => {
      const store = inst.sekisho.store;
      let now = Date.now();
      const throttle = consoleLoginThrottle(store, () => now);
      const from = (password: string) => login(store, { email: 'goro@acme.example', password, ip: '192.0.2.60' }, throttle);
      assert.equal((await from(PASSWORD)).ok, true);
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await from('typo')).ok, false);
      assert.equal(reasons([await from(PASSWORD)]).throttled, 1);
      now += 1000;
      assert.equal((await from(PASSWORD)).ok, true);
      assert.equal((await from('typo')).ok, false, 'the count started again');
      assert.equal((await from(PASSWORD)).ok, true);
    });

    it('console: the per-client limit holds for strangers; one success does not clear other accounts’ failures', async () => {
      const store = inst.sekisho.store;
      const ip = '198.51.100.200';
      assert.equal((await login(store, { email: 'rokuro@acme.example', password: PASSWORD, ip })).ok, true);
      for (let i = 0; i < MAX_FAILS_PER_IP; i++) await login(store, { email: `nobody${i}@acme.example`, password: 'x', ip });
      assert.equal(
        (await login(store, { email: 'rokuro@acme.example', password: PASSWORD, ip })).ok,
        true,
        'rokuro logged in from here before',
      );
      assert.equal(reasons([await login(store, { email: 'hanako@acme.example', password: PASSWORD, ip })]).throttled, 1);
    });

    it('console: guessing the current password in "change my password" is throttled like login', async () => {
      const me = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, 'goro@acme.example', PASSWORD);
      const change = (currentPassword: string) =>
        me.call('POST', '/api/auth/password', { currentPassword, newPassword: 'a new long password 2026' });
      for (let i = 0; i < FREE_FAILURES; i++) assert.equal((await change(`guess ${i}`)).json.code, 'wrong_password');
      const slowed = await change('guess again');
      assert.equal(slowed.status, 429);
      assert.equal(slowed.json.code, 'throttled');
      assert.equal((await change(PASSWORD)).status, 429, 'not even the right password is checked while slowed');
    });
  });
}
