// Reads a message's processing plan (messages.plan) into the typed MessagePlan of src/plan/plan.ts:
// the one decoder every area uses. Tolerant of every row ever written: no plan, invalid JSON or a
// section of the wrong shape decodes as that section being absent (the area then treats the
// message as having none of its state). Keys of areas this version does not know are carried over
// so a read-modify-write by an older node during a rolling upgrade keeps them.
import type { MessagePlan } from '../plan/plan.ts';
import type { MessageRow } from './schema/dialect.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodePlan(m: Pick<MessageRow, 'plan'>): MessagePlan {
  let raw: unknown;
  try {
    raw = m.plan ? JSON.parse(m.plan) : {};
  } catch {
    return {};
  }
  if (!isObject(raw)) return {};
  const { outbound, inbound, delivery, system, ...others } = raw;
  const plan: MessagePlan & Record<string, unknown> = { ...others };
  if (isObject(outbound) && Array.isArray(outbound.stages) && isObject(outbound.plan))
    plan.outbound = outbound as unknown as MessagePlan['outbound'];
  if (isObject(inbound)) plan.inbound = inbound as unknown as MessagePlan['inbound'];
  if (isObject(delivery)) plan.delivery = { delayWarned: delivery.delayWarned === true };
  if (isObject(system) && typeof system.kind === 'string') {
    plan.system = { kind: system.kind, relatedMessageId: typeof system.relatedMessageId === 'string' ? system.relatedMessageId : null };
  }
  return plan;
}
