// Outbound evaluation, table-driven: every condition (true and false cases), every action with
// its defaults, and the combinations — block ends evaluation, test mode, users: overrides,
// defaults.hold, two-stage holds, unless:, skipped actions, regex safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateOutbound, type OutboundContext, type Plan } from '../../src/policy/evaluate.ts';
import { myNumberCheckDigit } from '../../src/policy/detectors.ts';
import { message, oneRule, policy, TENANT, type MessageSpec } from './message-builder.ts';

const myNumber = (() => {
  const stem = '98765432109';
  return stem + myNumberCheckDigit(stem);
})();

const contacted = new Map<string, number>([
  ['partner.example', 120],
  ['example.co.jp', 40],
  ['rare.example', 1],
]);
const CTX: OutboundContext = { tenantDomains: ['acme.example', 'acme.co.jp'], contactedDomains: contacted };

function hits(when: string, spec: MessageSpec, ctx: OutboundContext = CTX): boolean {
  const plan = evaluateOutbound(oneRule(when), message(spec), ctx);
  return plan.matchedRules.includes('r');
}

// [label, when (YAML flow), message, expected]
const conditionCases: Array<[string, string, MessageSpec, boolean]> = [
  ['empty when matches everything', '{}', {}, true],
  // sender
  ['sender exact', '{ sender: taro@acme.example }', {}, true],
  ['sender wildcard', '{ sender: "*@acme.example" }', {}, true],
  ['sender other', '{ sender: "hanako@acme.example" }', {}, false],
  ['sender by From when envelope differs', '{ sender: "taro@acme.example" }', { mailFrom: 'bounce+1@acme.example' }, true],
  ['sender by envelope when From differs', '{ sender: "bounce*@acme.example" }', { mailFrom: 'bounce+1@acme.example' }, true],
  // recipients.any / all
  ['any gmail', '{ recipients: { any: ["*@gmail.com"] } }', { to: ['a@partner.example', 'b@gmail.com'] }, true],
  ['any gmail (none)', '{ recipients: { any: ["*@gmail.com"] } }', { to: ['a@partner.example'] }, false],
  ['any subdomain pattern', '{ recipients: { any: ["*.example.co.jp"] } }', { to: ['x@sales.example.co.jp'] }, true],
  ['any bare domain by *. pattern', '{ recipients: { any: ["*.example.co.jp"] } }', { to: ['x@example.co.jp'] }, true],
  ['any domain-only pattern', '{ recipients: { any: ["partner.example"] } }', { to: ['x@partner.example'] }, true],
  [
    'all partner',
    '{ recipients: { all: ["*@partner.example", "*@acme.example"] } }',
    { to: ['a@partner.example'], cc: ['b@acme.example'] },
    true,
  ],
  ['all partner (one outsider)', '{ recipients: { all: ["*@partner.example"] } }', { to: ['a@partner.example', 'b@gmail.com'] }, false],
  [
    'any counts only selected sets (bcc not in to)',
    '{ recipients: { any: ["*@gmail.com"], in: [to, cc] } }',
    { to: ['a@partner.example'], bcc: ['b@gmail.com'] },
    false,
  ],
  [
    'in: [bcc] selects envelope-only recipients',
    '{ recipients: { any: ["*@gmail.com"], in: [bcc] } }',
    { to: ['a@partner.example'], bcc: ['b@gmail.com'] },
    true,
  ],
  ['in: [bcc] ignores To addresses', '{ recipients: { any: ["*@gmail.com"], in: [bcc] } }', { to: ['b@gmail.com'] }, false],
  ['in: [cc]', '{ recipients: { any: ["*@gmail.com"], in: [cc] } }', { to: ['a@partner.example'], cc: ['b@gmail.com'] }, true],
  // external
  ['external any', '{ recipients: { external: true } }', { to: ['a@acme.example', 'b@partner.example'] }, true],
  [
    'external any: internal only',
    '{ recipients: { external: true } }',
    { to: ['a@acme.example', 'b@jp.acme.example', 'c@acme.co.jp'] },
    false,
  ],
  ['external false: internal only', '{ recipients: { external: false } }', { to: ['a@acme.example'] }, true],
  ['external false: one external', '{ recipients: { external: false } }', { to: ['a@acme.example', 'x@partner.example'] }, false],
  ['external all', '{ recipients: { external: all } }', { to: ['a@gmail.com', 'b@partner.example'] }, true],
  ['external all: mixed', '{ recipients: { external: all } }', { to: ['a@gmail.com', 'b@acme.example'] }, false],
  ['lookalike of tenant domain is external', '{ recipients: { external: true } }', { to: ['a@acme.example.evil.example'] }, true],
  // counts
  [
    'countAtLeast over envelope',
    '{ recipients: { countAtLeast: 3 } }',
    { to: ['a@x.example'], cc: ['b@x.example'], bcc: ['c@x.example'] },
    true,
  ],
  [
    'countAtLeast over to+cc',
    '{ recipients: { countAtLeast: 3, in: [to, cc] } }',
    { to: ['a@x.example'], cc: ['b@x.example'], bcc: ['c@x.example'] },
    false,
  ],
  [
    'countAtLeast dedupes',
    '{ recipients: { countAtLeast: 2 } }',
    { to: ['a@x.example'], recipients: ['a@x.example', 'A@X.example'] },
    false,
  ],
  ['externalCountAtLeast', '{ recipients: { externalCountAtLeast: 2 } }', { to: ['a@x.example', 'b@y.example', 'c@acme.example'] }, true],
  ['externalCountAtLeast (1 external)', '{ recipients: { externalCountAtLeast: 2 } }', { to: ['a@x.example', 'c@acme.example'] }, false],
  // attachments
  ['attachments true', '{ attachments: true }', { attachments: [{ filename: 'a.pdf' }] }, true],
  ['attachments true, none', '{ attachments: true }', {}, false],
  ['attachments false, none', '{ attachments: false }', {}, true],
  [
    'inline image referenced by cid is not an attachment',
    '{ attachments: true }',
    { html: '<img src="cid:logo@x">', attachments: [{ filename: 'logo.png', inline: true, contentId: 'logo@x' }] },
    false,
  ],
  [
    'inline part not referenced by the HTML is an attachment',
    '{ attachments: true }',
    { html: '<p>hi</p>', attachments: [{ filename: 'logo.png', inline: true, contentId: 'logo@x' }] },
    true,
  ],
  ['attachmentNames', '{ attachmentNames: ["*.xlsx", "*.docx"] }', { attachments: [{ filename: '見積書.XLSX' }] }, true],
  ['attachmentNames none', '{ attachmentNames: "*.xlsx" }', { attachments: [{ filename: 'a.pdf' }] }, false],
  [
    'attachmentSizeAtLeast total',
    '{ attachmentSizeAtLeast: 1MB }',
    {
      attachments: [
        { filename: 'a', size: 600_000 },
        { filename: 'b', size: 600_000 },
      ],
    },
    true,
  ],
  ['attachmentSizeAtLeast below', '{ attachmentSizeAtLeast: 1MB }', { attachments: [{ filename: 'a', size: 600_000 }] }, false],
  // subject / body
  ['subject regex alternation', '{ subject: "見積|quote" }', { subject: 'お見積りの件' }, true],
  ['subject regex no match', '{ subject: "見積|quote" }', { subject: 'ご請求' }, false],
  ['subject keyword', '{ subject: "見積" }', { subject: 'お見積の件' }, true],
  ['subject case-insensitive', '{ subject: "invoice" }', { subject: 'INVOICE 2024' }, true],
  ['subject full-width folds', '{ subject: "invoice" }', { subject: 'ＩＮＶＯＩＣＥ' }, true],
  ['subject half-width kana folds', '{ subject: "カタカナ" }', { subject: 'ｶﾀｶﾅ' }, true],
  ['subject list: any', '{ subject: ["nope", "^re:"] }', { subject: 'Re: hello' }, true],
  ['body regex', '{ body: "password\\\\s*[:：]" }', { text: 'Your password: hunter2' }, true],
  ['body regex no match', '{ body: "confidential" }', { text: 'hello' }, false],
  // detectors
  ['detect creditCard', '{ detect: [creditCard] }', { text: 'Card 4111-1111-1111-1111' }, true],
  ['detect creditCard in subject', '{ detect: [creditCard] }', { subject: 'card 4111111111111111' }, true],
  ['detect creditCard none', '{ detect: [creditCard] }', { text: 'Tel 03-1234-5678' }, false],
  ['detect myNumber', '{ detect: [myNumber] }', { text: `個人番号 ${myNumber}` }, true],
  [
    'detect myNumber full width',
    '{ detect: [myNumber] }',
    { text: `個人番号 ${myNumber.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))}` },
    true,
  ],
  ['detect either', '{ detect: [creditCard, myNumber] }', { text: `番号 ${myNumber}` }, true],
  // own private address
  [
    'ownPrivateAddress: local part words',
    '{ detect: [ownPrivateAddress] }',
    { from: 'taro.yamada@acme.example', to: ['yamada.taro.1985@gmail.com'] },
    true,
  ],
  [
    'ownPrivateAddress: carrier subdomain',
    '{ detect: [ownPrivateAddress] }',
    { from: 'yamada@acme.example', to: ['yamada-t@i.softbank.jp'] },
    true,
  ],
  [
    'ownPrivateAddress: display name',
    '{ detect: [ownPrivateAddress] }',
    { from: '山田 太郎 <t-ymd@acme.example>', to: ['山田　太郎 <sunflower77@yahoo.co.jp>'] },
    true,
  ],
  [
    'ownPrivateAddress: someone else at gmail',
    '{ detect: [ownPrivateAddress] }',
    { from: 'taro.yamada@acme.example', to: ['hanako.suzuki@gmail.com'] },
    false,
  ],
  [
    'ownPrivateAddress: every word must appear',
    '{ detect: [ownPrivateAddress] }',
    { from: 'taro.yamada@acme.example', to: ['yamada.jiro@gmail.com'] },
    false,
  ],
  [
    'ownPrivateAddress: not free mail',
    '{ detect: [ownPrivateAddress] }',
    { from: 'taro@acme.example', to: ['taro@partner.example'] },
    false,
  ],
  [
    'ownPrivateAddress: role address is no name',
    '{ detect: [ownPrivateAddress] }',
    { from: 'info@acme.example', to: ['info@gmail.com'] },
    false,
  ],
  // first contact
  ['firstContactDomain: new domain', '{ firstContactDomain: true }', { to: ['a@newcomer.example'] }, true],
  ['firstContactDomain: known domain', '{ firstContactDomain: true }', { to: ['a@partner.example'] }, false],
  ['firstContactDomain: internal never counts', '{ firstContactDomain: true }', { to: ['a@acme.example'] }, false],
  ['firstContactDomain: one new among known', '{ firstContactDomain: true }', { to: ['a@partner.example', 'b@newcomer.example'] }, true],
  ['firstContactDomain false', '{ firstContactDomain: false }', { to: ['a@partner.example'] }, true],
  ['firstContactDomain: bcc recipients count', '{ firstContactDomain: true }', { to: ['a@partner.example'], bcc: ['x@new.example'] }, true],
  // look-alike
  ['lookalike of partner', '{ lookalikeDomain: true }', { to: ['a@exampel.co.jp'] }, true],
  ['lookalike of tenant', '{ lookalikeDomain: true }', { to: ['a@acrne.example'] }, true],
  ['lookalike homoglyph of partner', '{ lookalikeDomain: true }', { to: ['a@partner.examp1e'] }, true],
  ['no lookalike: the partner itself', '{ lookalikeDomain: true }', { to: ['a@example.co.jp'] }, false],
  ['no lookalike: rarely mailed domain is not a reference', '{ lookalikeDomain: true }', { to: ['a@rare.exampel'] }, false],
  ['no lookalike: unrelated', '{ lookalikeDomain: true }', { to: ['a@gmail.com'] }, false],
  ['lookalikeDomain false', '{ lookalikeDomain: false }', { to: ['a@partner.example'] }, true],
  // combinations: all must hold
  [
    'all conditions hold',
    '{ recipients: { any: ["*@gmail.com"] }, attachments: true }',
    { to: ['a@gmail.com'], attachments: [{ filename: 'a.pdf' }] },
    true,
  ],
  ['one condition fails', '{ recipients: { any: ["*@gmail.com"] }, attachments: true }', { to: ['a@gmail.com'] }, false],
];

