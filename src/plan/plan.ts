// The processing plan kept with a message (messages.plan) and its sections, plain data that the store
// keeps and every area reads. src/plan sits below the store and the areas: it names only the policy's
// plan, the verdict vocabulary (src/model) and the sandbox's verdicts, never an area's code.
import type { OutboundState } from './outbound.ts';
import type { InboundPlanState } from './inbound.ts';

/**
 * The processing plan kept with a message (messages.plan): one section per area, each written
 * only by its area and read back typed through decodePlan (src/store/message-plan.ts). A section
 * is replaced as a whole; the others are carried over unchanged.
 */
export interface MessagePlan {
  /** outbound policy: the plan, its stages and which one the message waits in */
  outbound?: OutboundState;
  /** inbound shield: the verdict, quarantine and sandbox state */
  inbound?: InboundPlanState;
  /** delivery: whether the delay notice has gone out */
  delivery?: DeliveryPlanState;
  /** mail Sekisho wrote itself (notices, digests): what it is about */
  system?: SystemMailPlan;
}

export interface DeliveryPlanState {
  delayWarned?: boolean;
}

export interface SystemMailPlan {
  kind: string;
  relatedMessageId: string | null;
}
