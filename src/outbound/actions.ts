// What people do with waiting mail — release (今すぐ送信), cancel (送信取り消し), confirm (送信確認),
// approve (承認), reject (却下) — for the pages, the CLI and the console API. Each checks the
// message's state and the actor's right (the sender for their own mail, an assigned approver,
// an admin of the tenant, or the operator's CLI), takes the message's lease so a timer on
// another node cannot act at the same moment, records who did it in the audit trail, and wakes
// the worker. Failures are a ServiceError (not_found, forbidden, wrong_state, busy, bad_request,
// not_ticked), which the callers map to exit codes / HTTP.
import type { MessagePlan } from '../plan/plan.ts';
import { endLease, leaseMessage, type Lease } from '../store/message-lease.ts';
import type { MessageState } from '../store/schema/message-state.ts';
import type { Message } from '../store/store.ts';
import { outboundStateOf, STAGE_STATE, WAITING_STATES } from './outbound-state.ts';
import type { OutboundState, StageType } from '../plan/outbound.ts';
import { finish, moveOn, type OutboundEnv } from './stage-engine.ts';
import { sendNotice } from './notices.ts';
import { factsOf } from './stage-engine.ts';
import { nextStepOf } from './next-step.ts';
import { confirmationSheet, untickedOf, type Ticks } from './confirmation.ts';
import { messageViewOfRow } from '../mime/message-view.ts';
import { ServiceError } from '../util/service-error.ts';
import { inScope, tenantScope, type TenantScope } from '../store/tenant-scope.ts';

export interface Actor {
  /** address of the person, or 'cli' */
  email: string;
  /** 'cli' is the operator at the command line: an admin of every message in its scope */
  role: 'admin' | 'approver' | 'user' | 'cli';
  /** whose messages the actor reaches: a person's own tenant, or every tenant for the operator's CLI */
  scope: TenantScope;
  /** set by the pages: the link's stage (a link acts only on the stage it was sent for) */
  linkStage?: number;
}

export interface ActionResult {
  id: string;
  /** the message's state after the action */
  state: MessageState;
}

/** Takes the message's lease if it is in one of `states` and no worker holds it. */
async function lease(env: OutboundEnv, id: string, scope: TenantScope, states: readonly MessageState[]): Promise<Lease> {
  const got = await leaseMessage(env.store, id, { purpose: 'action', states, scope });
  if ('m' in got) return got;
  if (got.refused === 'not_found') throw new ServiceError('not_found', `no message with id ${id}`);
  if (got.refused === 'wrong_state') throw new ServiceError('wrong_state', `message ${id} is ${got.state}, not ${states.join(' or ')}`);
  throw new ServiceError('busy', `message ${id} is being processed right now; try again in a moment`);
}

async function unlock(env: OutboundEnv, id: string, holder: string): Promise<void> {
  await endLease(env.store, id, holder);
}

function isAdmin(actor: Actor, m: Message): boolean {
  return (actor.role === 'cli' || actor.role === 'admin') && inScope(actor.scope, m.tenant_id);
}

/** Runs `fn` under the message's lease after the state and permission checks. */
async function act(
  env: OutboundEnv,
  id: string,
  actor: Actor,
  types: StageType[],
  allowed: (state: OutboundState, m: Message) => boolean,
  fn: (m: Message, holder: string, whole: MessagePlan, state: OutboundState) => Promise<boolean>,
): Promise<ActionResult> {
  // A person of another tenant learns nothing, not even that the id exists.
  if (!(await env.store.message(id, actor.scope))) throw new ServiceError('not_found', `no message with id ${id}`);
  const { m, holder } = await lease(
    env,
    id,
    actor.scope,
    types.map((t) => STAGE_STATE[t]),
  );
  try {
    const { whole, state } = outboundStateOf(m);
    if (!state || state.stage < 0) throw new ServiceError('wrong_state', `message ${id} is not waiting in a policy stage`);
    if (actor.linkStage !== undefined && actor.linkStage !== state.stage)
      throw new ServiceError('wrong_state', 'this link belongs to an earlier step of this message');
    if (!isAdmin(actor, m) && !allowed(state, m)) throw new ServiceError('forbidden', `${actor.email} may not do this for message ${id}`);
    if (!(await fn(m, holder, whole, state))) throw new ServiceError('busy', `message ${id} was taken over by another node; try again`);
    env.wake?.();
    return { id, state: (await env.store.message(id, actor.scope))!.state };
  } finally {
    await unlock(env, id, holder);
  }
}

const isSender = (actor: Actor) => (state: OutboundState) => actor.email.toLowerCase() === state.sender.toLowerCase();
const isApprover = (actor: Actor) => (state: OutboundState) =>
  (state.stages[state.stage]?.approvers ?? []).includes(actor.email.toLowerCase());