for (const [label, when, spec, expected] of conditionCases) {
  test(`condition: ${label} → ${expected}`, () => assert.equal(hits(when, spec), expected));
}

test('outbound look-alikes under the Public Suffix List (issue 22): shared platforms, tokyo.jp, acme-co.jp, IDN', () => {
  const ctx = {
    ...CTX,
    contactedDomains: new Map([...contacted, ['acme.onmicrosoft.com', 9], ['example.tokyo.jp', 5]]),
  };
  for (const to of ['a@acrne.onmicrosoft.com', 'a@examp1e.tokyo.jp', 'a@acme-co.jp', 'a@аcme.co.jp']) {
    assert.equal(hits('{ lookalikeDomain: true }', { to: [to] }, ctx), true, to);
  }
  assert.equal(hits('{ lookalikeDomain: true }', { to: ['a@other.onmicrosoft.com'] }, ctx), false);
});

test('a frequently mailed look-alike domain is a partner in its own right', () => {
  const ctx = { ...CTX, contactedDomains: new Map([...contacted, ['exampel.co.jp', 10]]) };
  assert.equal(hits('{ lookalikeDomain: true }', { to: ['a@exampel.co.jp'] }, ctx), false);
});

test('evidence names what matched, masked for detectors', () => {
  const plan = evaluateOutbound(
    oneRule('{ recipients: { any: ["*@gmail.com"] }, detect: [creditCard], lookalikeDomain: false }'),
    message({ to: ['bob@gmail.com'], text: 'card 4111 1111 1111 1111' }),
    CTX,
  );
  const ev = plan.matches[0]!.evidence.join('\n');
  assert.match(ev, /bob@gmail\.com/);
  assert.match(ev, /\*{12}1111/);
  assert.doesNotMatch(ev, /4111/);
});

