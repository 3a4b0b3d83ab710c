// Helpers for the attachment-protection tests: queue an outbound message whose plan comes from a
// real policy (parsePolicy + evaluateOutbound, exactly what the outbound area stores at accept
// time under plan.outbound.plan), with the policy also stored as the tenant's `policies` row;
// decode sink copies with postal-mime; talk HTTP to the instance.
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { parsePolicy } from '../../src/policy/load.ts';
import { evaluateOutbound, type Plan } from '../../src/policy/evaluate.ts';
import { parseMessage } from '../../src/mime/parse-facts.ts';
import { newId } from '../../src/util/id.ts';
import type { TestInstance } from '../helpers/instance.ts';
import { USER } from '../helpers/instance.ts';

/** `tweak` may edit the evaluated plan (e.g. force an action the evaluator would skip). */
export async function queueWithPolicy(
  inst: TestInstance,
  yaml: string,
  raw: Buffer,
  recipients: string[],
  tweak?: (plan: Plan) => void,
  mailFrom = USER,
): Promise<string> {
  const parsed = parsePolicy(yaml);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  const store = inst.sekisho.store;
  await store.db.insertInto('policies').values({ tenant_id: inst.tenantId, yaml, created_at: Date.now(), created_by: 'test' }).execute();
  const envelope = { mailFrom, recipients };
  const { facts } = await parseMessage(raw, envelope, 'outbound');
  const plan = evaluateOutbound(parsed.policy, facts, {
    tenantDomains: ['acme.example', 'acme.co.jp'],
    contactedDomains: new Map(),
    senderUser: { email: mailFrom },
  });
  tweak?.(plan);
  const id = newId();
  await store.insertMessage({
    id,
    tenantId: inst.tenantId,
    direction: 'outbound',
    state: 'queued',
    dueAt: Date.now(),
    mailFrom,
    recipients,
    headerFrom: facts.from?.address ?? mailFrom,
    subject: facts.subject,
    messageId: facts.messageId,
    size: raw.length,
    facts,
    plan: { outbound: { plan, policyVersion: 1, sender: mailFrom, language: plan.language, stages: [], stage: -1 } },
    submittedBy: mailFrom,
    body: raw,
    events: [{ actor: mailFrom, type: 'accepted', data: {} }],
  });
  inst.sekisho.worker.wake();
  return id;
}

export async function decode(raw: Buffer) {
  return PostalMime.parse(raw);
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function http(inst: TestInstance) {
  const base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
  return (pathOrUrl: string, init: RequestInit = {}) => {
    const path = pathOrUrl.startsWith('http') ? new URL(pathOrUrl).pathname : pathOrUrl;
    return fetch(base + path, { redirect: 'manual', ...init, headers: { 'user-agent': 'sekisho-test-agent', ...(init.headers ?? {}) } });
  };
}
