// Two-factor over the API on SQLite and PostgreSQL: enrolment answers an otpauth:// URI and, once
// a code proves it, ten backup codes; each backup code logs in once in place of the app's code
// (the second use is refused, with its own error code), the database keeps only hashes, a new
// set (password required) voids the old one, every step is audited, and an admin's reset of
// two-factor removes the codes with the enrolment.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { stepOf, totpAt } from '../../src/console/session/totp.ts';
import { consoleDb } from '../../src/users/console-tables.ts';
import { resetTwoFactor } from '../../src/users/people.ts';
import { loginApi } from './api-client.ts';

for (const kind of backends()) {
  describe(`two-factor and backup codes on ${kind}`, () => {
    let inst: TestInstance;
    let base: string;
    let codes: string[] = [];
    let secret = '';

    before(async () => {
      inst = await startInstance(kind);
      base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
    });
    after(async () => {
      await inst.stop();
    });

    const eventTypes = async () =>
      (await inst.sekisho.store.db.selectFrom('events').select('type').where('actor', '=', USER).orderBy('id').execute()).map(
        (e) => e.type,
      );

    it('enrolment: the URI carries the secret; a wrong code is refused with a code; the right one answers ten backup codes', async () => {
      const a = await loginApi(base, USER, PASSWORD);
      assert.equal((await a.call('POST', '/api/auth/totp/verify', { code: '123456' })).json.code, 'totp_not_started');
      const en = await a.call('POST', '/api/auth/totp/enrol');
      secret = en.json.secret;
      const uri = new URL(en.json.otpauthUrl);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.searchParams.get('secret'), secret);
      assert.equal(uri.searchParams.get('issuer'), 'Sekisho');
      const wrong = await a.call('POST', '/api/auth/totp/verify', {
        code: '000000' === totpAt(secret, stepOf(Date.now())) ? '111111' : '000000',
      });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.json.code, 'totp_invalid');
      const ok = await a.call('POST', '/api/auth/totp/verify', { code: totpAt(secret, stepOf(Date.now())) });
      assert.equal(ok.status, 200);
      codes = ok.json.backupCodes;
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const c of codes) assert.match(c, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
      assert.equal((await a.call('POST', '/api/auth/totp/enrol')).json.code, 'totp_already_enabled');
      const me = await a.call('GET', '/api/auth/me');
      assert.equal(me.json.totpEnabled, true);
      assert.equal(me.json.backupCodesLeft, 10);
      // only hashes are stored
      const rows = await consoleDb(inst.sekisho.store).selectFrom('console_backup_codes').selectAll().where('email', '=', USER).execute();
      assert.equal(rows.length, 10);
      for (const r of rows) {
        assert.match(r.code_hash, /^[0-9a-f]{64}$/);
        for (const c of codes) assert.ok(!r.code_hash.includes(c.replace(/-/g, '')));
      }
    });

    it('a backup code logs in once (typed in capitals, with spaces); the second time it is refused', async () => {
      const typed = codes[0]!.toUpperCase().replace(/-/g, ' ');
      const first = await loginApi(base, USER, PASSWORD, typed);
      assert.equal(first.loginStatus, 200);
      const again = await loginApi(base, USER, PASSWORD, codes[0]);
      assert.equal(again.loginStatus, 401);
      assert.equal(again.loginJson.code, 'backup_code_invalid');
      assert.equal((await first.call('GET', '/api/auth/me')).json.backupCodesLeft, 9);
      // a code that was never issued is refused the same way
      assert.equal((await loginApi(base, USER, PASSWORD, 'aaaa-bbbb-cccc-dddd')).loginJson.code, 'backup_code_invalid');
      // the app's code still works
      assert.equal((await loginApi(base, USER, PASSWORD, totpAt(secret, stepOf(Date.now()) + 1))).loginStatus, 200);
    });

    it('a new set needs the password and voids the old one; all audited', async () => {
      const a = await loginApi(base, USER, PASSWORD, codes[1]);
      assert.equal(a.loginStatus, 200);
      const bad = await a.call('POST', '/api/auth/totp/backup-codes', { password: 'wrong wrong' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.code, 'wrong_password');
      const fresh = await a.call('POST', '/api/auth/totp/backup-codes', { password: PASSWORD });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.json.backupCodes.length, 10);
      assert.equal((await loginApi(base, USER, PASSWORD, codes[2])).loginJson.code, 'backup_code_invalid');
      assert.equal((await loginApi(base, USER, PASSWORD, fresh.json.backupCodes[0])).loginStatus, 200);
      const types = await eventTypes();
      assert.equal(types.filter((t) => t === 'console.backup_codes_issued').length, 2);
      assert.equal(types.filter((t) => t === 'console.backup_code_used').length, 3);
      assert.ok(types.includes('console.totp_enabled'));
    });

    it("an admin's reset removes the enrolment and its codes", async () => {
      const user = (await inst.sekisho.store.userByEmail(USER))!;
      assert.equal(await resetTwoFactor(inst.sekisho.store, user, 'admin@acme.example'), true);
      const left = await consoleDb(inst.sekisho.store).selectFrom('console_backup_codes').selectAll().where('email', '=', USER).execute();
      assert.deepEqual(left, []);
      assert.equal((await loginApi(base, USER, PASSWORD)).loginStatus, 200);
    });
  });
}
