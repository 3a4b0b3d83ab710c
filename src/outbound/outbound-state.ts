// The outbound area's part of message.plan (plan.outbound): the evaluated policy Plan, the
// stages (hold / confirm / approve) built from it in plan order, and which stage the message is
// in. Other areas read plan.outbound.plan; every write keeps the other areas' keys.
import type { MessagePlan } from '../pipeline.ts';
import { STAGE_WAIT_STATES, type StageWaitState } from '../store/schema/message-state.ts';
import type { Message } from '../store/store.ts';
import type { Plan, PlannedAction } from '../policy/evaluate.ts';
import { newToken } from '../util/id.ts';

export type StageType = 'hold' | 'confirm' | 'approve';

export interface StageState {
  type: StageType;
  rule: string;
  /** hold */
  minutes?: number;
  release?: 'auto' | 'manual' | 'discard';
  /** confirm / approve */
  hours?: number;
  onTimeout?: 'deliver' | 'discard';
  /** confirm: `external` asks for ticks on the external recipients only (absent in older plans: all) */
  applyTo?: 'external' | 'all';
  /** approve: who may decide (resolved at accept time; never empty) */
  approvers?: string[];
  /** the form token the stage's page embeds and its POST must echo (a second secret next to the link token) */
  formToken?: string;
  startedAt?: number;
  dueAt?: number;
}

/** When a stage ends for the person waiting: a hold's end from its start and minutes, else its due time. */
export function stageDeadline(stage: StageState): number | undefined {
  return stage.type === 'hold' && stage.startedAt ? stage.startedAt + (stage.minutes ?? 5) * 60_000 : stage.dueAt;
}

export interface OutboundState {
  plan: Plan;
  policyVersion: number;
  /** who sent it: the authenticated user, else the envelope sender */
  sender: string;
  /** notice language for the sender */
  language: 'ja' | 'en' | 'both';
  stages: StageState[];
  /** index of the stage the message waits in; -1 before the first / after the last */
  stage: number;
  /** external recipient domains never mailed before this message was accepted (初めての宛先) */
  firstContactDomains?: string[];
}

/** The state a message waits in for a stage type. */
export const STAGE_STATE: Record<StageType, StageWaitState> = {
  hold: 'held',
  confirm: 'awaiting_confirmation',
  approve: 'awaiting_approval',
};
export const WAITING_STATES = STAGE_WAIT_STATES;
/** A manual hold waits this long after its hold time for the sender, then is discarded. */
export const MANUAL_GRACE_MS = 72 * 3600_000;

/** The outbound section of the message's plan (null when the message has none), with the whole plan. */
export function outboundStateOf(message: Pick<Message, 'plan'>): { whole: MessagePlan; state: OutboundState | null } {
  const whole = message.plan;
  return { whole, state: whole.outbound ?? null };
}

export function withOutbound(whole: MessagePlan, state: OutboundState): MessagePlan {
  return { ...whole, outbound: state };
}

export function stagesOf(actions: PlannedAction[], fallbackApprovers: string[]): StageState[] {
  const stages: StageState[] = [];
  for (const a of actions) {
    if (a.type === 'hold') stages.push({ type: 'hold', rule: a.rule, minutes: a.minutes, release: a.release });
    else if (a.type === 'confirm')
      stages.push({ type: 'confirm', rule: a.rule, hours: a.hours, onTimeout: a.onTimeout, applyTo: a.applyTo });
    else if (a.type === 'approve')
      stages.push({
        type: 'approve',
        rule: a.rule,
        hours: a.hours,
        onTimeout: a.onTimeout,
        approvers: a.approvers.length > 0 ? a.approvers : fallbackApprovers,
      });
  }
  return stages;
}

/** When a stage entered at `now` is due: hold end (manual: plus the grace), or the time-out. */
export function stageDueAt(stage: StageState, now: number): number {
  if (stage.type === 'hold') return now + (stage.minutes ?? 5) * 60_000 + (stage.release === 'manual' ? MANUAL_GRACE_MS : 0);
  return now + (stage.hours ?? 24) * 3600_000;
}

/** Returns a copy of the state with stage i started at `now`. */
export function enter(state: OutboundState, i: number, now: number): OutboundState {
  const stages = state.stages.map((s, j) => (j === i ? { ...s, formToken: newToken(), startedAt: now, dueAt: stageDueAt(s, now) } : s));
  return { ...state, stages, stage: i };
}

/**
 * The audit event of stage i's start (held / awaiting_confirmation / awaiting_approval; call it
 * after enter()). The first stage and every later one write the same event, so the trail and the
 * `held` webhook (src/webhooks/events.ts) tell each stage alike.
 */
export function stageStartEvent(state: OutboundState, i: number): { actor: string; type: StageWaitState; data: Record<string, unknown> } {
  const s = state.stages[i]!;
  return {
    actor: 'policy',
    type: STAGE_STATE[s.type],
    data: { stage: i, type: s.type, rule: s.rule, dueAt: s.dueAt, ...(s.approvers ? { approvers: s.approvers } : {}) },
  };
}
