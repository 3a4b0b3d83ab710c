// ZIP encryption end to end on SQLite and PostgreSQL: a message queued under a real zipEncrypt
// policy reaches the smart host with one encrypted ZIP; the password mail arrives separately and
// only after it; the ZIP opens with the MAILED password (AES-256 in 7-Zip, ZipCrypto in Info-ZIP
// unzip) and the files are byte-identical with their Japanese names; the sender and admin can read
// the password (not in the audit trail); a message with only an inline image is left alone with an audit note.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { runCli } from '../helpers/process.ts';
import { attachmentDetails } from '../../src/attachments/details.ts';
import { decode, queueWithPolicy, waitUntil } from './attachments-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const FILES = [
  { filename: '見積書_2025年度.pdf', content: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(40_000)]) },
  { filename: '社員名簿 (最新).xlsx', content: randomBytes(5_000) },
];

function policy(method: 'aes256' | 'zipcrypto', passwordTo: 'sender' | 'recipients'): string {
  return `version: 1
outbound:
  rules:
    - name: Encrypt attachments
      when: { attachments: true }
      then:
        - zipEncrypt: { method: ${method}, passwordTo: ${passwordTo} }
`;
}

async function message(to: string, files = FILES, inlineOnly = false): Promise<Buffer> {
  return new MailComposer({
    from: USER,
    to,
    subject: '見積書の送付',
    text: 'お世話になっております。\n',
    html: inlineOnly ? '<p>ロゴ <img src="cid:logo@x"></p>' : undefined,
    attachments: inlineOnly
      ? [{ filename: 'logo.png', content: randomBytes(200), cid: 'logo@x', contentType: 'image/png', contentDisposition: 'inline' }]
      : files,
  })
    .compile()
    .build();
}

function passwordIn(text: string): string {
  const m = /パスワード: (\S+)/.exec(text);
  assert.ok(m, 'the password mail states the password');
  return m[1]!;
}