test('regex safety: (a+)+$ on a long near-miss finishes and does not match', () => {
  const plan = evaluateOutbound(
    oneRule('{ body: "(a+)+$", subject: "(x+x+)+y" }'),
    message({ text: `${'a'.repeat(100_000)}!`, subject: 'x'.repeat(5000) }),
    CTX,
  );
  assert.deepEqual(plan.matchedRules, []);
  const plan2 = evaluateOutbound(oneRule('{ body: "(a+)+$" }'), message({ text: 'a'.repeat(100_000) }), CTX);
  assert.deepEqual(plan2.matchedRules, ['r']);
});

// ---------------------------------------------------------------- actions

function planOf(then: string, spec: MessageSpec = {}, ctx: OutboundContext = CTX, extra = ''): Plan {
  return evaluateOutbound(oneRule('{}', then, extra), message(spec), ctx);
}

test('hold: defaults and explicit params', () => {
  assert.deepEqual(planOf('[ { hold: } ]').actions, [{ rule: 'r', source: 'rule', type: 'hold', minutes: 5, release: 'auto' }]);
  assert.deepEqual(planOf('[ { hold: { minutes: 4320, release: discard } } ]').actions[0], {
    rule: 'r',
    source: 'rule',
    type: 'hold',
    minutes: 4320,
    release: 'discard',
  });
});

test('two holds are two stages, in order', () => {
  const plan = planOf('[ { hold: { minutes: 5, release: manual } }, { hold: { minutes: 60, release: auto } } ]');
  assert.deepEqual(
    plan.actions.map((a) => a.type === 'hold' && [a.minutes, a.release]),
    [
      [5, 'manual'],
      [60, 'auto'],
    ],
  );
});

