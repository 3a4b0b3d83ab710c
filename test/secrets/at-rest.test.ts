// Secrets at rest, on SQLite and PostgreSQL. A dump of the database (every table but the message
// bodies, see docs/security.md) holds no working /d/ link, no ZIP password, no TOTP secret, no DKIM
// private key and no download-cookie secret: tokens are stored as hashes, the rest sealed with the
// secrets key file, which is not in the database. The sender still sees the ZIP password
// (`message show`, console); the audit trail no longer holds it. Rows written in clear by the
// previous version keep working (old links open, old cookies count, old TOTP codes log in, old DKIM
// keys sign, old passwords show) and are sealed at the next start; old audit events lose the password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startInstance, USER, PASSWORD, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { runCli } from '../helpers/process.ts';
import { decode, http, queueWithPolicy } from '../attachments/attachments-helpers.ts';
import { loginApi } from '../console/api-client.ts';
import { attachmentDetails } from '../../src/attachments/details.ts';
import { downloadStatus } from '../../src/attachments/control.ts';
import { dkimKeyFor, ensureDkimKey } from '../../src/delivery/dkim-keys.ts';
import { totpAt, stepOf } from '../../src/console/session/totp.ts';
import { login } from '../../src/console/session/auth.ts';
import { hashPassword } from '../../src/util/password.ts';
import { isSealed } from '../../src/secrets/secret-box.ts';
import { runMigrations, type Dialect } from '../../src/store/schema/dialect.ts';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.ts';
import { openPostgres } from '../../src/store/postgres/open-postgres.ts';
import { migrationsFor } from '../../src/store/migrations/all.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startSekisho, type RunningSekisho } from '../../src/main.ts';
import { createLogger } from '../../src/util/logger.ts';
import { join } from 'node:path';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

/** The migrations added with sealed secrets: a database without them is one the previous version wrote. */
const SEALING_MIGRATIONS = new Set(['core-0005-secret-keys', 'attachments-0002', 'attachments-0003']);

const ZIP_POLICY = `version: 1
outbound:
  rules:
    - name: Encrypt attachments
      when: { attachments: true, subject: "ZIP" }
      then:
        - zipEncrypt: { method: aes256, passwordTo: sender }
`;
const DOWNLOAD_POLICY = `version: 1
outbound:
  rules:
    - name: Passcode downloads
      when: { attachments: true }
      then:
        - webDownload: { expiresDays: 3, passcode: true, language: ja }
`;

function mail(subject: string, to: string): Promise<Buffer> {
  return new MailComposer({
    from: USER,
    to,
    subject,
    text: 'お世話になっております。\n',
    attachments: [{ filename: '見積書.pdf', content: Buffer.from('%PDF-1.4 見積') }],
  })
    .compile()
    .build();
}

/**
 * Every row of every table as text, as `pg_dump` or `sqlite3 .dump` would show it — except the
 * message bodies (bodies, body_parts, blob_chunks): they are the mail itself, attachments and password notice
 * included, which docs/security.md lists as stored in clear.
 */
