// Phishing and impersonation: real samples from rspamd and SpamAssassin, and messages built
// here for the tenant-specific cases (brand, staff, executive, look-alike domain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPhishing, nameMatches } from '../../src/inbound/phishing/detect-phishing.ts';
import { TENANT, fixtureInput, inputFrom } from './mail.ts';

async function names(path: string): Promise<string[]> {
  const input = await fixtureInput(path);
  return detectPhishing(input.facts, input.tenant).symbols.map((s) => s.name);
}

function mail(from: string, subject: string, body: string, extra = ''): string {
  return (
    `From: ${from}\nTo: user@acme-shoji.co.jp\nSubject: ${subject}\nDate: Mon, 1 Sep 2025 10:00:00 ` +
    `+0900\nMessage-ID: <t1@sender.example>\nMIME-Version: 1.0\n${extra}Content-Type: text/html; charset=UTF-8\n\n${body}\n`
  );
}

test('rspamd phishing samples: anchor text shows one domain, the link goes to another', async () => {
  for (const f of ['phishing1.eml', 'phishing3.eml']) {
    assert.ok((await names(`phishing/rspamd/${f}`)).includes('PHISH_LINK_TEXT_MISMATCH'), f);
  }
});

test('rspamd url_suspect samples: IP links and userinfo tricks; a normal URL is clean', async () => {
  assert.ok((await names('phishing/rspamd/url_suspect_numeric_ip.eml')).includes('PHISH_IP_LINK'));
  assert.ok((await names('phishing/rspamd/url_suspect_long_user.eml')).includes('PHISH_URL_USERINFO'));
  assert.deepEqual(await names('phishing/rspamd/url_suspect_normal.eml'), []);
});

test('rspamd sa_display_name_spoof: "Bank of America Alerts" from an unrelated domain', async () => {
  assert.deepEqual(await names('phishing/rspamd/sa_display_name_spoof.eml'), ['PHISH_BRAND_IMPERSONATION']);
});

test('SpamAssassin phishing feeds samples: credential pages on unrelated sites', async () => {
  const open = await names('phishing/spamassassin/phishing_openphish.eml');
  assert.ok(open.includes('PHISH_BRAND_IN_URL') && open.includes('PHISH_CREDENTIAL_URL'), open.join());
  assert.ok((await names('phishing/spamassassin/phishing_phishtank.eml')).includes('PHISH_CREDENTIAL_URL'));
});

test('SpamAssassin fromnamespoof: display name shows another address', async () => {
  assert.ok((await names('phishing/spamassassin/fromnamespoof-spoof1.eml')).includes('PHISH_DISPLAY_NAME_ADDRESS'));
});

test('rspamd replyto.eml: Reply-To diverts to another domain', async () => {
  assert.ok((await names('phishing/rspamd/replyto.eml')).includes('PHISH_REPLYTO_DIVERT'));
});

test('brand impersonation: "楽天カード" (ISO-2022-JP encoded name) from a non-Rakuten domain', async () => {
  // =?ISO-2022-JP?B?GyRCM1pFNyUrITwlSRsoQg==?= is 楽天カード
  const input = await inputFrom(
    mail(
      '=?ISO-2022-JP?B?GyRCM1pFNyUrITwlSRsoQg==?= <info@rakuten-card-secure.com>',
      'ご利用確認のお願い',
      '<p>お客様のカードが不正利用された可能性があります。</p><a href="https://rakuten-card-secure.com/login.php">https://www.rakuten-card.co.jp/</a>',
    ),
  );
  assert.equal(input.facts.from?.name, '楽天カード');
  const report = detectPhishing(input.facts, input.tenant);
  const got = report.symbols.map((s) => s.name);
  assert.ok(got.includes('PHISH_BRAND_IMPERSONATION'), got.join());
  assert.ok(got.includes('PHISH_LINK_TEXT_MISMATCH'), got.join());
  assert.match(report.symbols.find((s) => s.name === 'PHISH_BRAND_IMPERSONATION')!.detail!, /Rakuten/);
});