test('holds from two rules stack as stages in rule order', () => {
  const p = policy(`version: 1
outbound:
  rules:
    - name: sender check
      then: [ { hold: { minutes: 5, release: manual } } ]
    - name: manager check
      when: { attachments: true }
      then: [ { approve: { hours: 4 } } ]
`);
  const plan = evaluateOutbound(p, message({ attachments: [{ filename: 'a.pdf' }] }), {
    ...CTX,
    senderUser: { email: 'taro@acme.example', managerEmail: 'Boss@acme.example' },
  });
  assert.deepEqual(plan.matchedRules, ['sender check', 'manager check']);
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['hold', 'approve'],
  );
  const approve = plan.actions[1]!;
  assert.ok(approve.type === 'approve');
  assert.deepEqual(approve.approvers, ['boss@acme.example']);
  assert.equal(approve.hours, 4);
  assert.equal(approve.onTimeout, 'discard');
});

test('approve by manager without a manager on record keeps the approval with no approvers', () => {
  const plan = planOf('[ { approve: } ]', {}, { ...CTX, senderUser: { email: 'taro@acme.example', managerEmail: null } });
  const a = plan.actions[0]!;
  assert.ok(a.type === 'approve');
  assert.deepEqual(a.approvers, []);
  assert.equal(a.by, 'manager');
});

test('approve by listed approvers', () => {
  const a = planOf('[ { approve: { by: [a@acme.example, b@acme.example], onTimeout: deliver } } ]').actions[0]!;
  assert.ok(a.type === 'approve');
  assert.deepEqual(a.approvers, ['a@acme.example', 'b@acme.example']);
  assert.equal(a.onTimeout, 'deliver');
});

test('confirm', () => {
  assert.deepEqual(planOf('[ { confirm: { hours: 2 } } ]').actions[0], {
    rule: 'r',
    source: 'rule',
    type: 'confirm',
    hours: 2,
    onTimeout: 'discard',
    applyTo: 'all',
  });
});

test('bcc moves To+Cc; countAtLeast gates it', () => {
  const spec = { to: ['a@x.example', 'b@x.example'], cc: ['c@x.example'], bcc: ['d@x.example'] };
  const a = planOf('[ { bcc: { notify: true } } ]', spec).actions[0]!;
  assert.ok(a.type === 'bcc');
  assert.deepEqual(a.moved, ['a@x.example', 'b@x.example', 'c@x.example']);
  assert.equal(a.notify, true);
  const gated = planOf('[ { bcc: { countAtLeast: 4 } } ]', spec);
  assert.deepEqual(gated.actions, []);
  assert.deepEqual(gated.skipped, [{ rule: 'r', type: 'bcc', why: 'bcc-too-few', count: 3, atLeast: 4 }]);
  assert.equal(planOf('[ { bcc: { countAtLeast: 3 } } ]', spec).actions.length, 1);
});

test('block ends evaluation: later actions and rules are not planned', () => {
  const p = policy(`version: 1
outbound:
  defaults: { hold: { minutes: 5 } }
  rules:
    - name: tag first
      then: [ { subjectTag: { tag: "[EXT]" } } ]
    - name: stop
      when: { recipients: { any: ["*@gmail.com"] }, attachments: true }
      then:
        - notify: { to: [sec@acme.example] }
        - block: { reason: "Attachments to personal mail are not allowed" }
        - hold: { minutes: 60 }
    - name: never reached
      then: [ { hold: { minutes: 30 } } ]
`);
  const plan = evaluateOutbound(p, message({ to: ['me@gmail.com'], attachments: [{ filename: 'a.pdf' }] }), CTX);
  assert.deepEqual(plan.blocked, { rule: 'stop', reason: 'Attachments to personal mail are not allowed', notify: true });
  assert.deepEqual(plan.matchedRules, ['tag first', 'stop']);
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['subjectTag', 'notify', 'block'],
  );
  // not blocked: the rule after applies, and no default hold because a rule held
  const ok = evaluateOutbound(p, message({ to: ['me@gmail.com'] }), CTX);
  assert.equal(ok.blocked, null);
  assert.deepEqual(
    ok.actions.map((a) => a.type),
    ['subjectTag', 'hold'],
  );
});

test('zipEncrypt and webDownload: defaults, need attachments, first one wins', () => {
  const att = { attachments: [{ filename: 'a.pdf' }] };
  const z = planOf('[ { zipEncrypt: } ]', att).actions[0]!;
  assert.deepEqual(z, {
    rule: 'r',
    source: 'rule',
    type: 'zipEncrypt',
    method: 'aes256',
    passwordTo: 'sender',
    filenameCharset: 'utf8',
    applyTo: 'external',
  });
  const w = planOf('[ { webDownload: { maxDownloads: 3, passcode: true } } ]', att).actions[0]!;
  assert.deepEqual(w, {
    rule: 'r',
    source: 'rule',
    type: 'webDownload',
    position: 'top',
    expiresDays: 7,
    maxDownloads: 3,
    passcode: true,
    applyTo: 'external',
    language: 'both',
  });
  const none = planOf('[ { zipEncrypt: } ]');
  assert.deepEqual(none.actions, []);
  assert.equal(none.skipped[0]!.why, 'no-attachments');
  const both = planOf('[ { webDownload: }, { zipEncrypt: } ]', att);
  assert.deepEqual(
    both.actions.map((a) => a.type),
    ['webDownload'],
  );
  assert.deepEqual(both.skipped[0], { rule: 'r', type: 'zipEncrypt', why: 'attachments-handled', by: 'webDownload', byRule: 'r' });
});

