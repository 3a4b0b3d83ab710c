// The outbound area's section of the message plan (plan.outbound): the evaluated policy Plan, the
// stages (hold / confirm / approve) built from it in plan order, and which stage the message is in.
// Written only by src/outbound (outbound-state.ts builds and moves it); other areas read plan.outbound.plan.
import type { Plan } from '../policy/evaluate.ts';

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