test('the real brand is not flagged: 楽天カード from rakuten-card.co.jp, アマゾン from amazon.co.jp', async () => {
  for (const from of [
    '=?UTF-8?B?5qW95aSp44Kr44O844OJ?= <info@mail.rakuten-card.co.jp>',
    '=?UTF-8?B?44Ki44Oe44K+44Oz?= <store-news@amazon.co.jp>',
  ]) {
    const input = await inputFrom(mail(from, 'お知らせ', '<p>いつもご利用ありがとうございます。</p>'));
    assert.deepEqual(detectPhishing(input.facts, input.tenant).symbols, [], from);
  }
});

test('an admin-added brand is enforced', async () => {
  const tenant = { ...TENANT, brands: [{ brand: 'Acme Bank', names: ['アクメ銀行'], domains: ['acmebank.example'] }] };
  const input = await inputFrom(
    mail('=?UTF-8?B?44Ki44Kv44Oh6YqA6KGM?= <no-reply@acme-bank-login.example>', 'お知らせ', '<p>x</p>'),
    tenant,
  );
  assert.equal(input.facts.from?.name, 'アクメ銀行');
  assert.ok(detectPhishing(input.facts, tenant).symbols.some((s) => s.name === 'PHISH_BRAND_IMPERSONATION'));
});

test("look-alike of the tenant's own domain (acme-shojl.co.jp)", async () => {
  const input = await inputFrom(mail('Accounting <billing@acme-shojl.co.jp>', 'Invoice', '<p>Please see the invoice.</p>'));
  const s = detectPhishing(input.facts, input.tenant).symbols.find((x) => x.name === 'PHISH_LOOKALIKE_DOMAIN');
  assert.ok(s);
  assert.match(s.detail!, /acme-shoji\.co\.jp/);
  // the tenant's own subdomain is not a look-alike
  const own = await inputFrom(mail('Accounting <billing@mail.acme-shoji.co.jp>', 'Invoice', '<p>ok</p>'));
  assert.deepEqual(detectPhishing(own.facts, own.tenant).symbols, []);
});

test('inbound look-alikes under the Public Suffix List (issue 22) and names that cannot exist in DNS', async () => {
  const tenant = { ...TENANT, domains: ['acme.onmicrosoft.com', 'example.tokyo.jp', 'acme.co.jp'] };
  for (const from of ['billing@acrne.onmicrosoft.com', 'billing@examp1e.tokyo.jp', 'billing@acme-co.jp', 'billing@xn--cme-5cd.co.jp']) {
    const input = await inputFrom(mail(`Billing <${from}>`, 'Invoice', '<p>Please see the invoice.</p>'), tenant);
    const names = detectPhishing(input.facts, tenant).symbols.map((s) => s.name);
    assert.ok(names.includes('PHISH_LOOKALIKE_DOMAIN'), `${from}: ${names.join()}`);
  }
  const link = await inputFrom(
    mail('News <news@sender.example>', 'News', '<a href="https://acrne.onmicrosoft.com/login">here</a>'),
    tenant,
  );
  assert.ok(detectPhishing(link.facts, tenant).symbols.some((s) => s.name === 'PHISH_LOOKALIKE_LINK'));
  const long = await inputFrom(mail(`X <x@${'a'.repeat(300)}.com>`, 'x', `<a href="https://${'b'.repeat(70)}.example/">x</a>`), tenant);
  const got = detectPhishing(long.facts, tenant).symbols.map((s) => s.name);
  assert.ok(got.includes('PHISH_INVALID_SENDER_DOMAIN') && got.includes('PHISH_INVALID_LINK_HOST'), got.join());
  const named = await inputFrom(mail(`"${'山'.repeat(5000)}" <x@sender.example>`, 'x', '<p>x</p>'), tenant);
  assert.ok(detectPhishing(named.facts, tenant).symbols.some((s) => s.name === 'PHISH_LONG_DISPLAY_NAME'));
});

