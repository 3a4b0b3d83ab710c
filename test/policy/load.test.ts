// Loading policy files: the INTERFACE example loads with defaults filled in; broken files name
// the line, column and field of every problem; YAML round-trips; empty means default policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPolicyErrors, parsePolicy, policyToYaml, type PolicyError } from '../../src/policy/load.ts';
import { defaultPolicy } from '../../src/policy/schema.ts';

export const INTERFACE_EXAMPLE = `version: 1
outbound:
  defaults:
    hold: { minutes: 5, release: auto }            # optional; release: auto | manual | discard
  rules:
    - name: Block attachments to free mail
      when:
        recipients: { any: ["*@gmail.com", "*@yahoo.co.jp"] }
        attachments: true
      then:
        - block: { notify: true, reason: "Attachments to personal mail are not allowed" }
    - name: BCC mass mail
      when: { recipients: { countAtLeast: 10, in: [to, cc] } }
      then: [ { bcc: { notify: true } } ]
    - name: External mail waits
      when: { recipients: { external: true } }
      then:
        - hold: { minutes: 5, release: auto }
        - webDownload: { position: top, expiresDays: 7 }
  users:
    tanaka@acme.example: { hold: { minutes: 1, release: manual } }
inbound:
  spam: { tagAt: 4, quarantineAt: 8, tag: "[SPAM]" }
  stripExtensions: [".zip"]
  rules: []
`;

test('the INTERFACE.md example loads, with defaults filled in', () => {
  const r = parsePolicy(INTERFACE_EXAMPLE);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const p = r.policy;
  assert.deepEqual(p.outbound.defaults.hold, { minutes: 5, release: 'auto', appliesTo: 'external' });
  assert.equal(p.outbound.rules.length, 3);
  assert.equal(p.outbound.rules[0]!.mode, 'enforce');
  assert.deepEqual(p.outbound.rules[0]!.when.recipients?.in, ['envelope']);
  assert.deepEqual(p.outbound.rules[2]!.when.recipients?.external, 'any');
  assert.deepEqual(p.outbound.rules[2]!.then[1], {
    webDownload: { position: 'top', expiresDays: 7, passcode: false, applyTo: 'external' },
  });
  assert.deepEqual(p.outbound.users['tanaka@acme.example'], { hold: { minutes: 1, release: 'manual' } });
  assert.deepEqual(p.inbound.spam, { tagAt: 4, quarantineAt: 8, tag: '[SPAM]' });
  assert.deepEqual(p.inbound.stripExtensions, ['.zip']);
});

test('every action gets its documented defaults', () => {
  const r = parsePolicy(`version: 1
outbound:
  rules:
    - name: all
      then:
        - hold:
        - confirm: {}
        - approve:
        - bcc:
        - block: { reason: no }
        - zipEncrypt:
        - webDownload:
        - addBcc: { to: [Archive@Acme.Example] }
        - subjectTag: { tag: "[外部]" }
        - notify: { to: sender }
`);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.policy.outbound.rules[0]!.then, [
    { hold: { minutes: 5, release: 'auto' } },
    { confirm: { hours: 24, onTimeout: 'discard', applyTo: 'all' } },
    { approve: { by: 'manager', hours: 24, onTimeout: 'discard' } },
    { bcc: { notify: false, applyTo: 'all' } },
    { block: { notify: true, reason: 'no' } },
    { zipEncrypt: { method: 'aes256', passwordTo: 'sender', filenameCharset: 'utf8', applyTo: 'external' } },
    { webDownload: { position: 'top', expiresDays: 7, passcode: false, applyTo: 'external' } },
    { addBcc: { to: ['archive@acme.example'] } },
    { subjectTag: { tag: '[外部]' } },
    { notify: { to: 'sender' } },
  ]);
});