test('webDownload language: action, then the user, then the tenant default', () => {
  const att = { attachments: [{ filename: 'a.pdf' }] };
  const extra = '  defaults: { language: ja }\n  users:\n    taro@acme.example: { language: en }\n';
  const lang = (then: string, ctx = CTX) => {
    const a = planOf(then, att, ctx, extra).actions[0]!;
    return a.type === 'webDownload' ? a.language : null;
  };
  assert.equal(lang('[ { webDownload: { language: both } } ]'), 'both');
  assert.equal(lang('[ { webDownload: } ]'), 'en');
  assert.equal(lang('[ { webDownload: } ]', { ...CTX, senderUser: { email: 'hanako@acme.example' } }), 'ja');
});

test('addBcc, subjectTag, notify', () => {
  const ctx = { ...CTX, senderUser: { email: 'taro@acme.example', managerEmail: 'boss@acme.example' } };
  const plan = planOf(
    '[ { addBcc: { to: [archive@acme.example] } }, { subjectTag: { tag: "[社外]" } }, { notify: { to: sender } }, { ' +
      'notify: { to: manager, template: leak } }, { notify: { to: [sec@acme.example] } } ]',
    {},
    ctx,
  );
  assert.deepEqual(
    plan.actions.map((a) => [
      a.type,
      a.type === 'notify' ? a.recipients : a.type === 'addBcc' ? a.to : a.type === 'subjectTag' ? a.tag : null,
    ]),
    [
      ['addBcc', ['archive@acme.example']],
      ['subjectTag', '[社外]'],
      ['notify', ['taro@acme.example']],
      ['notify', ['boss@acme.example']],
      ['notify', ['sec@acme.example']],
    ],
  );
  const noManager = planOf('[ { notify: { to: manager } } ]');
  assert.deepEqual(noManager.actions, []);
  assert.equal(noManager.skipped[0]!.why, 'no-manager');
});

test('the same subject tag from two rules is planned once', () => {
  const p = policy(`version: 1
outbound:
  rules:
    - { name: a, then: [ { subjectTag: { tag: "[EXT]" } } ] }
    - { name: b, then: [ { subjectTag: { tag: "[EXT]" } }, { subjectTag: { tag: "[ZIP]" } } ] }
`);
  const plan = evaluateOutbound(p, message(), CTX);
  assert.deepEqual(
    plan.actions.map((a) => a.type === 'subjectTag' && a.tag),
    ['[EXT]', '[ZIP]'],
  );
});

// ---------------------------------------------------------------- test mode, unless, enabled

test('test mode: reported as "would", not enforced, does not block or suppress defaults', () => {
  const p = policy(`version: 1
outbound:
  defaults: { hold: { minutes: 3 } }
  rules:
    - name: trial block
      mode: test
      when: { recipients: { any: ["*@gmail.com"] } }
      then: [ { block: { reason: "would block" } }, { hold: { minutes: 60 } } ]
    - name: real tag
      then: [ { subjectTag: { tag: "[EXT]" } } ]
`);
  const plan = evaluateOutbound(p, message({ to: ['a@gmail.com'] }), CTX);
  assert.equal(plan.blocked, null);
  assert.deepEqual(plan.matchedRules, ['real tag']);
  assert.equal(plan.testMatches.length, 1);
  assert.equal(plan.testMatches[0]!.rule, 'trial block');
  assert.deepEqual(
    plan.testMatches[0]!.actions.map((a) => a.type),
    ['block'],
  );
  assert.deepEqual(
    plan.actions.map((a) => [a.type, a.rule]),
    [
      ['hold', '(defaults)'],
      ['subjectTag', 'real tag'],
    ],
  );
});

test('unless: an exception list', () => {
  const extra = '';
  const p = oneRule('{ recipients: { external: true } }', '[ { hold: } ]', extra);
  p.outbound.rules[0]!.unless = policy(`version: 1
outbound:
  rules:
    - name: x
      when: { recipients: { all: ["*@partner.example", "*@acme.example"] } }
      then: [ { hold: } ]
`).outbound.rules[0]!.when;
  assert.deepEqual(evaluateOutbound(p, message({ to: ['a@partner.example'] }), CTX).matchedRules, []);
  assert.deepEqual(evaluateOutbound(p, message({ to: ['a@gmail.com'] }), CTX).matchedRules, ['r']);
});

test('unless written in YAML', () => {
  const p = policy(`version: 1
outbound:
  rules:
    - name: r
      when: { attachments: true }
      unless: { attachmentNames: ["*.pdf"] }
      then: [ { zipEncrypt: } ]
`);
  assert.deepEqual(evaluateOutbound(p, message({ attachments: [{ filename: 'a.pdf' }] }), CTX).matchedRules, []);
  assert.deepEqual(evaluateOutbound(p, message({ attachments: [{ filename: 'a.xlsx' }] }), CTX).matchedRules, ['r']);
});

test('disabled rules are skipped', () => {
  const p = policy('version: 1\noutbound:\n  rules:\n    - { name: off, enabled: false, then: [ { block: { reason: x } } ] }\n');
  const plan = evaluateOutbound(p, message(), CTX);
  assert.equal(plan.blocked, null);
  assert.deepEqual(plan.matchedRules, []);
});

// ---------------------------------------------------------------- defaults and users

const DEFAULTS = `version: 1
outbound:
  defaults: { hold: { minutes: 5, release: auto } }
  rules:
    - name: big files wait longer
      when: { attachmentSizeAtLeast: 5MB }
      then: [ { hold: { minutes: 30 } } ]
    - name: confirm first contact
      when: { firstContactDomain: true }
      then: [ { confirm: } ]
    - name: tag
      when: { subject: "tag me" }
      then: [ { subjectTag: { tag: "[T]" } } ]
  users:
    tanaka@acme.example: { hold: { minutes: 1, release: manual } }
    bot@acme.example: { hold: false }
    intern@acme.example: { hold: { minutes: 15 } }
`;