/** 今すぐ送信: ends a hold now (next stage, or delivery). */
export function release(env: OutboundEnv, id: string, actor: Actor): Promise<ActionResult> {
  return act(env, id, actor, ['hold'], isSender(actor), async (m, holder, whole, state) => {
    const ok = await moveOn(env, m, holder, whole, state, {
      actor: actor.email,
      type: 'released',
      data: { rule: state.stages[state.stage]!.rule },
    });
    if (ok && actor.email.toLowerCase() !== state.sender) await notifySender(env, m, state, 'released', actor.email);
    return ok;
  });
}

/**
 * 送信確認: the sender pressed send with `ticks`. Refused (not_ticked) unless every recipient and
 * attachment of the mail is ticked — the /c/ page and the console both come through here.
 */
export function confirm(env: OutboundEnv, id: string, actor: Actor, ticks: Ticks): Promise<ActionResult> {
  return act(env, id, actor, ['confirm'], isSender(actor), async (m, holder, whole, state) => {
    const sheet = await confirmationSheet(env.store, m, state, await messageViewOfRow(env.store, m));
    const missing = untickedOf(sheet, ticks);
    if (missing.recipients.length > 0 || missing.attachments.length > 0)
      throw new ServiceError(
        'not_ticked',
        `tick every recipient and attachment before sending (not ` +
          `ticked: ${[...missing.recipients, ...missing.attachments.map((i) => `attachment ${i}`)].join(', ')})`,
      );
    return moveOn(env, m, holder, whole, state, { actor: actor.email, type: 'confirmed', data: { rule: state.stages[state.stage]!.rule } });
  });
}

/** 送信取り消し: the sender (or an admin) withdraws a waiting message; it is never sent. */
export function cancel(env: OutboundEnv, id: string, actor: Actor): Promise<ActionResult> {
  return act(env, id, actor, ['hold', 'confirm', 'approve'], isSender(actor), (m, holder, whole, state) =>
    finish(
      env,
      m,
      holder,
      whole,
      state,
      'cancelled',
      { actor: actor.email, type: 'cancelled' },
      actor.email.toLowerCase() !== state.sender ? { kind: 'cancelled', facts: { actor: actor.email } } : null,
    ),
  );
}

/** 承認: an assigned approver (or an admin) lets the message go on. */
export function approve(env: OutboundEnv, id: string, actor: Actor, comment = ''): Promise<ActionResult> {
  return act(env, id, actor, ['approve'], isApprover(actor), async (m, holder, whole, state) => {
    const ok = await moveOn(env, m, holder, whole, state, {
      actor: actor.email,
      type: 'approved',
      data: { rule: state.stages[state.stage]!.rule, comment },
    });
    if (ok) await notifySender(env, m, state, 'approved', actor.email, comment);
    return ok;
  });
}

/** 却下: an assigned approver (or an admin) stops the message; it is discarded. */
export function reject(env: OutboundEnv, id: string, actor: Actor, comment = ''): Promise<ActionResult> {
  return act(env, id, actor, ['approve'], isApprover(actor), (m, holder, whole, state) =>
    finish(
      env,
      m,
      holder,
      whole,
      state,
      'discarded',
      { actor: actor.email, type: 'rejected', data: { rule: state.stages[state.stage]!.rule, comment } },
      { kind: 'rejected', facts: { actor: actor.email, comment } },
    ),
  );
}

/** Tells the sender what a person did and where the mail is now (read back after the move). */
async function notifySender(
  env: OutboundEnv,
  m: Message,
  state: OutboundState,
  kind: 'released' | 'approved',
  actor: string,
  comment?: string,
): Promise<void> {
  const after = await env.store.message(m.id, tenantScope(m.tenant_id));
  const next = after ? nextStepOf(after.state, outboundStateOf(after).state) : undefined;
  await sendNotice(env, {
    tenantId: m.tenant_id,
    to: [state.sender],
    kind,
    lang: state.language,
    facts: { ...factsOf(m), actor, comment, next },
    relatedMessageId: m.id,
  }).catch((err) => env.logger?.error({ err, id: m.id }, 'notice failed'));
}

/**
 * Messages waiting for this person, for the console: their own held / to-confirm mail, and the
 * approvals assigned to them (admins: everything waiting in their scope).
 */
export async function waitingFor(
  env: Pick<OutboundEnv, 'store'>,
  actor: Actor,
  limit = 200,
): Promise<Array<Message & { role: 'sender' | 'approver' | 'admin' }>> {
  const rows = await env.store.listMessages({ scope: actor.scope, states: WAITING_STATES, limit: 5000 });
  const me = actor.email.toLowerCase();
  const out: Array<Message & { role: 'sender' | 'approver' | 'admin' }> = [];
  for (const m of rows) {
    const { state } = outboundStateOf(m);
    if (!state) continue;
    const stage = state.stages[state.stage];
    if (state.sender === me) out.push({ ...m, role: 'sender' });
    else if (stage?.type === 'approve' && (stage.approvers ?? []).includes(me)) out.push({ ...m, role: 'approver' });
    else if (actor.role === 'admin') out.push({ ...m, role: 'admin' });
    if (out.length >= limit) break;
  }
  return out;
}

export { WAITING_STATES };
