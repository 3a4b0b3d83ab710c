// Inbound evaluation: rules (deliver/quarantine/reject end it; tags and strips accumulate),
// inbound-only conditions (spam score, auth failures, verdict symbols), DMARC policy, spam
// thresholds (more severe wins), stripExtensions, test mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateInbound, type InboundContext } from '../../src/policy/evaluate.ts';
import { message, policy, type MessageSpec } from './message-builder.ts';

const BASE: InboundContext = {
  tenantDomains: ['acme.example'],
  spamScore: 0,
  auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass' },
  symbols: [],
};
const inboundMail = (spec: MessageSpec = {}) =>
  message({ from: 'sender@outside.example', to: ['taro@acme.example'], direction: 'inbound', ...spec });

const POLICY = policy(`version: 1
inbound:
  spam: { tagAt: 4, quarantineAt: 8, rejectAt: 15, tag: "[SPAM]" }
  stripExtensions: [".zip", "js"]
  rules:
    - name: partner allow-list
      when: { sender: "*@partner.example" }
      then: [ { deliver: } ]
    - name: phishing verdicts
      when: { verdict: ["PHISH*"] }
      then: [ { subjectTag: { tag: "[注意]" } }, { quarantine: { reason: "looks like phishing" } } ]
    - name: spoofed own domain
      when: { sender: "*@acme.example", authFail: [spf, dmarc] }
      then: [ { reject: { reason: "Spoofed sender" } } ]
    - name: executables
      when: { attachmentNames: ["*.exe", "*.scr"] }
      then: [ { stripAttachments: { names: ["*.exe", "*.scr"] } }, { subjectTag: { tag: "[添付削除]" } } ]
    - name: suspicious score
      when: { spamScoreAtLeast: 3 }
      then: [ { subjectTag: { tag: "[?]" } } ]
    - name: trial
      mode: test
      when: { subject: "invoice" }
      then: [ { reject: } ]
`);

test('clean mail is delivered untouched', () => {
  const plan = evaluateInbound(POLICY, inboundMail(), BASE);
  assert.equal(plan.disposition, 'deliver');
  assert.equal(plan.decidedBy.source, 'default');
  assert.deepEqual(plan.subjectTags, []);
  assert.deepEqual(plan.strip, []);
});

const cases: Array<[string, MessageSpec, Partial<InboundContext>, string, string, string[]]> = [
  // [label, mail, ctx, disposition, decidedBy.source, subject tags]
  ['spam tag only', {}, { spamScore: 5 }, 'deliver', 'default', ['[?]', '[SPAM]']],
  ['spam quarantine', {}, { spamScore: 9 }, 'quarantine', 'spam', ['[?]', '[SPAM]']],
  ['spam reject', {}, { spamScore: 20 }, 'reject', 'spam', []],
  ['allow-list beats spam score', { from: 'x@partner.example' }, { spamScore: 20 }, 'deliver', 'rule', []],
  ['phishing verdict quarantines with tag', {}, { symbols: ['PHISHING_DISPLAY_NAME'] }, 'quarantine', 'rule', ['[注意]']],
  ['spoofed own domain rejected', { from: 'ceo@acme.example' }, { auth: { spf: 'softfail', dmarc: 'fail' } }, 'reject', 'rule', []],
  ['own domain with passing auth is fine', { from: 'ceo@acme.example' }, {}, 'deliver', 'default', []],
  ['DMARC p=reject honoured', {}, { auth: { dmarc: 'fail', dmarcPolicy: 'reject' } }, 'reject', 'dmarc', []],
  ['DMARC p=quarantine honoured', {}, { auth: { dmarc: 'fail', dmarcPolicy: 'quarantine' } }, 'quarantine', 'dmarc', []],
  ['DMARC p=none only reported', {}, { auth: { dmarc: 'fail', dmarcPolicy: 'none' } }, 'deliver', 'default', []],
  [
    'DMARC quarantine vs spam reject: more severe wins',
    {},
    { spamScore: 16, auth: { dmarc: 'fail', dmarcPolicy: 'quarantine' } },
    'reject',
    'spam',
    [],
  ],
  ['no scorer ran', {}, { spamScore: null }, 'deliver', 'default', []],
];

