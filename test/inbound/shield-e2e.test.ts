// The inbound shield end to end on SQLite and PostgreSQL: real mail from the corpus through the
// real MX port, SPF/DKIM/DMARC through a real DNS server on loopback, delivery to a real SMTP
// sink. Spam is quarantined, ham arrives byte-identical (apart from our Received and
// Authentication-Results), dangerous attachments and phishing carry the right reasons, DMARC
// p=reject is honoured, .zip is stripped, a zip bomb is refused, release delivers verbatim, and
// the self-release page's GET changes nothing while its POST releases.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { inboundStateOf, releaseQuarantined } from '../../src/inbound/quarantine.ts';
import { runDueDigests, sendDigests } from '../../src/inbound/digest.ts';
import type { Message } from '../../src/store/store.ts';
import { buildZip, deflatedZeros, fileEntry } from './zip-builder.ts';
import { crlf, fixture, headerBlock, sendRaw, waitUntil, withoutSekishoTrace } from './shield-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as { dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string }> };

const POLICY = `version: 1
inbound:
  spam: { tagAt: 4, quarantineAt: 8, tag: "[SPAM]" }
  stripExtensions: [".zip"]
  honourDmarc: true
  rules:
    - name: Refuse archive bombs
      when: { verdict: ["ATTACH_ZIP_BOMB"] }
      then: [ { reject: { reason: "archive bomb" } } ]
`;

const RCPT = 'taro@acme.example';

function idOf(text: string): string {
  const m = /queued as (\S+)/.exec(text);
  assert.ok(m, `no id in ${text}`);
  return m[1]!;
}

function symbolNames(m: Message): string[] {
  return (inboundStateOf(m)?.symbols ?? []).map((s) => s.name);
}

