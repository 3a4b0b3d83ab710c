// The JSON shape of a message in API answers: envelope, state, the rules that matched and the
// actions planned (so a sender sees what was done: BCC, ZIP, download links), and the stage it
// waits in. Never the raw plan (it holds form tokens of the confirmation pages).
import type { MessageRow } from '../../store/store.ts';
import { outboundStateOf } from '../../outbound/outbound-state.ts';
import { describeAction } from '../../outbound/policy-replay.ts';

export function messageView(m: MessageRow) {
  const { state } = outboundStateOf(m);
  const stage = state && state.stage >= 0 ? state.stages[state.stage] : undefined;
  return {
    id: m.id,
    direction: m.direction,
    state: m.state,
    createdAt: Number(m.created_at),
    updatedAt: Number(m.updated_at),
    dueAt: m.due_at === null ? null : Number(m.due_at),
    mailFrom: m.mail_from,
    headerFrom: m.header_from,
    subject: m.subject,
    recipients: JSON.parse(m.recipients) as string[],
    size: Number(m.size),
    submittedBy: m.submitted_by,
    lastError: m.last_error,
    rules: state?.plan.matchedRules ?? [],
    actions: (state?.plan.actions ?? []).map((a) => ({ type: a.type, detail: describeAction(a) })),
    stage: stage
      ? { type: stage.type, rule: stage.rule, dueAt: stage.dueAt ?? null, approvers: stage.approvers ?? [], release: stage.release ?? null }
      : null,
  };
}

export const messageSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { id: { type: 'string' }, state: { type: 'string' }, subject: { type: 'string' } },
};