for (const [label, spec, ctx, disposition, source, tags] of cases) {
  test(`inbound: ${label}`, () => {
    const plan = evaluateInbound(POLICY, inboundMail(spec), { ...BASE, ...ctx });
    assert.equal(plan.disposition, disposition);
    assert.equal(plan.decidedBy.source, source);
    assert.deepEqual(
      plan.subjectTags.map((t) => t.tag),
      tags,
    );
  });
}

test('honourDmarc: false ignores the sender policy', () => {
  const p = policy('version: 1\ninbound:\n  honourDmarc: false\n');
  assert.equal(evaluateInbound(p, inboundMail(), { ...BASE, auth: { dmarc: 'fail', dmarcPolicy: 'reject' } }).disposition, 'deliver');
});

test('attachments: rule strips and stripExtensions, by index, once each', () => {
  const mail = inboundMail({
    attachments: [{ filename: 'invoice.pdf' }, { filename: 'setup.EXE' }, { filename: 'photos.zip' }, { filename: 'run.js' }],
  });
  const plan = evaluateInbound(POLICY, mail, BASE);
  assert.equal(plan.disposition, 'deliver');
  assert.deepEqual(plan.strip, [
    { index: 1, filename: 'setup.EXE', source: 'executables' },
    { index: 2, filename: 'photos.zip', source: 'stripExtensions .zip' },
    { index: 3, filename: 'run.js', source: 'stripExtensions .js' },
  ]);
  assert.deepEqual(
    plan.subjectTags.map((t) => t.tag),
    ['[添付削除]'],
  );
});

test('stripAttachments without names strips everything; reject clears tags and strips', () => {
  const p = policy(`version: 1
inbound:
  rules:
    - { name: strip, then: [ { stripAttachments: }, { subjectTag: { tag: "[X]" } } ] }
    - { name: no, when: { subject: "reject me" }, then: [ { reject: } ] }
`);
  const mail = inboundMail({ attachments: [{ filename: 'a.pdf' }, { filename: '' }] });
  assert.deepEqual(
    evaluateInbound(p, mail, BASE).strip.map((s) => s.index),
    [0, 1],
  );
  const rejected = evaluateInbound(p, inboundMail({ subject: 'please reject me', attachments: [{ filename: 'a.pdf' }] }), BASE);
  assert.equal(rejected.disposition, 'reject');
  assert.equal(rejected.decidedBy.reason, 'rejected by rule "no"');
  assert.deepEqual(rejected.strip, []);
  assert.deepEqual(rejected.subjectTags, []);
});

test('test-mode inbound rules are reported, not applied', () => {
  const plan = evaluateInbound(POLICY, inboundMail({ subject: 'Invoice 42' }), BASE);
  assert.equal(plan.disposition, 'deliver');
  assert.deepEqual(
    plan.testMatches.map((t) => t.rule),
    ['trial'],
  );
  assert.deepEqual(plan.matchedRules, []);
});

test('authFail: spf softfail counts, dkim none does not', () => {
  const p = policy(
    'version: 1\ninbound:\n  rules:\n    - { name: a, when: { authFail: [spf] }, then: [ { quarantine: } ] }\n    - { ' +
      'name: b, when: { authFail: [dkim] }, then: [ { reject: } ] }\n',
  );
  assert.equal(evaluateInbound(p, inboundMail(), { ...BASE, auth: { spf: 'softfail' } }).disposition, 'quarantine');
  assert.equal(evaluateInbound(p, inboundMail(), { ...BASE, auth: { spf: 'neutral', dkim: 'none' } }).disposition, 'deliver');
  assert.equal(evaluateInbound(p, inboundMail(), { ...BASE, auth: { dkim: 'fail' } }).disposition, 'reject');
});