for (const kind of backends()) {
  describe(`zip encryption on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let dir: string;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 100, retrySchedule: '300ms' });
      dir = mkdtempSync(join(tmpdir(), 'sekisho-zip-e2e-'));
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('AES-256: ZIP mail first, then the password mail to the sender; 7z opens it with the mailed password', async () => {
      const id = await queueWithPolicy(inst, policy('aes256', 'sender'), await message('partner@example.net'), ['partner@example.net']);
      const [main, pwMail] = await sink.waitFor(2);
      assert.deepEqual(main!.recipients, ['partner@example.net']);
      assert.deepEqual(pwMail!.recipients, [USER], 'the password goes to the sender');
      assert.equal(pwMail!.mailFrom, '', 'system mail has the null sender');
      const parsed = await decode(main!.raw);
      assert.equal(parsed.attachments.length, 1);
      assert.equal(parsed.attachments[0]!.mimeType, 'application/zip');
      const pw = await decode(pwMail!.raw);
      assert.match(pw.subject!, /パスワード通知/);
      const password = passwordIn(pw.text!);
      assert.ok(password.length >= 16);
      const zip = join(dir, 'aes.zip');
      writeFileSync(zip, Buffer.from(parsed.attachments[0]!.content as ArrayBuffer));
      assert.match(execFileSync('7z', ['l', '-slt', zip], { encoding: 'utf8' }), /Method = .*AES-256/);
      assert.throws(() => execFileSync('7z', ['x', '-pnot-the-password', `-o${join(dir, 'bad')}`, zip], { stdio: 'pipe' }));
      execFileSync('7z', ['x', `-p${password}`, `-o${join(dir, 'aes')}`, zip], { stdio: 'pipe' });
      for (const f of FILES) assert.deepEqual(readFileSync(join(dir, 'aes', f.filename)), f.content, f.filename);

      // `message attachments --json` / attachmentDetails show the password; the audit trail records
      // the ZIP but not the password (audit exports must not carry it; test/secrets/at-rest.test.ts).
      assert.equal((await attachmentDetails(inst.sekisho.store, id)).zipPassword, password);
      const zipped = (await inst.sekisho.store.events(id)).find((e) => e.type === 'attachments.zipped')!;
      assert.equal((JSON.parse(zipped.data) as { password?: string }).password, undefined);
      assert.ok(!zipped.data.includes(password));
      const cli = await runCli(['message', 'attachments', id, '--json'], {
        SEKISHO_DATA_DIR: inst.db.dataDir,
        SEKISHO_DATABASE_URL: inst.db.url ?? '',
      });
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal((JSON.parse(cli.stdout) as { zipPassword: string }).zipPassword, password);
    });

    it('ZipCrypto with the password to the recipients: unzip -P opens it', async () => {
      sink.messages.length = 0;
      const files = [{ filename: 'invoice.csv', content: Buffer.from('no,amount\n1,1000\n') }, ...FILES.slice(1)];
      await queueWithPolicy(inst, policy('zipcrypto', 'recipients'), await message('x@partner.example', files), [
        'x@partner.example',
        'y@partner.example',
      ]);
      const got = await sink.waitFor(2);
      const main = got[0]!;
      const pwMail = await waitUntil(async () => sink.messages.slice(1).find((m) => m.mailFrom === ''), 'the password mail');
      assert.deepEqual([...pwMail.recipients].sort(), ['x@partner.example', 'y@partner.example']);
      const password = passwordIn((await decode(pwMail.raw)).text!);
      const zip = join(dir, 'zc.zip');
      writeFileSync(zip, Buffer.from((await decode(main.raw)).attachments[0]!.content as ArrayBuffer));
      execFileSync('unzip', [`-P${password}`, '-d', join(dir, 'zc'), zip], { stdio: 'pipe' });
      for (const f of files) assert.deepEqual(readFileSync(join(dir, 'zc', f.filename)), f.content, f.filename);
    });

    it('nothing to zip (only an inline image): delivered unchanged, no password mail, audit note', async () => {
      sink.messages.length = 0;
      const raw = await message('z@partner.example', [], true);
      // The policy does not match (an inline image is no attachment); force the action to test the
      // executor's own check (a plan from an older policy version, or facts that disagree).
      const id = await queueWithPolicy(inst, policy('aes256', 'sender'), raw, ['z@partner.example'], (plan) => {
        assert.ok(!plan.actions.some((a) => a.type === 'zipEncrypt'));
        plan.actions.push({
          type: 'zipEncrypt',
          rule: 'forced',
          source: 'rule',
          method: 'aes256',
          applyTo: 'all',
          passwordTo: 'sender',
          filenameCharset: 'utf8',
        });
      });
      const [got] = await sink.waitFor(1);
      assert.ok(got!.raw.includes(raw.subarray(raw.indexOf('\r\n\r\n'))), 'body unchanged');
      await waitUntil(async () => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state === 'delivered', 'delivered');
      assert.ok((await inst.sekisho.store.events(id)).some((e) => e.type === 'attachments.zip.skipped'));
      assert.deepEqual(await attachmentDetails(inst.sekisho.store, id), {});
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sink.messages.length, 1, 'no password mail');
    });

    it('through the real accept path: policy apply, SMTP submission, ZIP mail then password mail', async () => {
      sink.messages.length = 0;
      assert.ok((await applyPolicy(inst.sekisho.store, inst.tenantId, policy('aes256', 'sender'), 'test')).ok);
      const transport = submissionClient(inst.sekisho.ports.submission);
      const info = await transport.sendMail({
        envelope: { from: USER, to: ['p@partner.example'] },
        raw: await message('p@partner.example'),
      });
      transport.close();
      const id = /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
      const [main, pwMail] = await sink.waitFor(2);
      assert.deepEqual(main!.recipients, ['p@partner.example']);
      const password = passwordIn((await decode(pwMail!.raw)).text!);
      assert.equal((await attachmentDetails(inst.sekisho.store, id)).zipPassword, password);
      const zip = join(dir, 'smtp.zip');
      writeFileSync(zip, Buffer.from((await decode(main!.raw)).attachments[0]!.content as ArrayBuffer));
      execFileSync('7z', ['x', `-p${password}`, `-o${join(dir, 'smtp')}`, zip], { stdio: 'pipe' });
      for (const f of FILES) assert.deepEqual(readFileSync(join(dir, 'smtp', f.filename)), f.content, f.filename);
    });

    it('a deferred recipient gets a ZIP with the same password; one password mail, after delivery', async () => {
      sink.messages.length = 0;
      let deferred = false;
      sink.rcptHook = (rcpt) => {
        if (rcpt !== 'r1@partner.example' || deferred) return null;
        deferred = true;
        return { code: 451, text: '4.3.0 later' };
      };
      try {
        const id = await queueWithPolicy(inst, policy('aes256', 'recipients'), await message('r1@partner.example'), [
          'r1@partner.example',
          'r2@partner.example',
        ]);
        await waitUntil(
          async () => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state === 'delivered',
          'delivered after the retry',
        );
        const pwMail = await waitUntil(async () => sink.messages.find((m) => m.mailFrom === ''), 'the password mail');
        const password = passwordIn((await decode(pwMail.raw)).text!);
        assert.deepEqual([...pwMail.recipients].sort(), ['r1@partner.example', 'r2@partner.example']);
        const zips = sink.messages.filter((m) => m.mailFrom !== '');
        assert.equal(zips.length, 2);
        assert.ok(sink.messages.indexOf(pwMail) > sink.messages.indexOf(zips[1]!), 'the password mail comes last');
        for (const [i, z] of zips.entries()) {
          const zip = join(dir, `retry-${i}.zip`);
          writeFileSync(zip, Buffer.from((await decode(z.raw)).attachments[0]!.content as ArrayBuffer));
          execFileSync('7z', ['t', `-p${password}`, zip], { stdio: 'pipe' });
        }
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(sink.messages.filter((m) => m.mailFrom === '').length, 1, 'one password mail');
      } finally {
        sink.rcptHook = null;
      }
    });
  });
}
