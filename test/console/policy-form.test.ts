// The console's policy form writes the same YAML: each change sets or removes one node through
// the yaml Document API, so comments and the rest of the file survive, and the result parses
// with the server's own validator (src/policy/load.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addRule,
  editYaml,
  readForm,
  setActionParam,
  setDefaultHold,
  setDetectors,
  setValue,
  toggleAction,
} from '../../console/src/policy-form.ts';
import { parsePolicy } from '../../src/policy/load.ts';

const YAML = `version: 1
# 社外宛てルール（コメントは残る）
outbound:
  rules:
    - name: 社外宛て
      when: { recipients: { external: true } } # 社外
      then:
        - hold: # 5分
            minutes: 5
`;

describe('policy form over the YAML', () => {
  it('reads the common rules', () => {
    const f = readForm(YAML)!;
    assert.equal(f.defaultHold, null);
    assert.equal(f.rules[0]!.name, '社外宛て');
    assert.deepEqual(f.rules[0]!.actions, { hold: { minutes: 5 } });
    // described like the parsed policy: `external: true` reads as 'any' (社外の宛先を含む)
    assert.deepEqual(f.rules[0]!.when, { recipients: { external: 'any' } });
    assert.equal(readForm('version: [1'), null);
  });

  it('edits keep comments and stay valid', () => {
    let y = YAML;
    y = editYaml(y, setActionParam(0, 'hold', 'minutes', 15));
    y = editYaml(y, toggleAction(0, 'confirm', true));
    y = editYaml(y, toggleAction(0, 'block', true, { reason: '社外秘' }));
    y = editYaml(y, toggleAction(0, 'block', false));
    y = editYaml(y, setDetectors(0, ['creditCard', 'myNumber']));
    y = editYaml(y, setDefaultHold(true, 3));
    y = editYaml(y, setValue(['inbound', 'spam', 'quarantineAt'], 12));
    y = editYaml(y, addRule('新しいルール'));
    y = editYaml(y, toggleAction(1, 'zipEncrypt', true));
    for (const c of ['# 社外宛てルール（コメントは残る）', '# 社外', '# 5分']) assert.ok(y.includes(c), `${c} kept:\n${y}`);
    const p = parsePolicy(y);
    assert.ok(p.ok, JSON.stringify(!p.ok && p.errors));
    assert.deepEqual(
      p.policy.outbound.rules[0]!.then.map((a) => Object.keys(a)[0]),
      ['hold', 'confirm'],
    );
    assert.equal((p.policy.outbound.rules[0]!.then[0] as { hold: { minutes: number } }).hold.minutes, 15);
    assert.deepEqual(p.policy.outbound.rules[0]!.when.detect, ['creditCard', 'myNumber']);
    assert.equal(p.policy.outbound.defaults.hold?.minutes, 3);
    assert.equal(p.policy.inbound.spam.quarantineAt, 12);
    assert.deepEqual(
      p.policy.outbound.rules[1]!.then.map((a) => Object.keys(a)[0]),
      ['hold', 'zipEncrypt'],
    );
    const back = readForm(y)!;
    assert.deepEqual(back.rules[0]!.detect, ['creditCard', 'myNumber']);
  });

  it('applyTo on ZIP, web download and forced BCC: the default is written as no key', () => {
    let y = editYaml(YAML, toggleAction(0, 'zipEncrypt', true));
    y = editYaml(y, toggleAction(0, 'bcc', true));
    y = editYaml(y, setActionParam(0, 'zipEncrypt', 'applyTo', 'all'));
    y = editYaml(y, setActionParam(0, 'bcc', 'applyTo', 'external'));
    let p = parsePolicy(y);
    assert.ok(p.ok, JSON.stringify(!p.ok && p.errors));
    const then = p.policy.outbound.rules[0]!.then as Array<Record<string, { applyTo?: string }>>;
    assert.equal(then.find((a) => 'zipEncrypt' in a)!.zipEncrypt!.applyTo, 'all');
    assert.equal(then.find((a) => 'bcc' in a)!.bcc!.applyTo, 'external');
    assert.equal(readForm(y)!.rules[0]!.actions.zipEncrypt!.applyTo, 'all');
    // back to the default (the form passes undefined): the key goes, the schema's default applies
    y = editYaml(y, setActionParam(0, 'zipEncrypt', 'applyTo', undefined));
    p = parsePolicy(y);
    assert.ok(p.ok);
    assert.equal(readForm(y)!.rules[0]!.actions.zipEncrypt!.applyTo, undefined);
    const zip = (p.policy.outbound.rules[0]!.then as Array<Record<string, { applyTo?: string }>>).find((a) => 'zipEncrypt' in a)!;
    assert.equal(zip.zipEncrypt!.applyTo, 'external');
  });

  it('applyTo on a confirmation: external is written, all (the default) is no key', () => {
    let y = editYaml(YAML, toggleAction(0, 'confirm', true));
    y = editYaml(y, setActionParam(0, 'confirm', 'applyTo', 'external'));
    let p = parsePolicy(y);
    assert.ok(p.ok, JSON.stringify(!p.ok && p.errors));
    const confirmOf = (q: typeof p) =>
      q.ok ? (q.policy.outbound.rules[0]!.then as Array<Record<string, { applyTo?: string }>>).find((a) => 'confirm' in a)!.confirm! : null;
    assert.equal(confirmOf(p)!.applyTo, 'external');
    assert.equal(readForm(y)!.rules[0]!.actions.confirm!.applyTo, 'external');
    y = editYaml(y, setActionParam(0, 'confirm', 'applyTo', undefined));
    p = parsePolicy(y);
    assert.equal(readForm(y)!.rules[0]!.actions.confirm!.applyTo, undefined);
    assert.equal(confirmOf(p)!.applyTo, 'all');
  });

  it('works from an empty or default file', () => {
    for (const start of ['', 'version: 1\n', 'version: 1\noutbound:\n']) {
      let y = editYaml(start, setDefaultHold(true, 10));
      y = editYaml(y, addRule('r'));
      y = editYaml(y, toggleAction(0, 'hold', false));
      y = editYaml(y, toggleAction(0, 'approve', true));
      y = editYaml(y, setValue(['version'], 1));
      const p = parsePolicy(y);
      assert.ok(p.ok, `${start} → ${y} ${JSON.stringify(!p.ok && p.errors)}`);
      assert.equal(p.policy.outbound.defaults.hold?.minutes, 10);
    }
  });
});
