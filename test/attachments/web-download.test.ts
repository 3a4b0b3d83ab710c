// Web download end to end on SQLite and PostgreSQL: a real ISO-2022-JP mail (jpmobile au-attached)
// queued under a real webDownload policy reaches the smart host as one copy per recipient, each
// with its own link in a notice that reads correctly in the original charset and every original
// character kept; the page lists and serves the stored file byte-identical; downloads are
// recorded per recipient; withdraw → 取り下げ; expiry → 期限切れ and purged; passcode flow;
// hostile file names escaped; a token opens its own message's files only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { runCli } from '../helpers/process.ts';
import { downloadStatus, purgeExpired, withdrawFiles } from '../../src/attachments/control.ts';
import { attachmentDetails } from '../../src/attachments/details.ts';
import { blobStoreFor } from '../../src/blob/blob-store-for.ts';
import { decode, http, queueWithPolicy, waitUntil } from './attachments-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const AU = readFileSync(new URL('../fixtures/attachments/au-attached.eml', import.meta.url));

const POLICY = `version: 1
outbound:
  rules:
    - name: External attachments by link
      when: { recipients: { external: true }, attachments: true }
      then:
        - webDownload: { position: top, expiresDays: 7, language: both }
`;
const PASSCODE_POLICY = `version: 1
outbound:
  rules:
    - name: Passcode downloads
      when: { attachments: true }
      then:
        - webDownload: { position: bottom, expiresDays: 3, maxDownloads: 2, passcode: true, language: ja }
`;

function urlIn(text: string): string {
  const m = /(?:ダウンロードURL|Download URL): (\S+)/.exec(text);
  assert.ok(m, 'notice with a download URL');
  return m[1]!;
}

async function composed(opts: { filename: string; content: Buffer; to: string }): Promise<Buffer> {
  return new MailComposer({
    from: 'taro@acme.example',
    to: opts.to,
    subject: '資料の送付',
    text: 'お世話になっております。資料をお送りします。\n',
    html: '<p>お世話になっております。資料をお送りします。</p>',
    attachments: [{ filename: opts.filename, content: opts.content }],
  })
    .compile()
    .build();
}

