// The management CLI as operators run it, on SQLite and PostgreSQL: tenants, users, CSV import;
// every bad argument gives one line on stderr, a non-zero exit, and changes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';
import { openStore } from '../../src/store/open-store.ts';
import { verifyPassword } from '../../src/util/password.ts';

for (const kind of backends()) {
  describe(`sekisho CLI on ${kind}`, () => {
    let db: TestDatabase;
    let env: Record<string, string | undefined>;
    const cli = (args: string[], stdin?: string) => runCli(args, env, stdin);

    before(async () => {
      db = await createTestDatabase(kind);
      env = { SEKISHO_DATA_DIR: db.dataDir, SEKISHO_DATABASE_URL: db.url, SEKISHO_CONFIG: join(db.dataDir, 'none.yaml') };
      writeFileSync(join(db.dataDir, 'none.yaml'), '{}\n');
    });
    after(async () => db.drop());

    it('refuses to create a database (one line, exit 2, nothing made); `sekisho init` creates it', async () => {
      for (const args of [
        ['tenant', 'list'],
        ['tenant', 'add', 'acme', '--domain', 'acme.example'],
      ]) {
        const r = await cli(args);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, kind === 'sqlite' ? /no database at .*sekisho\.db/ : /has no Sekisho tables/);
        assert.match(r.stderr, /sekisho init/);
      }
      assert.deepEqual(readdirSync(db.dataDir), ['none.yaml'], 'no database file and no secrets key');
      const init = await cli(['init']);
      assert.equal(init.code, 0, init.stderr);
      assert.match((await cli(['tenant', 'list'])).stdout, /no tenants/);
    });

    it('an unknown --state is an error, not an empty list', async () => {
      const r = await cli(['message', 'list', '--state', 'helde']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--state must be one of: .*\bheld\b/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.equal((await cli(['message', 'list', '--state', 'held', '--json'])).stdout.trim(), '[]');
    });

    it('adds a tenant with domains and an inbound route', async () => {
      const r = await cli([
        'tenant',
        'add',
        'acme',
        '--domain',
        'acme.example',
        '--domain',
        'acme.co.jp',
        '--inbound-route',
        'smtp://10.0.0.5:25',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /tenant acme added/);
    });

    const bad: Array<[string, string[], RegExp]> = [
      ['unknown option', ['tenant', 'add', 'x', '--domain', 'x.example', '--domian', 'y.example'], /unknown option/],
      ['missing domain', ['tenant', 'add', 'x'], /--domain/],
      ['bad domain', ['tenant', 'add', 'x', '--domain', 'not a domain'], /not a domain name/],
      ['taken domain', ['tenant', 'add', 'other', '--domain', 'acme.example'], /belongs to another tenant/],
      ['duplicate tenant', ['tenant', 'add', 'acme', '--domain', 'new.example'], /exists already/],
      ['bad route', ['tenant', 'add', 'y', '--domain', 'y.example', '--inbound-route', 'http://x'], /smtp:\/\//],
      ['bad role', ['user', 'add', 'a@acme.example', '--tenant', 'acme', '--role', 'boss'], /--role must be one of/],
      ['unknown tenant', ['user', 'add', 'a@acme.example', '--tenant', 'nope', '--role', 'user'], /no tenant named "nope"/],
      ['foreign domain', ['user', 'add', 'a@other.example', '--tenant', 'acme', '--role', 'user'], /not in a domain of tenant acme/],
      ['bad email', ['user', 'add', 'not-an-email', '--tenant', 'acme', '--role', 'user'], /not an email address/],
      ['unknown command', ['frobnicate'], /unknown command/],
    ];
    for (const [what, args, expect] of bad) {
      it(`refuses ${what} with one line and a non-zero exit`, async () => {
        const r = await cli(args);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, expect);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      });
    }

    it('adds a user with a password from stdin, hashed with scrypt', async () => {
      const r = await cli(
        ['user', 'add', 'Taro@acme.example', '--tenant', 'acme', '--role', 'user', '--approver', 'boss@acme.example', '--password-stdin'],
        's3cret-password\n',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /s3cret/);
      const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
      const u = await store.userByEmail('taro@acme.example');
      await store.close();
      assert.match(u!.password_hash!, /^scrypt\$/);
      assert.ok(await verifyPassword('s3cret-password', u!.password_hash));
      assert.equal(u!.approver_email, 'boss@acme.example');
    });

    it('imports a CSV of users; a bad row names its line and imports nothing', async () => {
      const badCsv = join(db.dataDir, 'bad.csv');
      writeFileSync(badCsv, 'address,password,role\nhanako@acme.example,password-1,user\njiro@acme.example,password-2,chief\n');
      const r1 = await cli(['user', 'import', badCsv, '--tenant', 'acme']);
      assert.equal(r1.code, 1);
      assert.match(r1.stderr, /line 3: role must be/);
      const good = join(db.dataDir, 'good.csv');
      const rows = ['\uFEFFaddress,password,role'];
      for (let i = 0; i < 30; i++) rows.push(`user${i}@acme.example,"pass,word-${i}",${i === 0 ? 'approver' : 'user'}`);
      rows.push('hanako@acme.co.jp,,admin');
      rows.push('jiro@acme.example,password-9x,user,Boss@acme.example');
      rows.push('boss@acme.example,password-boss,approver'); // an approver may be a row of the same file
      writeFileSync(good, rows.join('\r\n') + '\r\n');
      const r2 = await cli(['user', 'import', good, '--tenant', 'acme']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stdout, /imported 33 users/);
      assert.match(r2.stdout, /hanako@acme\.co\.jp,\S{20}/, 'a generated password is printed once');
      const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
      assert.equal(await store.userByEmail('hanako@acme.example'), undefined, 'nothing from the bad file');
      assert.ok(await verifyPassword('pass,word-7', (await store.userByEmail('user7@acme.example'))!.password_hash));
      assert.equal((await store.userByEmail('jiro@acme.example'))!.approver_email, 'boss@acme.example', 'optional fourth column: approver');
      await store.close();
      const again = await cli(['user', 'import', good, '--tenant', 'acme']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /line 2: user user0@acme\.example exists already/);
    });

    it('lists messages as JSON (empty queue)', async () => {
      const r = await cli(['message', 'list', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
      const missing = await cli(['message', 'show', 'NOPE']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no message with id NOPE/);
    });
  });
}