const defaultsCases: Array<[string, MessageSpec, OutboundContext['senderUser'], Array<[string, string, number?, string?]>]> = [
  ['default hold for external mail', { to: ['a@partner.example'] }, null, [['hold', '(defaults)', 5, 'auto']]],
  ['no default hold for internal mail (appliesTo: external)', { to: ['a@acme.example'] }, null, []],
  [
    'rule hold replaces the default',
    { to: ['a@partner.example'], attachments: [{ filename: 'big.zip', size: 6 * 1024 * 1024 }] },
    null,
    [['hold', 'big files wait longer', 30, 'auto']],
  ],
  ['confirm replaces the default', { to: ['a@new.example'] }, null, [['confirm', 'confirm first contact']]],
  [
    'non-stage actions keep the default, which goes first',
    { to: ['a@partner.example'], subject: 'tag me' },
    null,
    [
      ['hold', '(defaults)', 5, 'auto'],
      ['subjectTag', 'tag'],
    ],
  ],
  [
    'user override',
    { from: 'tanaka@acme.example', to: ['a@partner.example'] },
    { email: 'tanaka@acme.example' },
    [['hold', '(user)', 1, 'manual']],
  ],
  [
    'user override merges over defaults',
    { from: 'intern@acme.example', to: ['a@partner.example'] },
    { email: 'intern@acme.example' },
    [['hold', '(user)', 15, 'auto']],
  ],
  ['user opts out', { from: 'bot@acme.example', to: ['a@partner.example'] }, { email: 'bot@acme.example' }, []],
  [
    'user override without senderUser uses MAIL FROM',
    { from: 'tanaka@acme.example', to: ['a@partner.example'] },
    undefined,
    [['hold', '(user)', 1, 'manual']],
  ],
  [
    'user override does not replace a rule hold',
    { from: 'tanaka@acme.example', to: ['a@partner.example'], attachments: [{ filename: 'big', size: 9e6 }] },
    { email: 'tanaka@acme.example' },
    [['hold', 'big files wait longer', 30, 'auto']],
  ],
];

for (const [label, spec, senderUser, expected] of defaultsCases) {
  test(`defaults/users: ${label}`, () => {
    const plan = evaluateOutbound(policy(DEFAULTS), message(spec), { ...CTX, senderUser });
    assert.deepEqual(
      plan.actions.map((a) => (a.type === 'hold' ? [a.type, a.rule, a.minutes, a.release] : [a.type, a.rule])),
      expected,
    );
  });
}

test('defaults.hold appliesTo: all holds internal mail too; a user without defaults still gets their own hold', () => {
  const all = policy('version: 1\noutbound:\n  defaults: { hold: { minutes: 2, appliesTo: all } }\n');
  assert.equal(evaluateOutbound(all, message({ to: ['a@acme.example'] }), CTX).actions.length, 1);
  const onlyUser = policy('version: 1\noutbound:\n  users:\n    taro@acme.example: { hold: { minutes: 7 } }\n');
  const plan = evaluateOutbound(onlyUser, message({ to: ['a@partner.example'] }), CTX);
  assert.deepEqual(
    plan.actions.map((a) => a.type === 'hold' && [a.rule, a.source, a.minutes, a.release]),
    [['(user)', 'user', 7, 'auto']],
  );
});

// ---------------------------------------------------------------- per-user settings (users page)

const settingsOf = (email: string, holdMinutes: number | null, confirm: boolean): OutboundContext['senderUser'] => ({
  email,
  managerEmail: 'boss@acme.example',
  settings: { holdMinutes, confirm },
});
const brief = (plan: Plan) => plan.actions.map((a) => (a.type === 'hold' ? [a.type, a.rule, a.minutes, a.release] : [a.type, a.rule]));

const settingsCases: Array<[string, MessageSpec, OutboundContext['senderUser'], Array<[string, string, number?, string?]>]> = [
  [
    'hold minutes replace the default hold’s',
    { to: ['a@partner.example'] },
    settingsOf('taro@acme.example', 12, true),
    [['hold', '(user)', 12, 'auto']],
  ],
  [
    'hold minutes replace a rule hold’s minutes',
    { to: ['a@partner.example'], attachments: [{ filename: 'big.zip', size: 6 * 1024 * 1024 }] },
    settingsOf('taro@acme.example', 3, true),
    [['hold', 'big files wait longer', 3, 'auto']],
  ],
  [
    'hold minutes win over a users: entry, even hold: false',
    { from: 'bot@acme.example', to: ['a@partner.example'] },
    settingsOf('bot@acme.example', 9, true),
    [['hold', '(user)', 9, 'auto']],
  ],
  [
    'hold minutes keep the users: entry’s release',
    { from: 'tanaka@acme.example', to: ['a@partner.example'] },
    settingsOf('tanaka@acme.example', 20, true),
    [['hold', '(user)', 20, 'manual']],
  ],
  [
    'no minutes of their own: the policy’s',
    { to: ['a@partner.example'] },
    settingsOf('taro@acme.example', null, true),
    [['hold', '(defaults)', 5, 'auto']],
  ],
  [
    'hold minutes follow the default hold’s appliesTo: internal mail is not held',
    { to: ['a@acme.example'] },
    settingsOf('taro@acme.example', 12, true),
    [],
  ],
  [
    'confirmation off skips the confirm stage; the baseline hold takes its place',
    { to: ['a@new.example'] },
    settingsOf('taro@acme.example', null, false),
    [['hold', '(defaults)', 5, 'auto']],
  ],
  [
    'confirmation on keeps it',
    { to: ['a@new.example'] },
    settingsOf('taro@acme.example', null, true),
    [['confirm', 'confirm first contact']],
  ],
];