for (const kind of backends()) {
  describe(`inbound shield on ${kind}`, () => {
    let sink: Sink;
    let dns: DnsServer;
    let inst: TestInstance;
    let port: number;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

    before(async () => {
      dns = await startDnsServer([
        { name: 'sender.test', type: 'TXT', value: 'v=spf1 ip4:127.0.0.1 -all' },
        { name: '_dmarc.sender.test', type: 'TXT', value: 'v=DMARC1; p=reject' },
        { name: 'sel._domainkey.sender.test', type: 'TXT', value: `v=DKIM1; k=rsa; p=${pub}` },
        { name: 'bank.test', type: 'TXT', value: 'v=spf1 ip4:192.0.2.1 -all' },
        { name: '_dmarc.bank.test', type: 'TXT', value: 'v=DMARC1; p=reject' },
      ]);
      sink = await startSink();
      inst = await startInstance(
        kind,
        { dnsServers: [dns.address], pollIntervalMs: 50, publicUrl: 'http://127.0.0.1:1' },
        { inboundRoute: sink.url },
      );
      port = inst.sekisho.ports.inbound;
      const applied = await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok, JSON.stringify(applied.errors));
      await updateSettings(
        inst.sekisho.store,
        inst.tenantId,
        { selfRelease: true, staff: [{ name: '山田 太郎', email: 'yamada@acme.co.jp' }] },
        'test',
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    const message = async (id: string) => (await inst.sekisho.store.message(id, ALL_TENANTS))!;
    const deliveredTo = (needle: string) =>
      waitUntil(async () => sink.messages.find((m) => m.raw.includes(needle)), `delivery of ${needle}`);

    it('quarantines spam samples and delivers none of them', async () => {
      for (const f of ['spam/spamassassin/009', 'spam/spamassassin/001', 'spam/rspamd/gtube.eml', 'spam/rspamd/advance_fee_fraud.eml']) {
        const reply = await sendRaw(port, fixture(f), { mailFrom: 'bulk@spam.test', to: [RCPT] });
        assert.equal(reply.code, 250, `${f}: ${reply.text}`);
        const m = await message(idOf(reply.text));
        assert.equal(m.state, 'quarantined', `${f}: ${m.state} score ${inboundStateOf(m)?.score}`);
        assert.ok((inboundStateOf(m)?.score ?? 0) >= 8);
        assert.ok(m.due_at! > Date.now() + 29 * 86_400_000, 'kept until the retention purge');
        const events = await inst.sekisho.store.events(m.id);
        const verdict = events.find((e) => e.type === 'inbound.verdict');
        assert.ok(verdict && /spam score/.test(JSON.parse(verdict.data).reason));
      }
      assert.ok(sink.messages.every((s) => !s.raw.includes('GTUBE')));
    });

    it('delivers ham byte-identical apart from Received and Authentication-Results', async () => {
      for (const f of ['ham/jpmobile/iphone-jis.eml', 'ham/jpmobile/docomo-gmail-sjis.eml', 'ham/jpmobile/pc-mail-multi.eml']) {
        const raw = fixture(f);
        const reply = await sendRaw(port, raw, { mailFrom: 'friend@sender.test', to: [RCPT] });
        assert.equal(reply.code, 250, reply.text);
        const id = idOf(reply.text);
        const got = await deliveredTo(id);
        assert.deepEqual(withoutSekishoTrace(got.raw), raw, f);
        const head = headerBlock(got.raw);
        assert.match(head, /^Received: from mail\.sender\.test /);
        assert.match(
          head,
          new RegExp(
            String.raw`\r\nAuthentication-Results: sekisho\.localhost;\r\n dkim=none[\s\S]*\r\n ` +
              String.raw`spf=pass \(sekisho\.localhost: domain of friend@sender\.test designates 127\.0\.0\.1`,
          ),
        );
        await waitUntil(async () => (await message(id)).state === 'delivered', 'delivered state');
      }
    });

    it('flags executables and macro documents with the right reason', async () => {
      const cases: Array<[string, string]> = [
        ['rspamd/exe_attm.eml', 'ATTACH_EXECUTABLE'],
        ['spamassassin/olevbmacro/malicemacro.eml', 'ATTACH_OFFICE_MACRO'],
        ['spamassassin/olevbmacro/macro.eml', 'ATTACH_OFFICE_MACRO'],
      ];
      for (const [f, symbol] of cases) {
        const reply = await sendRaw(port, fixture(f), { mailFrom: 'x@spam.test', to: [RCPT] });
        assert.equal(reply.code, 250, reply.text);
        const m = await message(idOf(reply.text));
        assert.ok(symbolNames(m).includes(symbol), `${f}: ${symbolNames(m).join(',')}`);
        const detail = inboundStateOf(m)!.symbols.find((s) => s.name === symbol)!.detail;
        assert.ok(detail, 'the symbol says which file');
      }
      assert.equal(
        (await message(idOf((await sendRaw(port, fixture('rspamd/exe_attm.eml'), { mailFrom: 'x@spam.test', to: [RCPT] })).text))).state,
        'quarantined',
      );
      // macro.eml scores between tagAt and quarantineAt: delivered with the subject tag.
      const tagged = idOf(
        (await sendRaw(port, fixture('spamassassin/olevbmacro/macro.eml'), { mailFrom: 'x@spam.test', to: [RCPT] })).text,
      );
      assert.ok(['queued', 'delivered'].includes((await message(tagged)).state));
      const got = await deliveredTo(tagged);
      assert.match(headerBlock(got.raw), /\r\nSubject: \[SPAM\] /);
    });

    it('flags phishing, brand impersonation and a look-alike of the tenant domain', async () => {
      const phish = await sendRaw(port, fixture('phishing/rspamd/phishing1.eml'), { mailFrom: 'x@phish.test', to: [RCPT] });
      const pm = await message(idOf(phish.text));
      assert.equal(pm.state, 'quarantined');
      assert.ok(symbolNames(pm).includes('PHISH_LINK_TEXT_MISMATCH'));

      const brand = crlf(
        'From: =?UTF-8?B?' +
          Buffer.from('楽天カード株式会社').toString('base64') +
          '?= <info@rakuten-card-security.test>\nTo: taro@acme.example\nSubject: =?UTF-8?B?' +
          Buffer.from('【重要】カードのご利用確認').toString('base64') +
          '?=\nDate: Mon, 1 Jun 2026 10:00:00 +0900\nMessage-ID: <b1@rakuten-card-security.test>\nMIME-Version: ' +
          '1.0\nContent-Type: text/plain; charset=UTF-8\n\nご本人確認のため、ログインしてください。\n',
      );
      const bm = await message(idOf((await sendRaw(port, brand, { mailFrom: 'info@rakuten-card-security.test', to: [RCPT] })).text));
      assert.ok(symbolNames(bm).includes('PHISH_BRAND_IMPERSONATION'), symbolNames(bm).join(','));

      const lookalike = crlf(
        'From: =?UTF-8?B?' +
          Buffer.from('山田 太郎').toString('base64') +
          '?= <yamada@acrne.co.jp>\nTo: taro@acme.example\nSubject: invoice\nDate: Mon, 1 Jun 2026 10:00:00 ' +
          '+0900\nMessage-ID: <l1@acrne.co.jp>\n\nPlease pay the attached invoice today.\n',
      );
      const lm = await message(idOf((await sendRaw(port, lookalike, { mailFrom: 'yamada@acrne.co.jp', to: [RCPT] })).text));
      assert.ok(symbolNames(lm).includes('PHISH_LOOKALIKE_DOMAIN'), symbolNames(lm).join(','));
      assert.ok(symbolNames(lm).includes('PHISH_STAFF_IMPERSONATION'), symbolNames(lm).join(','));
    });

    it('verifies SPF and DKIM through DNS, removes forged results, and honours DMARC p=reject', async () => {
      const unsigned = crlf(
        'From: news@sender.test\nTo: taro@acme.example\nSubject: signed\nDate: Mon, 1 Jun 2026 10:00:00 ' +
          '+0900\nMessage-ID: <s1@sender.test>\n\nhello\n',
      );
      const { signatures } = await dkimSign(unsigned, {
        signatureData: [{ signingDomain: 'sender.test', selector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
      });
      const forged = 'Authentication-Results: sekisho.localhost; dkim=pass header.d=bank.test\r\n';
      const signed = Buffer.concat([Buffer.from(forged + signatures, 'latin1'), unsigned]);
      const reply = await sendRaw(port, signed, { mailFrom: 'news@sender.test', to: [RCPT] });
      const id = idOf(reply.text);
      const state = inboundStateOf(await message(id))!;
      assert.equal(state.auth.spf, 'pass');
      assert.equal(state.auth.dkim, 'pass');
      assert.equal(state.auth.dmarc, 'pass');
      const got = await deliveredTo(id);
      const head = headerBlock(got.raw);
      assert.equal(head.match(/Authentication-Results: sekisho\.localhost/g)?.length, 1, 'only our own result remains');
      assert.match(head, /dkim=pass header\.i=@sender\.test header\.s=sel/);
      assert.match(head, /dmarc=pass .*header\.from=sender\.test/);
      assert.doesNotMatch(head, /header\.d=bank\.test/);

      const spoof = crlf(
        'From: security@bank.test\nTo: taro@acme.example\nSubject: verify\nDate: Mon, 1 Jun 2026 10:00:00 ' +
          '+0900\nMessage-ID: <x@bank.test>\n\nhello\n',
      );
      const refused = await sendRaw(port, spoof, { mailFrom: 'security@bank.test', to: [RCPT] });
      assert.equal(refused.code, 550, refused.text);
      assert.match(refused.text, /5\.7\.1 .*DMARC/);
    });

    it('strips .zip attachments with a notice part when configured, and refuses a zip bomb', async () => {
      const zip = Buffer.from(buildZip([fileEntry('readme.txt', Buffer.from('hello'))]))
        .toString('base64')
        .replace(/.{76}/g, '$&\n');
      const mail = crlf(
        `From: partner@sender.test\nTo: taro@acme.example\nSubject: files\nDate: Mon, 1 Jun 2026 10:00:00 ` +
          `+0900\nMessage-ID: <z1@sender.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
          `boundary="b1"\n\n--b1\nContent-Type: text/plain; charset=UTF-8\n\nsee attached\n--b1\nContent-Type: application/zip; ` +
          `name="docs.zip"\nContent-Disposition: attachment; filename="docs.zip"\nContent-Transfer-Encoding: ` +
          `base64\n\n${zip}\n--b1--\n`,
      );
      const id = idOf((await sendRaw(port, mail, { mailFrom: 'partner@sender.test', to: [RCPT] })).text);
      const got = await deliveredTo(id);
      const text = got.raw.toString('latin1');
      assert.doesNotMatch(text, /application\/zip/);
      assert.match(text, /see attached/);
      const notice = new RegExp(
        String.raw`Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename\*=UTF-8''docs\.zip\.txt\r\n\r\n` +
          String.raw`([A-Za-z0-9+/=\r\n]+)`,
      ).exec(text);
      assert.ok(notice, text);
      assert.match(
        Buffer.from(notice[1]!, 'base64').toString('utf8'),
        /添付ファイル「docs\.zip」は、受信フィルターの設定により削除されました。/,
      );

      const before = process.memoryUsage().rss;
      const zeros = await deflatedZeros(64 * 1024 * 1024);
      const bomb = Buffer.from(buildZip([{ name: 'zeros.bin', data: zeros, method: 8, uncompressedSize: 64 * 1024 * 1024 }]))
        .toString('base64')
        .replace(/.{76}/g, '$&\n');
      const bombMail = crlf(
        `From: x@spam.test\nTo: taro@acme.example\nSubject: report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
          `boundary="b2"\n\n--b2\nContent-Type: text/plain\n\nreport\n--b2\nContent-Type: application/zip; ` +
          `name="report.zip"\nContent-Disposition: attachment; filename="report.zip"\nContent-Transfer-Encoding: ` +
          `base64\n\n${bomb}\n--b2--\n`,
      );
      const refused = await sendRaw(port, bombMail, { mailFrom: 'x@spam.test', to: [RCPT] });
      assert.equal(refused.code, 550, refused.text);
      assert.match(refused.text, /archive bomb/);
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 200 * 1024 * 1024, `memory grew by ${grown} bytes`);
    });

    it('releases quarantined mail once, byte-identical to what was stored', async () => {
      const reply = await sendRaw(port, fixture('spam/spamassassin/004'), { mailFrom: 'bulk@spam.test', to: [RCPT] });
      const id = idOf(reply.text);
      assert.equal((await message(id)).state, 'quarantined');
      const stored = (await inst.sekisho.store.body(id))!;
      await releaseQuarantined(inst.sekisho.store, inst.tenantId, id, 'admin@acme.example', () => inst.sekisho.worker.wake());
      await assert.rejects(releaseQuarantined(inst.sekisho.store, inst.tenantId, id, 'admin@acme.example'), /not quarantined/);
      const got = await deliveredTo(id);
      assert.deepEqual(got.raw, stored);
      await waitUntil(async () => (await message(id)).state === 'delivered', 'delivered state');
      assert.equal(sink.messages.filter((m) => m.raw.includes(id)).length, 1);
    });

    it('purges quarantined mail when its retention ends (body dropped, audit kept)', async () => {
      const id = idOf((await sendRaw(port, fixture('spam/rspamd/gtube.eml'), { mailFrom: 'bulk@spam.test', to: [RCPT] })).text);
      assert.equal((await message(id)).state, 'quarantined');
      // Retention ends now: the same due_at the accept stage set, moved to the present.
      await inst.sekisho.store.db.updateTable('messages').set({ due_at: Date.now() }).where('id', '=', id).execute();
      inst.sekisho.worker.wake();
      await waitUntil(async () => (await message(id)).state === 'discarded', 'purge');
      // The body is dropped right after the state change is committed, in its own statement.
      await waitUntil(async () => (await inst.sekisho.store.body(id))!.length === 0, 'body dropped');
      assert.ok((await inst.sekisho.store.events(id)).some((e) => e.type === 'quarantine.purged'));
    });

    it('periodic digest: due tenants get one run, claimed once', async () => {
      await sendRaw(port, fixture('spam/spamassassin/009'), { mailFrom: 'bulk@spam.test', to: ['jiro@acme.example'] });
      await updateSettings(inst.sekisho.store, inst.tenantId, { digestHours: 24 }, 'test');
      const deps = { store: inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: 'http://127.0.0.1:1' };
      const [a, b] = await Promise.all([runDueDigests(deps), runDueDigests(deps)]);
      assert.ok(a + b >= 1, 'someone sent the digests');
      assert.ok(a === 0 || b === 0, 'only one run claimed the tenant');
      assert.equal(await runDueDigests(deps), 0, 'not due again for 24 h');
      await updateSettings(inst.sekisho.store, inst.tenantId, { digestHours: 0 }, 'test');
    });

    it('self-release: the digest link page shows a button; GET changes nothing, POST releases', async () => {
      const reply = await sendRaw(port, fixture('spam/spamassassin/001'), { mailFrom: 'bulk@spam.test', to: ['hanako@acme.example'] });
      const id = idOf(reply.text);
      const result = await sendDigests(
        { store: inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: `http://127.0.0.1:${inst.sekisho.ports.http}` },
        inst.tenantId,
        { recipient: 'hanako@acme.example' },
      );
      assert.equal(result.sent.length, 1);
      inst.sekisho.worker.wake();
      const digest = await waitUntil(
        async () =>
          sink.messages.find((m) => m.recipients.includes('hanako@acme.example') && m.raw.includes('Auto-Submitted: auto-generated')),
        'digest',
      );
      const decoded = digestText(digest.raw);
      const link = /(http:\/\/127\.0\.0\.1:\d+\/q\/[A-Za-z0-9_-]+)/.exec(decoded)?.[1];
      assert.ok(link, decoded);
      const page = await fetch(link);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<form method="post"/);
      assert.match(html, /<button type="submit">配送する \/ Release<\/button>/);
      assert.equal((await message(id)).state, 'quarantined', 'GET must not release');
      const post = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=release',
      });
      assert.equal(post.status, 200);
      assert.match(await post.text(), /隔離を解除しました/);
      await deliveredTo(id);
      const again = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'action=release',
      });
      assert.match(await again.text(), /すでに処理されています/);
    });
  });
}

/** The digest's text part, decoded (it is base64 UTF-8). */
function digestText(raw: Buffer): string {
  const text = raw.toString('latin1');
  const parts = [...text.matchAll(/Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/g)];
  return parts.map((p) => Buffer.from(p[1]!, 'base64').toString('utf8')).join('\n');
}
