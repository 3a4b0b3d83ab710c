// Builds and moves the outbound area's part of message.plan (plan.outbound, shaped in
// src/plan/outbound.ts): the stages (hold / confirm / approve) built from the evaluated policy Plan
// in plan order, and which stage the message is in. Every write keeps the other areas' keys.
import type { MessagePlan } from '../plan/plan.ts';
import type { OutboundState, StageState, StageType } from '../plan/outbound.ts';
import { STAGE_WAIT_STATES, type StageWaitState } from '../store/schema/message-state.ts';
import type { Message } from '../store/store.ts';
import type { PlannedAction } from '../policy/evaluate.ts';
import { newToken } from '../util/id.ts';

/** When a stage ends for the person waiting: a hold's end from its start and minutes, else its due time. */
export function stageDeadline(stage: StageState): number | undefined {
  return stage.type === 'hold' && stage.startedAt ? stage.startedAt + (stage.minutes ?? 5) * 60_000 : stage.dueAt;
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
