// The one decoder of messages.plan (src/store/message-plan.ts): every row ever written decodes —
// no plan, invalid JSON, a non-object, sections of the wrong shape (absent then), keys of areas
// this version does not know (carried over) — and rows as the current code writes them decode to
// their typed sections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePlan } from '../../src/store/message-plan.ts';

const row = (plan: unknown) => ({ plan: typeof plan === 'string' || plan === null ? plan : JSON.stringify(plan) });

test('no plan, invalid JSON and non-objects decode as an empty plan', () => {
  for (const p of [null, '', '{', 'null', '[1,2]', '"text"', '42']) assert.deepEqual(decodePlan(row(p)), {}, String(p));
});

test('sections of the wrong shape are absent; the others stay', () => {
  const plan = decodePlan(
    row({
      outbound: { plan: { actions: [] } },
      inbound: 'verdict',
      delivery: { delayWarned: 'yes' },
      system: { kind: 'held', relatedMessageId: 7 },
    }),
  );
  assert.equal(plan.outbound, undefined, 'outbound without stages');
  assert.equal(plan.inbound, undefined, 'inbound that is no object');
  assert.deepEqual(plan.delivery, { delayWarned: false });
  assert.deepEqual(plan.system, { kind: 'held', relatedMessageId: null });
});

test('keys of areas this version does not know are carried over', () => {
  const plan = decodePlan(row({ future: { x: 1 }, delivery: { delayWarned: true } }));
  assert.deepEqual({ ...plan }, { future: { x: 1 }, delivery: { delayWarned: true } });
});

test('rows as the current code writes them decode to their sections', () => {
  const outbound = {
    plan: { actions: [{ rule: 'r', source: 'rule', type: 'hold', minutes: 5, release: 'auto' }], matches: [], language: 'ja' },
    policyVersion: 3,
    sender: 'taro@acme.example',
    language: 'ja',
    stages: [{ type: 'hold', rule: 'r', minutes: 5, release: 'auto', startedAt: 1 }],
    stage: 0,
  };
  const inbound = {
    disposition: 'quarantine',
    reason: 'spam',
    score: 12.3,
    symbols: [],
    scorers: {},
    auth: {},
    authDetails: [],
    policy: {},
  };
  const plan = decodePlan(row({ outbound, inbound, delivery: { delayWarned: true }, system: { kind: 'digest', relatedMessageId: null } }));
  assert.equal(plan.outbound?.stages[0]?.type, 'hold');
  assert.equal(plan.outbound?.plan.actions[0]?.type, 'hold');
  assert.equal(plan.inbound?.score, 12.3);
  assert.equal(plan.delivery?.delayWarned, true);
  assert.equal(plan.system?.kind, 'digest');
});