for (const [label, spec, senderUser, expected] of settingsCases) {
  test(`user settings: ${label}`, () => {
    assert.deepEqual(brief(evaluateOutbound(policy(DEFAULTS), message(spec), { ...CTX, senderUser })), expected);
  });
}

test('user settings: confirmation off never skips approval or block; the skip is said; other senders keep the policy', () => {
  const p = policy(`version: 1
outbound:
  rules:
    - name: check gmail
      when: { recipients: { any: ["*@gmail.com"] } }
      then: [ { confirm: }, { approve: { by: manager } }, { hold: { minutes: 30 } } ]
    - name: no yahoo
      when: { recipients: { any: ["*@yahoo.example"] } }
      then: [ { block: { reason: no } } ]
`);
  const taro = settingsOf('taro@acme.example', 2, false);
  const plan = evaluateOutbound(p, message({ to: ['a@gmail.com'] }), { ...CTX, senderUser: taro });
  assert.deepEqual(brief(plan), [
    ['approve', 'check gmail'],
    ['hold', 'check gmail', 2, 'auto'],
  ]);
  assert.deepEqual(plan.skipped, [{ rule: 'check gmail', type: 'confirm', why: 'confirm-off' }]);
  const hold = plan.actions.find((a) => a.type === 'hold');
  assert.equal(hold?.type === 'hold' && hold.userMinutes, true, 'the audit can tell the minutes were the user’s');
  const blocked = evaluateOutbound(p, message({ to: ['a@yahoo.example'] }), { ...CTX, senderUser: taro });
  assert.equal(blocked.blocked?.rule, 'no yahoo');
  const other = evaluateOutbound(p, message({ from: 'hanako@acme.example', to: ['a@gmail.com'] }), {
    ...CTX,
    senderUser: { email: 'hanako@acme.example', managerEmail: 'boss@acme.example', settings: { holdMinutes: null, confirm: true } },
  });
  assert.deepEqual(brief(other), [
    ['confirm', 'check gmail'],
    ['approve', 'check gmail'],
    ['hold', 'check gmail', 30, 'auto'],
  ]);
});

test('no default hold on blocked mail', () => {
  const p = policy('version: 1\noutbound:\n  defaults: { hold: {} }\n  rules:\n    - { name: b, then: [ { block: { reason: no } } ] }\n');
  const plan = evaluateOutbound(p, message(), CTX);
  assert.deepEqual(
    plan.actions.map((a) => a.type),
    ['block'],
  );
});

test('evaluation is pure: same input, same plan; inputs untouched', () => {
  const p = policy(DEFAULTS);
  const before = JSON.stringify(p);
  const m = message({ to: ['a@partner.example'], subject: 'tag me' });
  const mBefore = JSON.stringify(m);
  assert.deepEqual(evaluateOutbound(p, m, CTX), evaluateOutbound(p, m, CTX));
  assert.equal(JSON.stringify(p), before);
  assert.equal(JSON.stringify(m), mBefore);
});

test('the default policy does nothing', () => {
  const plan = evaluateOutbound(policy('version: 1\n'), message(), TENANT);
  assert.deepEqual(plan, {
    actions: [],
    matchedRules: [],
    matches: [],
    testMatches: [],
    blocked: null,
    skipped: [],
    language: 'both',
    internalDomains: ['acme.example'],
  });
});

test('ownPrivateAddress: the tenant extends the free-mail list (outbound.defaults.freeMailDomains)', () => {
  const spec = { from: 'taro.yamada@acme.example', to: ['taro.yamada@example-isp.ne.jp'] };
  assert.equal(hits('{ detect: [ownPrivateAddress] }', spec), false);
  const withList = policy(`version: 1
outbound:
  defaults: { freeMailDomains: [example-isp.ne.jp] }
  rules:
    - name: r
      when: { detect: [ownPrivateAddress] }
      then: [{ block: { reason: x } }]
`);
  const plan = evaluateOutbound(withList, message(spec), CTX);
  assert.deepEqual(plan.matchedRules, ['r']);
  assert.match(plan.matches[0]!.evidence.join(' '), /taro\.yamada@example-isp\.ne\.jp/);
});