test('the default policy: tag at 5, quarantine at 10, never reject on score', () => {
  const p = policy('version: 1\n');
  const at = (score: number) => {
    const plan = evaluateInbound(p, inboundMail(), { ...BASE, spamScore: score });
    return [plan.disposition, plan.subjectTags.map((t) => t.tag).join()];
  };
  assert.deepEqual(at(4.9), ['deliver', '']);
  assert.deepEqual(at(5), ['deliver', '[SPAM]']);
  assert.deepEqual(at(10), ['quarantine', '[SPAM]']);
  assert.deepEqual(at(1000), ['quarantine', '[SPAM]']);
});

test(
  'the impersonation default: PHISH_IMPERSONATION_PAYLOAD quarantines at any score unless the policy says score; an ' +
    'allow rule still wins',
  () => {
    const symbols = ['PHISH_BRAND_IMPERSONATION', 'PHISH_IMPERSONATION_PAYLOAD'];
    const byDefault = evaluateInbound(policy('version: 1\n'), inboundMail(), { ...BASE, spamScore: 6.5, symbols });
    assert.equal(byDefault.disposition, 'quarantine');
    assert.equal(byDefault.decidedBy.source, 'impersonation');
    assert.deepEqual(
      byDefault.subjectTags.map((t) => t.tag),
      ['[SPAM]'],
    );
    const scoreOnly = policy('version: 1\ninbound:\n  impersonation: score\n');
    assert.equal(evaluateInbound(scoreOnly, inboundMail(), { ...BASE, spamScore: 6.5, symbols }).disposition, 'deliver');
    const allow = policy(
      'version: 1\ninbound:\n  rules:\n    - { name: partner, when: { sender: "*@outside.example" }, then: [ { deliver: } ] }\n',
    );
    assert.equal(evaluateInbound(allow, inboundMail(), { ...BASE, spamScore: 6.5, symbols }).disposition, 'deliver');
    const noPayload = evaluateInbound(policy('version: 1\n'), inboundMail(), {
      ...BASE,
      spamScore: 6,
      symbols: ['PHISH_BRAND_IMPERSONATION'],
    });
    assert.equal(noPayload.disposition, 'deliver');
  },
);

test('inbound.brands: brands added in the policy, each with names and domains', () => {
  const p = policy(
    'version: 1\ninbound:\n  brands:\n    - { brand: Acme Bank, names: [アクメ銀行, acme bank], domains: [AcmeBank.example] }\n',
  );
  assert.deepEqual(p.inbound.brands, [{ brand: 'Acme Bank', names: ['アクメ銀行', 'acme bank'], domains: ['acmebank.example'] }]);
});

test('recipients.external inbound draws the outbound line: own domains plus outbound.defaults.internalDomains', () => {
  const withGroup = policy(`version: 1
outbound:
  defaults: { internalDomains: [group.example] }
inbound:
  rules:
    - name: to outside
      when: { recipients: { external: true } }
      then: [ { subjectTag: { tag: "[EXT]" } } ]
`);
  const tags = (to: string[]) => evaluateInbound(withGroup, inboundMail({ to }), BASE).subjectTags.map((t) => t.tag);
  assert.deepEqual(tags(['taro@acme.example']), []);
  assert.deepEqual(tags(['ken@group.example']), [], 'a group-company domain is internal, as outbound');
  assert.deepEqual(tags(['ken@tokyo.group.example']), [], 'its subdomains too');
  assert.deepEqual(tags(['ken@other.example']), ['[EXT]']);
  // without the list the group domain is external (the tenant's own domains alone)
  const plain = policy(
    'version: 1\ninbound:\n  rules:\n    - name: to outside\n      when: { recipients: { external: true } }\n' +
      '      then: [ { subjectTag: { tag: "[EXT]" } } ]\n',
  );
  assert.deepEqual(
    evaluateInbound(plain, inboundMail({ to: ['ken@group.example'] }), BASE).subjectTags.map((t) => t.tag),
    ['[EXT]'],
  );
});