test('confirm takes applyTo: external or all (default all: every recipient is ticked, as before)', () => {
  const r = parsePolicy(`version: 1
outbound:
  rules:
    - name: outside only
      then: [ { confirm: { applyTo: external } } ]
    - name: everyone
      then: [ { confirm: { hours: 2, applyTo: all } } ]
`);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(
    r.policy.outbound.rules.map((x) => x.then[0]),
    [
      { confirm: { hours: 24, onTimeout: 'discard', applyTo: 'external' } },
      { confirm: { hours: 2, onTimeout: 'discard', applyTo: 'all' } },
    ],
  );
  // hold and approve stay stages of the whole message: no applyTo
  const errors = errorsOf(`${RULE_HEAD}      then:\n        - approve: { applyTo: external }\n`);
  assert.ok(errors.some((e) => e.path === 'outbound.rules[0].then[0].approve.applyTo' && /unknown field/.test(e.message)));
});

test('an empty or comment-only file is the default policy', () => {
  for (const text of ['', '\n', '# nothing yet\n']) {
    const r = parsePolicy(text);
    assert.ok(r.ok);
    assert.deepEqual(r.policy, defaultPolicy());
  }
  assert.deepEqual(defaultPolicy().outbound.rules, []);
  assert.equal(defaultPolicy().outbound.defaults.hold, undefined);
});

function errorsOf(text: string): PolicyError[] {
  const r = parsePolicy(text);
  assert.equal(r.ok, false, 'expected the policy to be rejected');
  return r.ok ? [] : r.errors;
}

const RULE_HEAD = 'version: 1\noutbound:\n  rules:\n    - name: r\n';

