// policy.matched's skipped actions in words: every skip code (src/policy/evaluate.ts SKIP_REASONS)
// has a Japanese and an English entry in the console's catalogue; a skipped action reads as the
// action's name, its rule and the reason, with its numbers, in the viewer's language and with no
// English code on the Japanese side; an event written before the codes (English text in `why`)
// is shown as it is rather than dropped.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_REASONS } from '../../src/policy/evaluate.ts';
import { eventFacts, eventSentence } from '../../src/audit/event-words.ts';
import { serverWords } from '../../src/audit/catalogue.ts';
import ja from '../../console/src/i18n/ja.json' with { type: 'json' };
import en from '../../console/src/i18n/en.json' with { type: 'json' };

it('every skip code has ja and en words', () => {
  const missing = SKIP_REASONS.filter((c) => !(`skip.${c}` in ja) || !(`skip.${c}` in en));
  assert.deepEqual(missing, []);
});

it('skipped actions read in the viewer’s language; old English reasons as they are', () => {
  const data = {
    matchedRules: ['添付は暗号化'],
    skipped: [
      { rule: '添付は暗号化', type: 'zipEncrypt', why: 'attachments-handled', by: 'webDownload', byRule: '先に Web' },
      { rule: '(defaults)', type: 'bcc', why: 'bcc-too-few', count: 2, atLeast: 5 },
      { rule: '社外確認', type: 'confirm', why: 'confirm-off' },
    ],
  };
  const jaText = eventSentence(serverWords('ja'), 'policy.matched', data);
  for (const words of [
    '適用しなかった処理：',
    '添付ファイル暗号化（ZIP）（ルール「添付は暗号化」）：添付ファイルはルール「先に Web」のWebダウンロード化で処理済み',
    '強制BCC化（ルール「標準の一時保留」）：宛先（To・Cc）が2件で、5件に満たない',
    '送信確認（ルール「社外確認」）：この送信者は送信確認がオフ（ユーザー設定）',
  ])
    assert.ok(jaText.includes(words), jaText);
  assert.doesNotMatch(jaText, /zipEncrypt|webDownload|bcc-too-few|confirm-off/);
  const enText = eventSentence(serverWords('en'), 'policy.matched', data);
  assert.ok(
    enText.includes('ZIP encryption (rule "添付は暗号化"): attachments are already handled by Web download (rule "先に Web")'),
    enText,
  );
  assert.ok(enText.includes('To and Cc hold 2 addresses, fewer than 5'), enText);

  const old = { skipped: [{ rule: 'r', type: 'confirm', why: 'every recipient is internal (applyTo: external)' }] };
  assert.deepEqual(eventFacts(serverWords('ja'), old), [
    { label: '適用しなかった処理', value: '送信確認（ルール「r」）：every recipient is internal (applyTo: external)' },
  ]);
});
