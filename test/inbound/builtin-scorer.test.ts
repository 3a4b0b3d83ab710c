// The built-in scorer over real mail: GTUBE, spam samples from SpamAssassin and rspamd, ham
// (SpamAssassin "nice" and Japanese carrier mail from jpmobile), macro mail, and auth results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { analyzeInbound, BuiltinScorer, DEFAULT_THRESHOLDS } from '../../src/inbound/spam/builtin.ts';
import { FIXTURES, fixtureInput, inputFrom } from './mail.ts';

const files = (dir: string): string[] =>
  readdirSync(new URL(dir, FIXTURES))
    .filter((f) => !/SOURCE|LICENSE|NOTICE/.test(f))
    .map((f) => `${dir}/${f}`);

async function scores(paths: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const p of paths) out.set(p, analyzeInbound(await fixtureInput(p)).score);
  return out;
}

test('GTUBE gives an instant reject-level score (SpamAssassin and rspamd samples)', async () => {
  for (const p of ['spam/spamassassin/gtube.eml', 'spam/spamassassin/014', 'spam/rspamd/gtube.eml']) {
    const result = analyzeInbound(await fixtureInput(p));
    assert.ok(
      result.symbols.some((s) => s.name === 'GTUBE'),
      p,
    );
    assert.equal(result.action, 'reject', p);
  }
});

test('ham is delivered: no SpamAssassin "nice" or jpmobile message reaches the tag threshold', async () => {
  const ham = await scores([...files('ham/spamassassin'), ...files('ham/jpmobile')]);
  assert.ok(ham.size >= 60);
  for (const [path, score] of ham) assert.ok(score < DEFAULT_THRESHOLDS.tagAt, `${path} scored ${score}`);
});

test('spam is caught: most content spam samples reach the tag threshold, none scores zero', async () => {
  // excluded: plugin test vectors with no spam content (btc*.eml: a bare coin address; spam.eml: empty)
  const content = [...files('spam/spamassassin'), ...files('spam/rspamd')].filter((p) => !/btc|rspamd\/spam\.eml|\/01[3567]$/.test(p));
  const spam = await scores(content);
  const tagged = [...spam.values()].filter((s) => s >= DEFAULT_THRESHOLDS.tagAt).length;
  assert.ok(tagged / spam.size >= 0.6, `only ${tagged}/${spam.size} tagged: ${JSON.stringify([...spam])}`);
});

test('macro and executable mail are quarantined with the reason in the symbols', async () => {
  for (const [path, symbol] of [
    ['spamassassin/olevbmacro/malicemacro.eml', 'ATTACH_OFFICE_MACRO_AUTOEXEC'],
    ['rspamd/zip-doublebad.eml', 'ATTACH_DOUBLE_EXTENSION'],
    ['rspamd/exe_attm.eml', 'ATTACH_EXECUTABLE'],
  ]) {
    const r = analyzeInbound(await fixtureInput(path));
    assert.ok(r.score >= DEFAULT_THRESHOLDS.quarantineAt, `${path}: ${r.score}`);
    assert.ok(
      r.symbols.some((s) => s.name === symbol),
      path,
    );
    assert.ok(r.attachmentFindings.some((f) => f.symbol === symbol));
  }
});

test('brand phishing built as Japanese mail is quarantined', async () => {
  const input = await inputFrom(
    [
      'From: =?UTF-8?B?5qW95aSp44Kr44O844OJ?= <info@rakuten-card-secure.com>',
      'To: user@acme-shoji.co.jp',
      'Subject: =?UTF-8?B?44CQ6YeN6KaB44CR44GU5pys5Lq656K66KqN44Gu44GK6aGY44GE?=',
      'Date: Mon, 1 Sep 2025 10:00:00 +0900',
      'Message-ID: <p1@rakuten-card-secure.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=UTF-8',
      '',
      '<p>不正なログインを検知したため、アカウントを一時停止しました。24時間以内にご本人確認をお願いします。</p>',
      '<a href="https://rakuten-card-secure.com/login.php">https://www.rakuten-card.co.jp/</a>',
    ].join('\n'),
  );
  assert.equal(input.facts.subject, '【重要】ご本人確認のお願い');
  const r = analyzeInbound(input);
  assert.ok(r.score >= DEFAULT_THRESHOLDS.quarantineAt, JSON.stringify(r.symbols));
  assert.ok(['quarantine', 'reject'].includes(r.action));
});

test('authentication results feed in: DMARC reject-policy failure and own-domain spoofing', async () => {
  const input = await inputFrom(
    'From: President <president@acme-shoji.co.jp>\nTo: user@acme-shoji.co.jp\nSubject: hello\nDate: Mon, 1 Sep 2025 ' +
      '10:00:00 +0900\nMessage-ID: <a@b>\n\nPlease call me.\n',
  );
  const base = analyzeInbound(input).score;
  const failed = analyzeInbound({ ...input, auth: { spf: 'fail', dkim: 'none', dmarc: 'fail', dmarcPolicy: 'reject' } });
  const names = failed.symbols.map((s) => s.name);
  assert.ok(names.includes('AUTH_DMARC_FAIL_REJECT') && names.includes('AUTH_OWN_DOMAIN_SPOOF') && names.includes('AUTH_SPF_FAIL'));
  assert.ok(failed.score >= base + 15);
  const passed = analyzeInbound({ ...input, auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass' } });
  assert.ok(passed.score < base);
});

test('BuiltinScorer implements the Scorer interface with the same verdict', async () => {
  const input = await fixtureInput('spam/spamassassin/gtube.eml');
  const scorer = new BuiltinScorer();
  assert.equal(scorer.name, 'builtin');
  const r = await scorer.score(input);
  assert.equal(r.score, analyzeInbound(input).score);
  assert.equal(r.action, 'reject');
});