const broken: Array<{ label: string; text: string; line: number; path: string; message: RegExp }> = [
  {
    label: 'hold minutes 0',
    text: `${RULE_HEAD}      then:\n        - hold: { minutes: 0 }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0].hold.minutes',
    message: /between 1 and 4320/,
  },
  {
    label: 'hold minutes 5000',
    text: `${RULE_HEAD}      then:\n        - hold:\n            minutes: 5000\n`,
    line: 7,
    path: 'outbound.rules[0].then[0].hold.minutes',
    message: /between 1 and 4320/,
  },
  {
    label: 'wrong type',
    text: `${RULE_HEAD}      when:\n        attachments: "yes"\n      then: [ { hold: {} } ]\n`,
    line: 6,
    path: 'outbound.rules[0].when.attachments',
    message: /expected boolean/,
  },
  {
    label: 'unknown key in conditions',
    text: `${RULE_HEAD}      when:\n        recipients: { extrnal: true }\n      then: [ { hold: {} } ]\n`,
    line: 6,
    path: 'outbound.rules[0].when.recipients.extrnal',
    message: /unknown field "extrnal"/,
  },
  {
    label: 'unknown action',
    text: `${RULE_HEAD}      then:\n        - hold: {}\n        - encrypt: { method: aes256 }\n`,
    line: 7,
    path: 'outbound.rules[0].then[1].encrypt',
    message: /unknown action "encrypt"/,
  },
  {
    label: 'unknown action parameter',
    text: `${RULE_HEAD}      then:\n        - hold: { minutes: 5, relase: auto }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0].hold.relase',
    message: /unknown field "relase"/,
  },
  {
    label: 'two actions in one item',
    text: `${RULE_HEAD}      then:\n        - { hold: {}, bcc: {} }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0]',
    message: /exactly one key/,
  },
  {
    label: 'block without reason',
    text: `${RULE_HEAD}      then:\n        - block: { notify: true }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0].block.reason',
    message: /needs a reason/,
  },
  {
    label: 'bad release value',
    text: `${RULE_HEAD}      then:\n        - hold: { minutes: 5, release: later }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0].hold.release',
    message: /auto|manual|discard/,
  },
  {
    label: 'catastrophic-looking but unsupported regex (back-reference)',
    text: `${RULE_HEAD}      when:\n        subject: ["(a)\\\\1"]\n      then: [ { hold: {} } ]\n`,
    line: 6,
    path: 'outbound.rules[0].when.subject[0]',
    message: /invalid regular expression/,
  },
  {
    label: 'look-ahead regex',
    text: `${RULE_HEAD}      when:\n        body: "foo(?=bar)"\n      then: [ { hold: {} } ]\n`,
    line: 6,
    path: 'outbound.rules[0].when.body',
    message: /look-around/,
  },
  {
    label: 'user key not an address',
    text: 'version: 1\noutbound:\n  users:\n    tanaka: { hold: { minutes: 1 } }\n',
    line: 4,
    path: 'outbound.users.tanaka',
    message: /e-mail address/,
  },
  {
    label: 'user hold out of range',
    text: 'version: 1\noutbound:\n  users:\n    tanaka@acme.example: { hold: { minutes: 9999 } }\n',
    line: 4,
    path: 'outbound.users["tanaka@acme.example"].hold.minutes',
    message: /between 1 and 4320/,
  },
  {
    label: 'wrong version',
    text: 'version: 2\n',
    line: 1,
    path: 'version',
    message: /version must be 1/,
  },
  {
    label: 'duplicate rule names',
    text: `${RULE_HEAD}      then: [ { hold: {} } ]\n    - name: r\n      then: [ { hold: {} } ]\n`,
    line: 6,
    path: 'outbound.rules[1].name',
    message: /duplicate rule name/,
  },
  {
    label: 'rule without actions',
    text: `${RULE_HEAD}      then: []\n`,
    line: 5,
    path: 'outbound.rules[0].then',
    message: /at least one action/,
  },
  {
    label: 'spam thresholds out of order',
    text: 'version: 1\ninbound:\n  spam: { tagAt: 8, quarantineAt: 4 }\n',
    line: 3,
    path: 'inbound.spam.quarantineAt',
    message: /at least tagAt/,
  },
  {
    label: 'unknown inbound action',
    text: 'version: 1\ninbound:\n  rules:\n    - name: x\n      then: [ { hold: {} } ]\n',
    line: 5,
    path: 'inbound.rules[0].then[0].hold',
    message: /unknown inbound action "hold"/,
  },
  {
    label: 'unknown top-level key',
    text: 'version: 1\noutbund: {}\n',
    line: 2,
    path: 'outbund',
    message: /unknown field/,
  },
  {
    label: 'YAML syntax error',
    text: 'version: 1\noutbound:\n  rules:\n    - name: a: b\n',
    line: 4,
    path: '',
    message: /YAML syntax/,
  },
  {
    label: 'confirm applyTo neither external nor all',
    text: `${RULE_HEAD}      then:\n        - confirm: { hours: 2, applyTo: internal }\n`,
    line: 6,
    path: 'outbound.rules[0].then[0].confirm.applyTo',
    message: /external|all/,
  },
  {
    label: 'YAML duplicate key',
    text: 'version: 1\nversion: 1\n',
    line: 2,
    path: '',
    message: /YAML syntax/,
  },
];

for (const b of broken) {
  test(`broken policy: ${b.label} → line ${b.line}, ${b.path || '(file)'}`, () => {
    const errors = errorsOf(b.text);
    const e = errors.find((x) => x.path === b.path);
    assert.ok(e, `no error at ${b.path}; got ${formatPolicyErrors(errors)}`);
    assert.equal(e.line, b.line, formatPolicyErrors(errors));
    assert.ok(e.column >= 1);
    assert.match(e.message, b.message);
  });
}

test('several errors are all reported, in file order', () => {
  const errors = errorsOf(`version: 1
outbound:
  rules:
    - name: a
      when: { attachments: 1 }
      then:
        - hold: { minutes: 0 }
        - block: {}
`);
  assert.deepEqual(
    errors.map((e) => [e.line, e.path]),
    [
      [5, 'outbound.rules[0].when.attachments'],
      [7, 'outbound.rules[0].then[0].hold.minutes'],
      [8, 'outbound.rules[0].then[1].block.reason'],
    ],
  );
  assert.match(formatPolicyErrors(errors, 'policy.yaml'), /^policy\.yaml:5:\d+ outbound\.rules\[0\]\.when\.attachments: /);
});

test('policyToYaml round-trips', () => {
  const texts = [
    INTERFACE_EXAMPLE,
    `version: 1
outbound:
  defaults: { hold: { minutes: 10, release: manual, appliesTo: all }, language: ja }
  rules:
    - name: 見積は上長承認
      mode: test
      when:
        sender: "*@acme.example"
        subject: ["見積", "quote|estimate"]
        attachmentNames: "*.xlsx"
        attachmentSizeAtLeast: 10MB
        detect: [creditCard, myNumber]
        firstContactDomain: true
        lookalikeDomain: false
      unless: { recipients: { all: ["*.partner.co.jp"] } }
      then:
        - approve: { by: [boss@acme.example], hours: 8, onTimeout: deliver }
        - zipEncrypt: { method: zipcrypto, passwordTo: recipients, filenameCharset: cp932 }
        - notify: { to: [audit@acme.example], template: leak }
  users:
    tanaka@acme.example: { hold: false, language: en }
inbound:
  honourDmarc: false
  rules:
    - name: phish
      when: { authFail: [dmarc], verdict: ["PHISH*"], spamScoreAtLeast: 3 }
      then: [ { subjectTag: { tag: "[注意]" } }, { stripAttachments: { names: ["*.exe"] } }, { quarantine: } ]
`,
  ];
  for (const text of texts) {
    const first = parsePolicy(text);
    assert.ok(first.ok, JSON.stringify(!first.ok && first.errors));
    const yaml = policyToYaml(first.policy);
    const second = parsePolicy(yaml);
    assert.ok(second.ok, yaml);
    assert.deepEqual(second.policy, first.policy);
    assert.equal(policyToYaml(second.policy), yaml);
  }
});

test('policyToYaml writes actions on one line each and keeps Japanese as is', () => {
  const r = parsePolicy(`version: 1\noutbound:\n  rules:\n    - name: タグ\n      then: [ { subjectTag: { tag: "[社外秘]" } } ]\n`);
  assert.ok(r.ok);
  const yaml = policyToYaml(r.policy);
  assert.match(yaml, /- subjectTag: \{ tag: "\[社外秘\]" \}/);
  assert.match(yaml, /name: タグ/);
});

test('attachment sizes accept units', () => {
  const size = (s: string) => {
    const r = parsePolicy(
      `version: 1\noutbound:\n  rules:\n    - name: r\n      when: { attachmentSizeAtLeast: ${s} }\n      then: [ { hold: {} } ]\n`,
    );
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    return r.policy.outbound.rules[0]!.when.attachmentSizeAtLeast;
  };
  assert.equal(size('1000'), 1000);
  assert.equal(size('"512KB"'), 512 * 1024);
  assert.equal(size('10MB'), 10 * 1024 * 1024);
  assert.equal(size('1.5 GB'), Math.round(1.5 * 1024 ** 3));
  assert.equal(
    errorsOf(
      `version: 1\noutbound:\n  rules:\n    - name: r\n      when: { attachmentSizeAtLeast: ten }\n      then: [ { hold: {} } ]\n`,
    )[0]!.line,
    5,
  );
});

test('every complete example in docs/policy.md is a valid policy', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const complete = blocks.filter((b) => b.startsWith('version: 1'));
  assert.ok(complete.length >= 1);
  for (const b of complete) {
    const r = parsePolicy(b);
    assert.ok(r.ok, formatPolicyErrors(r.ok ? [] : r.errors));
  }
  // Fragments (a rule, an inbound section) are checked inside a minimal file.
  for (const b of blocks.filter((x) => x.startsWith('    - name:'))) {
    const r = parsePolicy(`version: 1\noutbound:\n  rules:\n${b}`);
    assert.ok(r.ok, formatPolicyErrors(r.ok ? [] : r.errors));
  }
  for (const b of blocks.filter((x) => x.startsWith('inbound:') || x.startsWith('outbound:\n  defaults'))) {
    const r = parsePolicy(`version: 1\n${b}`);
    assert.ok(r.ok, formatPolicyErrors(r.ok ? [] : r.errors));
  }
});

test('outbound.defaults.internalDomains takes domains, not addresses or wildcards', () => {
  const ok = parsePolicy('version: 1\noutbound:\n  defaults: { internalDomains: [Group.Example, partner.co.jp] }\n');
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.errors));
  assert.deepEqual(ok.policy.outbound.defaults.internalDomains, ['group.example', 'partner.co.jp']);
  const bad = parsePolicy('version: 1\noutbound:\n  defaults: { internalDomains: ["*.group.example", "@partner.co.jp"] }\n');
  assert.ok(!bad.ok);
  assert.deepEqual(
    bad.errors.map((e) => e.path),
    ['outbound.defaults.internalDomains[0]', 'outbound.defaults.internalDomains[1]'],
  );
  assert.match(bad.errors[0]!.message, /expected a domain such as group\.example/);
});
