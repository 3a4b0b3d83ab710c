// Moves an outbound message through its stages (hold → confirm → approve, in plan order) and
// out: into the next stage, to `queued` for delivery, or to `discarded` / `cancelled`. Every move
// is a store.transition under a lease (the worker's, or one a person's action takes), so a timer
// firing on one node and a button pressed on another never both win. Links and notices for a
// new stage are created here; links are stored only as SHA-256 hashes.
import type { MessagePlan } from '../plan/plan.ts';
import type { InspectionBudget } from '../analysis/attachment-text.ts';
import type { AuditEventType } from '../audit/event-groups.ts';
import type { Logger } from 'pino';
import type { Message, Store } from '../store/store.ts';
import { hashToken, newToken } from '../util/id.ts';
import type { OutboundTables } from './tables.ts';
import { enter, STAGE_STATE, stageDeadline, stageStartEvent, withOutbound } from './outbound-state.ts';
import type { OutboundState } from '../plan/outbound.ts';
import { sendNotice, type Lang, type NoticeFacts, type NoticeKind } from './notices.ts';
import { nextStepOf } from './next-step.ts';

export interface OutboundEnv {
  store: Store;
  hostname: string;
  publicUrl: string;
  logger?: Logger;
  /** wake the local queue worker after new due work was committed */
  wake?: () => void;
  /** what reading the text inside one message's attachments may cost (config inspectionBudgetBytes/Ms) */
  inspectionBudget?: InspectionBudget;
}

export function linksDb(store: Store) {
  return store.db.withTables<OutboundTables>();
}

const PAGE_OF = { hold: 'h', confirm: 'c', approve: 'a' } as const;

/** Creates the stage's links (one for the sender, or one per approver); returns actor → URL. */
async function createLinks(env: OutboundEnv, m: Pick<Message, 'id' | 'tenant_id'>, state: OutboundState): Promise<Map<string, string>> {
  const stage = state.stages[state.stage]!;
  const kind = PAGE_OF[stage.type];
  const actors = stage.type === 'approve' ? (stage.approvers ?? []) : [state.sender];
  const urls = new Map<string, string>();
  const base = env.publicUrl.replace(/\/+$/, '');
  for (const actor of actors) {
    const token = newToken();
    await linksDb(env.store)
      .insertInto('outbound_links')
      .values({
        token_hash: hashToken(token),
        tenant_id: m.tenant_id,
        message_id: m.id,
        kind,
        stage: state.stage,
        actor,
        created_at: Date.now(),
      })
      .execute();
    urls.set(actor, `${base}/${kind}/${token}`);
  }
  return urls;
}

export function factsOf(m: Pick<Message, 'subject' | 'header_from' | 'mail_from' | 'recipients'>): NoticeFacts {
  return { subject: m.subject || '(no subject)', from: m.header_from || m.mail_from, recipients: m.recipients };
}

/** The notice language for an address: their user record, else the policy language. */
export async function languageFor(store: Store, address: string, fallback: Lang): Promise<Lang> {
  const u = await store.userByEmail(address);
  return u ? u.language : fallback;
}

/** Links + notices for the stage the message has just entered (after the transition committed). */
export async function announceStage(env: OutboundEnv, m: Message, state: OutboundState): Promise<void> {
  const stage = state.stages[state.stage]!;
  const urls = await createLinks(env, m, state);
  const base = { ...factsOf(m), until: stage.dueAt, rule: stage.rule };
  if (stage.type === 'approve') {
    // the sender learns that the mail now waits (and for whom) — not only the approvers
    await sendNotice(env, {
      tenantId: m.tenant_id,
      to: [state.sender],
      kind: 'awaitingApproval',
      lang: state.language,
      facts: { ...base, next: nextStepOf(m.state, state) },
      relatedMessageId: m.id,
    });
    for (const [approver, url] of urls) {
      const lang = await languageFor(env.store, approver, state.plan.language);
      await sendNotice(env, {
        tenantId: m.tenant_id,
        to: [approver],
        kind: 'approval',
        lang,
        facts: { ...base, url, onTimeout: stage.onTimeout },
        relatedMessageId: m.id,
      });
    }
    return;
  }
  const url = urls.get(state.sender);
  const holdUntil = stageDeadline(stage);
  const kind: NoticeKind = stage.type === 'hold' ? 'held' : 'confirm';
  await sendNotice(env, {
    tenantId: m.tenant_id,
    to: [state.sender],
    kind,
    lang: state.language,
    facts: {
      ...base,
      url,
      until: holdUntil,
      release: stage.release,
      onTimeout: stage.onTimeout,
      ...(stage.type === 'confirm' && stage.applyTo === 'external' ? { externalOnly: true } : {}),
    },
    relatedMessageId: m.id,
  });
}

export interface MoveEvent {
  actor: string;
  type: AuditEventType;
  data?: Record<string, unknown>;
}

/**
 * The current stage is done (released, confirmed, approved, or its time ran out with
 * deliver): enter the next stage, or queue for delivery. False when the lease was lost.
 */
export async function moveOn(
  env: OutboundEnv,
  m: Message,
  holder: string,
  whole: MessagePlan,
  state: OutboundState,
  event: MoveEvent,
): Promise<boolean> {
  const now = Date.now();
  const next = state.stage + 1;
  if (next < state.stages.length) {
    const entered = enter(state, next, now);
    const stage = entered.stages[next]!;
    const nextState = STAGE_STATE[stage.type];
    const ok = await env.store.transition(m, holder, {
      state: nextState,
      dueAt: stage.dueAt!,
      plan: withOutbound(whole, entered),
      event: [
        {
          ...event,
          data: {
            ...(event.data ?? {}),
            stage: state.stage,
            next: { stage: next, type: stage.type, rule: stage.rule, state: nextState, dueAt: stage.dueAt },
          },
        },
        // the new stage starts with the same event as the first one did (and so the same webhook)
        stageStartEvent(entered, next),
      ],
    });
    if (!ok) return false;
    env.wake?.();
    await announceStage(env, { ...m, state: nextState }, entered).catch((err) =>
      env.logger?.error({ err, id: m.id }, 'stage notice failed'),
    );
    return true;
  }
  const done = { ...state, stage: -1 };
  const ok = await env.store.transition(m, holder, {
    state: 'queued',
    dueAt: now,
    plan: withOutbound(whole, done),
    event: { ...event, data: { ...(event.data ?? {}), stage: state.stage, next: { state: 'queued' } } },
  });
  if (ok) env.wake?.();
  return ok;
}

/** Ends the message without sending it: discarded (timer, rejection) or cancelled (sender). */
export async function finish(
  env: OutboundEnv,
  m: Message,
  holder: string,
  whole: MessagePlan,
  state: OutboundState,
  to: 'discarded' | 'cancelled',
  event: MoveEvent,
  notice: { kind: NoticeKind; facts?: Partial<NoticeFacts> } | null,
): Promise<boolean> {
  const ok = await env.store.transition(m, holder, {
    state: to,
    dueAt: null,
    plan: withOutbound(whole, { ...state, stage: -1 }),
    event: { ...event, data: { ...(event.data ?? {}), stage: state.stage } },
  });
  if (ok && notice) {
    await sendNotice(env, {
      tenantId: m.tenant_id,
      to: [state.sender],
      kind: notice.kind,
      lang: state.language,
      facts: { ...factsOf(m), ...notice.facts },
      relatedMessageId: m.id,
    }).catch((err) => env.logger?.error({ err, id: m.id }, 'notice failed'));
  }
  return ok;
}