test('executive and staff impersonation from outside; the same person inside is fine', async () => {
  const ceo = await inputFrom(
    mail('=?UTF-8?B?5L2Q6JekIOS4gOmDjg==?= <sato.ichiro.ceo@gmail.com>', '至急のお願い', '<p>至急振込をお願いします。</p>'),
  );
  assert.equal(ceo.facts.from?.name, '佐藤 一郎');
  assert.ok(detectPhishing(ceo.facts, ceo.tenant).symbols.some((s) => s.name === 'PHISH_EXECUTIVE_IMPERSONATION'));
  const staff = await inputFrom(mail('Suzuki Hanako <hanako.suzuki@outlook.example>', 'Hi', '<p>x</p>'));
  assert.ok(detectPhishing(staff.facts, staff.tenant).symbols.some((s) => s.name === 'PHISH_STAFF_IMPERSONATION'));
  const inside = await inputFrom(mail('=?UTF-8?B?5L2Q6JekIOS4gOmDjg==?= <sato@acme-shoji.co.jp>', 'Hi', '<p>x</p>'));
  assert.deepEqual(detectPhishing(inside.facts, inside.tenant).symbols, []);
});

test('names match across spacing, width, honorifics and word order', () => {
  assert.ok(nameMatches('山田太郎', '山田 太郎'));
  assert.ok(nameMatches('山田　太郎 様', '山田 太郎'));
  assert.ok(nameMatches('Yamada Taro', 'Taro Yamada'));
  assert.ok(nameMatches('山田太郎（代表取締役）', '山田 太郎'));
  assert.ok(!nameMatches('山田 花子', '山田 太郎'));
});

test('links: shorteners, punycode look-alikes and IP links are reported once each', async () => {
  const input = await inputFrom(
    mail(
      'News <news@shop.example>',
      'Sale',
      [
        '<a href="https://bit.ly/3abc">sale</a>',
        '<a href="https://t.co/x">x</a>',
        '<a href="https://xn--80ak6aa92e.com/">apple</a>',
        '<a href="http://192.0.2.7/login">login</a>',
      ].join('\n'),
    ),
  );
  const got = detectPhishing(input.facts, input.tenant)
    .symbols.map((s) => s.name)
    .sort();
  // xn--80ak6aa92e.com is Cyrillic "аррӏе.com": also a look-alike of apple.com
  assert.deepEqual(got, ['PHISH_IP_LINK', 'PHISH_LOOKALIKE_LINK', 'PHISH_PUNYCODE_LINK', 'PHISH_URL_SHORTENER']);
});

test(
  'impersonation payload: a brand by display name from elsewhere with a foreign link or an attachment; not for links ' +
    'to the brand itself',
  async () => {
    const payload = async (raw: string) =>
      detectPhishing((await inputFrom(raw)).facts, TENANT)
        .symbols.filter((s) => s.name === 'PHISH_IMPERSONATION_PAYLOAD')
        .map((s) => s.detail);
    const foreign = await payload(mail('"佐川急便" <info@sagawa-exqp.com>', 'お荷物', '<a href="https://sagawa-exqp.com/r">再配達</a>'));
    assert.equal(foreign.length, 1);
    assert.match(foreign[0]!, /Sagawa Express .*sagawa-exqp\.com/);
    assert.deepEqual(
      await payload(mail('"Amazon.co.jp" <news@amaz0n.example>', 'hi', '<a href="https://www.amazon.co.jp/">amazon</a>')),
      [],
    );
    assert.deepEqual(await payload(mail('"楽天市場" <news@rakuten-x.example>', 'hi', '<p>リンクなし</p>')), []);
    assert.deepEqual(
      await payload(mail('"楽天市場" <info@mail.rakuten.co.jp>', 'hi', '<a href="https://evil.example/">x</a>')),
      [],
      'the brand’s own domain',
    );
    const staff = await payload(mail('"山田 太郎" <yamada.acme@gmail.com>', '至急', '<a href="https://docs-share.example/x">資料</a>'));
    assert.match(staff[0]!, /claims to be 山田 太郎/);
  },
);
