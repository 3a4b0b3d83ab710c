// Policy over real mail parsed by the real parser: an ISO-2022-JP subject and body matched by
// Japanese regexes, an RFC 2231 Japanese attachment name matched by a glob, and an HTML mail
// whose only extra part is an inline cid: image (not an attachment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFacts } from '../../src/mime/parse-facts.ts';
import { evaluateOutbound } from '../../src/policy/evaluate.ts';
import { policy } from './message-builder.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/policy/${name}`, import.meta.url));
const CTX = { tenantDomains: ['example.jp'], contactedDomains: new Map<string, number>() };

const P = policy(`version: 1
outbound:
  rules:
    - name: 投稿は確認
      when: { subject: "^投稿\\\\d", body: "投稿テスト" }
      then: [ { confirm: } ]
    - name: テキスト添付は暗号化
      when: { attachmentNames: ["てすと*.txt"] }
      then: [ { zipEncrypt: { filenameCharset: cp932 } } ]
    - name: 添付あり
      when: { attachments: true }
      then: [ { subjectTag: { tag: "[添付]" } } ]
`);

test('ISO-2022-JP subject and body match Japanese regexes', async () => {
  const facts = await parseFacts(
    fixture('iso-2022-jp-sample0.eml'),
    { mailFrom: 'yamada@example.jp', recipients: ['alpha.all@clubee.jp'] },
    'outbound',
  );
  assert.equal(facts.subject, '投稿0');
  const plan = evaluateOutbound(P, facts, CTX);
  assert.deepEqual(plan.matchedRules, ['投稿は確認']);
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['confirm'],
  );
});

test('RFC 2231 Japanese attachment name matches a Japanese glob', async () => {
  const facts = await parseFacts(
    fixture('ruby-mail-japanese-attachment.eml'),
    { mailFrom: 'raasdnil@gmail.com', recipients: ['raasdnil@gmail.com'] },
    'outbound',
  );
  const plan = evaluateOutbound(P, facts, CTX);
  assert.deepEqual(plan.matchedRules, ['テキスト添付は暗号化', '添付あり']);
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['zipEncrypt', 'subjectTag'],
  );
  assert.match(plan.matches[0]!.evidence[0]!, /てすと\.txt/);
});

test('an inline image referenced by cid: is not an attachment', async () => {
  const facts = await parseFacts(
    fixture('html-embedded-image.eml'),
    { mailFrom: 'test@example.com', recipients: ['test@example.com'] },
    'outbound',
  );
  assert.equal(facts.attachments.length, 1);
  assert.equal(facts.attachments[0]!.inline, true);
  const plan = evaluateOutbound(P, facts, CTX);
  assert.deepEqual(plan.matchedRules, []);
});