test('internal and external recipients (issue 22): internalDomains, recipients.external, applyTo', () => {
  const group = `  defaults: { internalDomains: [group.example] }\n`;
  const withGroup = (when: string, then = '[ { subjectTag: { tag: "[HIT]" } } ]') =>
    policy(`version: 1\noutbound:\n${group}  rules:\n    - name: r\n      when: ${when}\n      then: ${then}\n`);
  // A partner/group domain (and its subdomains) counts as internal like the tenant's own.
  const ext = '{ recipients: { external: true } }';
  assert.equal(evaluateOutbound(withGroup(ext), message({ to: ['ken@group.example'] }), CTX).matchedRules.length, 0);
  assert.equal(evaluateOutbound(withGroup(ext), message({ to: ['ken@tokyo.group.example'] }), CTX).matchedRules.length, 0);
  assert.equal(evaluateOutbound(withGroup(ext), message({ to: ['ken@group.example', 'x@gmail.com'] }), CTX).matchedRules.length, 1);
  assert.equal(hits(ext, { to: ['ken@group.example'] }), true, 'without internalDomains the group domain is external');
  const plan = evaluateOutbound(withGroup('{}'), message(), CTX);
  assert.deepEqual(plan.internalDomains, ['acme.example', 'acme.co.jp', 'group.example']);

  // applyTo defaults: external for the attachment treatments, all for bcc.
  const att = { attachments: [{ filename: 'a.csv' }] };
  const bcc = planOf('[ { bcc: } ]', { to: ['a@x.example', 'b@acme.example'] }).actions[0]!;
  assert.ok(bcc.type === 'bcc' && bcc.applyTo === 'all');
  const all = planOf('[ { zipEncrypt: { applyTo: all } } ]', att).actions[0]!;
  assert.ok(all.type === 'zipEncrypt' && all.applyTo === 'all');

  // Mail only to internal recipients: an applyTo: external rewrite is skipped, and says why.
  const inside = evaluateOutbound(
    withGroup('{}', '[ { zipEncrypt: }, { bcc: { applyTo: external } } ]'),
    message({ to: ['ken@group.example', 'hanako@acme.example'], ...att }),
    CTX,
  );
  assert.deepEqual(inside.actions, []);
  assert.deepEqual(
    inside.skipped.map((k) => [k.type, k.why]),
    [
      ['zipEncrypt', 'all-internal'],
      ['bcc', 'all-internal'],
    ],
  );
  // …unless an addBcc address is external, or the action applies to all.
  const archived = evaluateOutbound(
    withGroup('{}', '[ { zipEncrypt: }, { addBcc: { to: [archive@vault.example] } } ]'),
    message({ to: ['hanako@acme.example'], ...att }),
    CTX,
  );
  assert.deepEqual(
    archived.actions.map((a) => a.type),
    ['zipEncrypt', 'addBcc'],
  );
  const everyone = evaluateOutbound(
    withGroup('{}', '[ { webDownload: { applyTo: all } } ]'),
    message({ to: ['hanako@acme.example'], ...att }),
    CTX,
  );
  assert.deepEqual(
    everyone.actions.map((a) => a.type),
    ['webDownload'],
  );
});

test('confirm applyTo: external (issue 22): a stage for mail with an external recipient, skipped for internal mail', () => {
  const group = `  defaults: { internalDomains: [group.example] }\n`;
  const withConfirm = (then: string, defaults = group) =>
    policy(`version: 1\noutbound:\n${defaults}  rules:\n    - name: r\n      when: {}\n      then: ${then}\n`);
  const external = withConfirm('[ { confirm: { applyTo: external } } ]');
  const mixed = evaluateOutbound(external, message({ to: ['ken@group.example', 'x@partner.example'] }), CTX);
  assert.deepEqual(
    mixed.actions.map((a) => [a.type, a.type === 'confirm' && a.applyTo]),
    [['confirm', 'external']],
  );
  // only internal recipients (own and group domains): the stage is skipped, and the audit says why
  const inside = evaluateOutbound(external, message({ to: ['ken@group.example', 'hanako@acme.example'] }), CTX);
  assert.deepEqual(inside.actions, []);
  assert.deepEqual(inside.skipped, [{ rule: 'r', type: 'confirm', why: 'all-internal' }]);
  // an archive addBcc outside is the policy's own: the sender's recipients are all internal, so no confirm
  const archived = evaluateOutbound(
    withConfirm('[ { confirm: { applyTo: external } }, { addBcc: { to: [archive@vault.example] } } ]'),
    message({ to: ['hanako@acme.example'] }),
    CTX,
  );
  assert.deepEqual(
    archived.actions.map((a) => a.type),
    ['addBcc'],
  );
  // applyTo: all (the default) confirms internal mail as before
  const all = evaluateOutbound(withConfirm('[ { confirm: } ]'), message({ to: ['hanako@acme.example'] }), CTX);
  assert.deepEqual(
    all.actions.map((a) => a.type),
    ['confirm'],
  );
  // a skipped confirm leaves the mail to the default hold, as if the rule had planned no stage
  const heldAll = withConfirm(
    '[ { confirm: { applyTo: external } } ]',
    '  defaults: { hold: { minutes: 5, appliesTo: all }, internalDomains: [group.example] }\n',
  );
  const internalMail = evaluateOutbound(heldAll, message({ to: ['hanako@acme.example'] }), CTX);
  assert.deepEqual(
    internalMail.actions.map((a) => [a.type, a.rule]),
    [['hold', '(defaults)']],
  );
  const outside = evaluateOutbound(heldAll, message({ to: ['x@partner.example'] }), CTX);
  assert.deepEqual(
    outside.actions.map((a) => a.type),
    ['confirm'],
    'the confirm replaces the default hold',
  );
});

test('defaults.hold appliesTo: external leaves mail to partner/group domains alone', () => {
  const p = policy('version: 1\noutbound:\n  defaults: { hold: { minutes: 5 }, internalDomains: [group.example] }\n');
  assert.deepEqual(evaluateOutbound(p, message({ to: ['ken@group.example'] }), CTX).actions, []);
  assert.equal(evaluateOutbound(p, message({ to: ['ken@group.example', 'a@b.example'] }), CTX).actions[0]!.type, 'hold');
});