async function dump(db: Kysely<any>, kind: 'sqlite' | 'postgres'): Promise<string> {
  const tables =
    kind === 'sqlite'
      ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`.execute(db)).rows.map(
          (r) => r.name,
        );
  let out = '';
  for (const table of tables.filter((t) => !['bodies', 'body_parts', 'blob_chunks'].includes(t))) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db)).rows;
    const text = (r: Record<string, unknown>) =>
      JSON.stringify(r, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v));
    out += `${table}\n${rows.map(text).join('\n')}\n`;
  }
  return out;
}

const tokenOf = (url: string) => url.split('/d/')[1]!;
const cookieFor = (secret: Buffer, token: string) => {
  const exp = Date.now() + 10 * 60_000;
  return `sekisho_dl=${exp}.${createHmac('sha256', secret).update(`${token}.${exp}`).digest('base64url')}`;
};

for (const kind of backends()) {
  describe(`secrets at rest on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 100, publicUrl: 'https://gw.example' });
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: 'admin@acme.example', passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('a dump holds no working link, ZIP password, TOTP secret, DKIM key or cookie secret; all of them still work', async () => {
      const store = inst.sekisho.store;
      const get = http(inst);
      // a web download with a passcode: the link works, and checking a cookie creates the cookie secret
      await queueWithPolicy(inst, DOWNLOAD_POLICY, await mail('資料', 'a@partner.example'), ['a@partner.example']);
      const [copy] = await sink.waitFor(1);
      const url = /https:\/\/gw\.example\/d\/\S+/.exec((await decode(copy!.raw)).text!)![0];
      const token = tokenOf(url);
      const page = await get(`/d/${token}`, { headers: { cookie: `sekisho_dl=${Date.now() + 60_000}.forged` } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /確認コード/, 'the passcode form: a forged cookie does not count');

      // a ZIP: the password mail and `message show` agree; the audit trail does not hold it
      const zipId = await queueWithPolicy(inst, ZIP_POLICY, await mail('ZIP 見積', 'b@partner.example'), ['b@partner.example']);
      const [, , pwMail] = await sink.waitFor(3);
      const password = /パスワード: (\S+)/.exec((await decode(pwMail!.raw)).text!)![1]!;
      assert.equal((await attachmentDetails(store, zipId)).zipPassword, password);
      const shown = await runCli(['message', 'show', zipId, '--json'], {
        SEKISHO_DATA_DIR: inst.db.dataDir,
        SEKISHO_DATABASE_URL: inst.db.url ?? '',
      });
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.stdout).zipPassword, password, 'the CLI reads the same key file');
      const zipped = (await store.events(zipId)).find((e) => e.type === 'attachments.zipped')!;
      assert.ok(!zipped.data.includes(password), zipped.data);

      // TOTP through the console API; then login with a code
      const api = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, 'admin@acme.example', PASSWORD);
      const enrol = await api.call('POST', '/api/auth/totp/enrol');
      const secret = enrol.json.secret as string;
      assert.equal((await api.call('POST', '/api/auth/totp/verify', { code: totpAt(secret, stepOf(Date.now()) - 1) })).status, 200);
      const withCode = await login(store, {
        email: 'admin@acme.example',
        password: PASSWORD,
        totp: totpAt(secret, stepOf(Date.now())),
        ip: '192.0.2.1',
      });
      assert.equal(withCode.ok, true);

      // a DKIM key
      const dkim = await ensureDkimKey(store, inst.tenantId, 'acme.example', 'test');
      const pemLine = dkim.privateKeyPem.split('\n')[5]!;
      assert.ok(pemLine.length > 40);

      const text = await dump(store.db, kind);
      for (const [what, value] of [
        ['download token', token],
        ['ZIP password', password],
        ['TOTP secret', secret],
        ['DKIM private key', pemLine],
      ] as const) {
        assert.ok(!text.includes(value), `the dump holds the ${what} in clear`);
      }
      const cookieSecret = await store.db
        .withTables<{ attachment_settings: { key: string; value: string } }>()
        .selectFrom('attachment_settings')
        .select('value')
        .where('key', '=', 'download-session-secret')
        .executeTakeFirstOrThrow();
      assert.ok(isSealed(cookieSecret.value), 'the download-cookie secret is sealed');
    });
  });

  describe(`secrets written in clear by the previous version, on ${kind}`, () => {
    let db: TestDatabase;
    let running: RunningSekisho | null = null;
    const legacy = {
      token: 'LegacyToken_0123456789abcdefghij',
      zipPassword: 'Legacy#Pass-2345xy',
      totp: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      cookieSecret: Buffer.from('0123456789abcdef0123456789abcdef'),
      pem: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    const ids = { tenant: 'T0LEGACY', zip: '01LEGACYZIP0000000000000000', download: '01LEGACYDL00000000000000000' };

    before(async () => {
      db = await createTestDatabase(kind);
      // the previous version's schema and rows, exactly as its code wrote them
      const dialect: Dialect = kind === 'sqlite' ? openSqlite(join(db.dataDir, 'sekisho.db')) : openPostgres(db.url!, 2);
      const migrations = migrationsFor(kind).filter((m) => !SEALING_MIGRATIONS.has(m.id));
      await runMigrations(dialect, migrations);
      await writeLegacyRows(dialect.db as Kysely<any>);
      await dialect.close();
    });
    after(async () => {
      await running?.stop();
      await db.drop();
    });

    async function writeLegacyRows(k: Kysely<any>): Promise<void> {
      const now = Date.now();
      await k.insertInto('tenants').values({ id: ids.tenant, name: 'acme', settings: '{}', created_at: now }).execute();
      await k
        .insertInto('domains')
        .values({ domain: 'acme.example', tenant_id: ids.tenant, inbound_route: null, created_at: now })
        .execute();
      await k
        .insertInto('users')
        .values({
          id: 'U0LEGACY',
          tenant_id: ids.tenant,
          email: 'admin@acme.example',
          password_hash: await hashPassword(PASSWORD),
          role: 'admin',
          approver_email: null,
          language: 'ja',
          created_at: now,
        })
        .execute();
      for (const id of [ids.zip, ids.download]) {
        await k
          .insertInto('messages')
          .values({
            id,
            tenant_id: ids.tenant,
            direction: 'outbound',
            state: 'delivered',
            due_at: null,
            created_at: now,
            updated_at: now,
            mail_from: USER,
            recipients: '["a@partner.example"]',
            header_from: USER,
            subject: 'legacy',
            message_id: null,
            size: 10,
            facts: '{}',
            plan: null,
            submitted_by: USER,
            attempts: 1,
          })
          .execute();
      }
      const details = {
        method: 'aes256',
        filenameCharset: 'utf8',
        passwordTo: 'sender',
        language: 'ja',
        zipName: 'a.zip',
        files: ['a.pdf'],
        rule: 'r',
      };
      await k
        .insertInto('attachment_protection')
        .values({
          message_id: ids.zip,
          tenant_id: ids.tenant,
          kind: 'zip',
          zip_password: legacy.zipPassword,
          details: JSON.stringify(details),
          password_mail: 'sent',
          created_at: now,
        })
        .execute();
      await k
        .insertInto('events')
        .values({
          tenant_id: ids.tenant,
          message_id: ids.zip,
          at: now,
          actor: 'system',
          type: 'attachments.zipped',
          data: JSON.stringify({
            rule: 'r',
            method: 'aes256',
            zipName: 'a.zip',
            files: ['a.pdf'],
            zipSize: 99,
            passwordTo: 'sender',
            password: legacy.zipPassword,
          }),
        })
        .execute();
      await k
        .insertInto('attachment_protection')
        .values({
          message_id: ids.download,
          tenant_id: ids.tenant,
          kind: 'download',
          zip_password: null,
          details: '{}',
          password_mail: null,
          created_at: now,
        })
        .execute();
      await k
        .insertInto('download_files')
        .values({
          message_id: ids.download,
          idx: 1,
          tenant_id: ids.tenant,
          filename: '見積書.pdf',
          content_type: 'application/pdf',
          size: 10,
          sha256: '0'.repeat(64),
          blob_key: `download/${ids.download}/1`,
          expires_at: now + 86_400_000,
          withdrawn_at: null,
          purged_at: null,
          created_at: now,
        })
        .execute();
      await k
        .insertInto('download_links')
        .values({
          token: legacy.token,
          message_id: ids.download,
          tenant_id: ids.tenant,
          recipient: 'a@partner.example',
          max_downloads: null,
          passcode: 1,
          download_count: 1,
          created_at: now,
        })
        .execute();
      await k
        .insertInto('download_events')
        .values({ token: legacy.token, message_id: ids.download, idx: 1, at: now, ip: '192.0.2.7', user_agent: 'legacy-agent' })
        .execute();
      await k
        .insertInto('attachment_settings')
        .values({ key: 'download-session-secret', value: legacy.cookieSecret.toString('base64') })
        .execute();
      await k
        .insertInto('console_totp')
        .values({ email: 'admin@acme.example', secret: legacy.totp, enabled: 1, last_step: 0, created_at: now })
        .execute();
      await k
        .insertInto('dkim_keys')
        .values({
          domain: 'acme.example',
          tenant_id: ids.tenant,
          selector: 'legacy',
          private_key: legacy.pem,
          public_key: 'AAAA',
          created_at: now,
        })
        .execute();
    }

    it('old links, cookies, TOTP, DKIM keys, ZIP passwords work, sealed at the next start; audit events lose the password', async () => {
      const config = loadConfig(
        {},
        {
          dataDir: join(db.dataDir),
          databaseUrl: db.url,
          submissionPort: 0,
          inboundPort: 0,
          httpPort: 0,
          demoTenant: false,
          logLevel: 'silent',
        },
      );
      running = await startSekisho(config, createLogger('silent'));
      const store = running.store;
      const base = `http://127.0.0.1:${running.ports.http}`;

      const page = await fetch(`${base}/d/${legacy.token}`, { headers: { cookie: cookieFor(legacy.cookieSecret, legacy.token) } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /見積書\.pdf/, 'the old link opens, and the cookie signed with the old secret counts');
      const status = await downloadStatus(store, ALL_TENANTS, ids.download);
      assert.equal(status.recipients[0]!.token, legacy.token, 'the sender still sees the link');
      assert.equal(status.downloads[0]!.recipient, 'a@partner.example', 'old download records keep their recipient');
      assert.equal((await attachmentDetails(store, ids.zip)).zipPassword, legacy.zipPassword);
      const ok = await login(store, {
        email: 'admin@acme.example',
        password: PASSWORD,
        totp: totpAt(legacy.totp, stepOf(Date.now())),
        ip: '192.0.2.1',
      });
      assert.equal(ok.ok, true, 'the old TOTP secret still logs in');
      assert.equal((await dkimKeyFor(store, 'acme.example'))!.privateKeyPem, legacy.pem);

      const events = await store.events(ids.zip);
      assert.ok(
        events.every((e) => !e.data.includes(legacy.zipPassword)),
        'the old audit event lost the password',
      );
      const redacted = events.find((e) => e.type === 'audit.redacted');
      assert.ok(redacted, 'and says so in the trail');
      assert.match(redacted!.data, /password/);

      const text = await dump(store.db, kind);
      for (const [what, value] of [
        ['download token', legacy.token],
        ['ZIP password', legacy.zipPassword],
        ['TOTP secret', legacy.totp],
        ['DKIM private key', legacy.pem.split('\n')[3]!],
        ['download-cookie secret', legacy.cookieSecret.toString('base64')],
      ] as const) {
        assert.ok(!text.includes(value), `the dump still holds the ${what} in clear`);
      }
    });
  });
}