for (const kind of backends()) {
  describe(`web download on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let get: ReturnType<typeof http>;
    const env = () => ({ SEKISHO_DATA_DIR: inst.db.dataDir, SEKISHO_DATABASE_URL: inst.db.url ?? '' });

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, {
        relay: sink.url,
        publicUrl: 'https://files.example/sekisho',
        pollIntervalMs: 100,
        retrySchedule: '300ms',
      });
      get = http(inst);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('stores once, sends one copy per recipient with its own link, keeps every ISO-2022-JP character, records downloads', async () => {
      const recipients = ['a@partner.example', 'b@other.example'];
      const id = await queueWithPolicy(inst, POLICY, AU, recipients);
      const copies = await sink.waitFor(2);
      const original = await decode(AU);
      assert.equal(original.attachments.length, 1);
      const urls = new Map<string, string>();
      for (const copy of copies) {
        assert.equal(copy.recipients.length, 1);
        const text = copy.raw.toString('latin1');
        assert.match(text, /Content-Type: text\/plain; charset="iso-2022-jp"/i, 'the part keeps its charset');
        assert.doesNotMatch(text, /image\/jpeg/, 'the attachment is gone');
        const parsed = await decode(copy.raw);
        assert.equal(parsed.attachments.length, 0);
        assert.equal(parsed.subject, original.subject);
        assert.ok(parsed.text!.includes(original.text!.trim()), 'every original character is kept');
        assert.match(parsed.text!, /添付ファイルはダウンロードURL形式でお送りしました。/);
        assert.match(parsed.text!, /The attachments to this message were sent as a download link\./);
        assert.match(parsed.text!, /20098calendar01\.jpg/);
        const url = urlIn(parsed.text!);
        assert.match(url, /^https:\/\/files\.example\/sekisho\/d\/[A-Za-z0-9_-]{27,}$/);
        urls.set(copy.recipients[0]!, url);
      }
      assert.notEqual(urls.get(recipients[0]!), urls.get(recipients[1]!), 'per-recipient tokens');

      // The page behind the proxy prefix: file list with size; the file byte-identical.
      const pageUrl = new URL(urls.get(recipients[0]!)!).pathname.replace(/^\/sekisho/, '');
      const page = await get(pageUrl);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      const html = await page.text();
      assert.match(html, /20098calendar01\.jpg/);
      assert.match(html, /KB/);
      assert.match(html, /name="viewport"/);
      assert.equal((await get(`${pageUrl}/f/1`, { method: 'HEAD' })).status, 200, 'HEAD does not count');
      const file = await get(`${pageUrl}/f/1`);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-type'), 'application/octet-stream');
      assert.match(file.headers.get('content-disposition')!, /filename\*=UTF-8''20098calendar01\.jpg/);
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), Buffer.from(original.attachments[0]!.content as ArrayBuffer));

      const status = await downloadStatus(inst.sekisho.store, ALL_TENANTS, id);
      assert.equal(status.files.length, 1);
      const a = status.recipients.find((r) => r.recipient === recipients[0])!;
      const b = status.recipients.find((r) => r.recipient === recipients[1])!;
      assert.equal(a.count, 1);
      assert.equal(a.lastIp, '127.0.0.1');
      assert.equal(a.lastUserAgent, 'sekisho-test-agent');
      assert.equal(b.count, 0);
      assert.equal(status.downloads.length, 1);
      const details = await attachmentDetails(inst.sekisho.store, id);
      assert.equal(details.downloads!.find((d) => d.recipient === recipients[0])!.count, 1);
      assert.equal(details.zipPassword, undefined);

      // CLI: list, then withdraw → the page says withdrawn (取り下げ) and the blob is gone.
      const list = await runCli(['download', 'list', '--message', id, '--json'], env());
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as { recipients: Array<{ count: number }> }).recipients.length, 2);
      for (const args of [
        ['download', 'withdraw', id, '--file', '9'],
        ['download', 'expire', id, '--days', '400'],
      ]) {
        const bad = await runCli(args, env());
        assert.equal(bad.code, 1, args.join(' '));
        assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
      }
      assert.equal(
        (await downloadStatus(inst.sekisho.store, ALL_TENANTS, id)).files[0]!.state,
        'available',
        'bad arguments changed nothing',
      );
      // withdrawing asks first, naming the files and that the links stop working; no "yes", nothing happens
      const refused = await runCli(['download', 'withdraw', id], env());
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /download links stop working/);
      assert.match(refused.stderr, /nothing was withdrawn/);
      assert.equal((await downloadStatus(inst.sekisho.store, ALL_TENANTS, id)).files[0]!.state, 'available', 'no answer withdrew nothing');
      const withdrawn = await runCli(['download', 'withdraw', id], env(), 'yes\n');
      assert.equal(withdrawn.code, 0, withdrawn.stderr);
      const gone = await get(pageUrl);
      assert.equal(gone.status, 410);
      assert.match(await gone.text(), /取り下げ/);
      assert.equal((await get(`${pageUrl}/f/1`)).status, 410);
      const blobs = blobStoreFor({ dataDir: inst.db.dataDir }, inst.sekisho.store);
      assert.equal(await blobs.exists(`download/${id}/1`), false);
    });

    it('expired files: the page says 期限切れ and the retention job purges them', async () => {
      sink.messages.length = 0;
      const raw = await composed({ filename: 'report.pdf', content: Buffer.from('%PDF-1.4 expiring'), to: 'c@partner.example' });
      const id = await queueWithPolicy(inst, POLICY, raw, ['c@partner.example']);
      const [copy] = await sink.waitFor(1);
      const pageUrl = new URL(urlIn((await decode(copy!.raw)).text!)).pathname.replace(/^\/sekisho/, '');
      assert.equal((await get(pageUrl)).status, 200);
      const r = await runCli(['download', 'expire', id, '--days', '0'], env());
      assert.equal(r.code, 0, r.stderr);
      const expired = await get(pageUrl);
      assert.equal(expired.status, 410);
      assert.match(await expired.text(), /期限切れ/);
      // the module's periodic sweep purges it (purgeExpired is idempotent: running it again is harmless)
      const status = await waitUntil(async () => {
        const s = await downloadStatus(inst.sekisho.store, ALL_TENANTS, id);
        return s.files[0]!.purgedAt ? s : null;
      }, 'the retention purge');
      assert.equal(status.files[0]!.state, 'expired');
      assert.equal(await purgeExpired(inst.sekisho.store, blobStoreFor({ dataDir: inst.db.dataDir }, inst.sekisho.store)), 0);
      // the sweep records the purge after deleting the file: wait for that event, not just purged_at
      await waitUntil(
        async () => ((await inst.sekisho.store.events(id)).some((e) => e.type === 'download.purged') ? true : null),
        'the download.purged event',
      );
    });

    const passcodeCase = 'passcode: code mailed to the recipient, wrong code refused, right code opens; maxDownloads; names escaped';
    it(`${passcodeCase}; tokens isolated`, async () => {
      sink.messages.length = 0;
      const hostile = '<img src=x onerror=alert(1)>見積書.txt';
      const content = Buffer.from('機密データ\n', 'utf8');
      const raw = await composed({ filename: hostile, content, to: 'd@partner.example' });
      const id = await queueWithPolicy(inst, PASSCODE_POLICY, raw, ['d@partner.example']);
      const [copy] = await sink.waitFor(1);
      const parsed = await decode(copy!.raw);
      assert.match(parsed.text!, /確認コードが必要です/);
      const pageUrl = new URL(urlIn(parsed.text!)).pathname.replace(/^\/sekisho/, '');
      const token = pageUrl.split('/').pop()!;

      const page = await get(pageUrl);
      const html = await page.text();
      assert.match(html, /確認コード/);
      assert.doesNotMatch(html, /<img src=x/);
      assert.equal((await get(`${pageUrl}/f/1`)).status, 303, 'no file before the code');
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      assert.equal(
        (await get(`${pageUrl}/code`, { method: 'POST', headers: { ...form, 'sec-fetch-site': 'cross-site' }, body: '' })).status,
        403,
      );
      const sent = await get(`${pageUrl}/code`, { method: 'POST', headers: form, body: '' });
      assert.equal(sent.status, 303);
      const code = await waitUntil(async () => {
        for (const m of sink.messages.filter((x) => x.recipients.includes('d@partner.example'))) {
          const found = /確認コード: (\d{6,8})/.exec((await decode(m.raw)).text ?? '');
          if (found) return found[1]!;
        }
        return null;
      }, 'the passcode mail');
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const refused = await get(`${pageUrl}/verify`, { method: 'POST', headers: form, body: `code=${wrong}` });
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /正しくありません/);
      const ok = await get(`${pageUrl}/verify`, { method: 'POST', headers: form, body: `code=${code}` });
      assert.equal(ok.status, 303);
      const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
      assert.match(ok.headers.get('set-cookie')!, /HttpOnly/);
      const list = await (await get(pageUrl, { headers: { cookie } })).text();
      assert.match(list, /&lt;img src=x onerror=alert\(1\)&gt;見積書\.txt/);
      assert.doesNotMatch(list, /<img src=x/);
      const f1 = await get(`${pageUrl}/f/1`, { headers: { cookie } });
      assert.equal(f1.status, 200);
      assert.deepEqual(Buffer.from(await f1.arrayBuffer()), content);
      assert.equal((await get(`${pageUrl}/f/1`, { headers: { cookie } })).status, 200);
      const third = await get(`${pageUrl}/f/1`, { headers: { cookie } });
      assert.equal(third.status, 403, 'maxDownloads: 2');
      assert.match(await third.text(), /上限/);

      // The cookie is bound to its token; another token, a forged token, or a bad index opens nothing.
      const others = (await downloadStatus(inst.sekisho.store, ALL_TENANTS, id)).recipients;
      assert.equal(others[0]!.token, token);
      const foreign = await get(`/d/${'A'.repeat(27)}/f/1`, { headers: { cookie } });
      assert.equal(foreign.status, 404);
      assert.equal((await get(`/d/${token}/f/2`, { headers: { cookie } })).status, 403);
      assert.equal((await get(`/d/../../etc/passwd`)).status, 404);
      const events = (await inst.sekisho.store.events(id)).map((e) => e.type);
      assert.ok(events.includes('download.passcode.verified'));
      assert.equal(events.filter((t) => t === 'download').length, 2);
    });

    it('all files as one ZIP, streamed: opens with unzip, names and bytes intact', async () => {
      sink.messages.length = 0;
      const files = [
        { filename: '議事録.docx', content: Buffer.from('議事録の内容'.repeat(500)) },
        { filename: '図面 A.pdf', content: Buffer.from('%PDF-1.4 図面') },
      ];
      const raw = new MailComposer({
        from: 'taro@acme.example',
        to: 'e@partner.example',
        subject: '資料',
        text: '本文\n',
        attachments: files,
      })
        .compile()
        .build();
      const id = await queueWithPolicy(inst, POLICY, await raw, ['e@partner.example']);
      const [copy] = await sink.waitFor(1);
      const pageUrl = new URL(urlIn((await decode(copy!.raw)).text!)).pathname.replace(/^\/sekisho/, '');
      assert.match(await (await get(pageUrl)).text(), /all\.zip/);
      const res = await get(`${pageUrl}/all.zip`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/zip');
      const dir = mkdtempSync(join(tmpdir(), 'sekisho-all-zip-'));
      try {
        writeFileSync(join(dir, 'all.zip'), Buffer.from(await res.arrayBuffer()));
        execFileSync('unzip', ['-d', join(dir, 'x'), join(dir, 'all.zip')], { stdio: 'pipe' });
        for (const f of files) assert.deepEqual(readFileSync(join(dir, 'x', f.filename)), f.content, f.filename);
        // withdraw one file: it is listed as withdrawn, the other still downloads
        const blobs = blobStoreFor({ dataDir: inst.db.dataDir }, inst.sekisho.store);
        assert.equal(await withdrawFiles(inst.sekisho.store, blobs, ALL_TENANTS, id, { file: 1, actor: 'taro@acme.example' }), 1);
        const page = await (await get(pageUrl)).text();
        assert.match(page, /議事録\.docx.*取り下げ/);
        assert.equal((await get(`${pageUrl}/f/1`)).status, 410);
        assert.equal((await get(`${pageUrl}/f/2`)).status, 200);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('through the real accept path: policy apply, SMTP submission, per-recipient copies', async () => {
      sink.messages.length = 0;
      const applied = await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok);
      const raw = await composed({ filename: '提案書.pdf', content: Buffer.from('%PDF-1.4 提案'), to: 'f@partner.example' });
      const transport = submissionClient(inst.sekisho.ports.submission);
      const info = await transport.sendMail({ envelope: { from: USER, to: ['f@partner.example', 'g@partner.example'] }, raw });
      transport.close();
      const id = /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
      const copies = await sink.waitFor(2);
      const tokens = new Set<string>();
      for (const c of copies) {
        const parsed = await decode(c.raw);
        assert.equal(parsed.attachments.length, 0);
        assert.match(parsed.text!, /お世話になっております。資料をお送りします。/);
        assert.match(parsed.html!, /ダウンロードURL/);
        tokens.add(urlIn(parsed.text!));
      }
      assert.equal(tokens.size, 2);
      const status = await downloadStatus(inst.sekisho.store, ALL_TENANTS, id);
      assert.equal(status.files[0]!.filename, '提案書.pdf');
      assert.deepEqual(
        status.recipients.map((r) => r.recipient),
        ['f@partner.example', 'g@partner.example'],
      );
      // A token opens its own message's files only: file 2 exists in an earlier message, not here.
      const own = `/d/${status.recipients[0]!.token}`;
      assert.equal(Buffer.from(await (await get(`${own}/f/1`)).arrayBuffer()).toString(), '%PDF-1.4 提案');
      assert.equal((await get(`${own}/f/2`)).status, 404);
      assert.equal((await get(`${own}/f/..%2f..%2f1`)).status, 404);
    });

    it('a deferred recipient is retried with the same stored files and the same link', async () => {
      sink.messages.length = 0;
      let deferred = false;
      sink.rcptHook = (rcpt) => {
        if (rcpt !== 'h@partner.example' || deferred) return null;
        deferred = true;
        return { code: 451, text: '4.3.0 try again later' };
      };
      try {
        const raw = await composed({ filename: 'retry.pdf', content: Buffer.from('%PDF-1.4 retry'), to: 'h@partner.example' });
        const id = await queueWithPolicy(inst, POLICY, raw, ['h@partner.example', 'i@partner.example']);
        await waitUntil(
          async () => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state === 'delivered',
          'delivered after the retry',
        );
        const h = sink.messages.filter((m) => m.recipients.includes('h@partner.example'));
        assert.equal(h.length, 1);
        const status = await downloadStatus(inst.sekisho.store, ALL_TENANTS, id);
        assert.equal(
          urlIn((await decode(h[0]!.raw)).text!)
            .split('/')
            .pop(),
          status.recipients.find((r) => r.recipient === 'h@partner.example')!.token,
        );
        const events = (await inst.sekisho.store.events(id)).map((e) => e.type);
        assert.equal(events.filter((t) => t === 'attachments.stored').length, 1, 'stored once');
        assert.ok(events.includes('deferred'));
      } finally {
        sink.rcptHook = null;
      }
    });

    it('nothing to store (only an inline image): delivered unchanged with an audit note', async () => {
      sink.messages.length = 0;
      const raw = await new MailComposer({
        from: 'taro@acme.example',
        to: 'j@partner.example',
        subject: 'ロゴ',
        html: '<p>ロゴ <img src="cid:logo@x"></p>',
        attachments: [
          { filename: 'logo.png', content: Buffer.from('png'), cid: 'logo@x', contentType: 'image/png', contentDisposition: 'inline' },
        ],
      })
        .compile()
        .build();
      const id = await queueWithPolicy(inst, POLICY, raw, ['j@partner.example'], (plan) => {
        plan.actions.push({
          type: 'webDownload',
          rule: 'forced',
          source: 'rule',
          position: 'top',
          expiresDays: 7,
          applyTo: 'all',
          passcode: false,
          language: 'ja',
        });
      });
      const [got] = await sink.waitFor(1);
      assert.ok(got!.raw.includes(raw.subarray(raw.indexOf('\r\n\r\n'))), 'body unchanged');
      assert.ok((await inst.sekisho.store.events(id)).some((e) => e.type === 'attachments.download.skipped'));
      assert.deepEqual(await attachmentDetails(inst.sekisho.store, id), {});
    });

    // last: it blocks this client IP on this instance
    it('unknown tokens are throttled per client IP', async () => {
      let last = 0;
      for (let i = 0; i < 31; i++) last = (await get(`/d/${'x'.repeat(20)}${String(i).padStart(8, '0')}`)).status;
      assert.equal(last, 429);
      assert.match(await (await get(`/d/${'y'.repeat(27)}`)).text(), /しばらくしてから/);
    });
  });
}
