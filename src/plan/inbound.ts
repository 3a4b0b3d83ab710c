// The inbound area's section of the message plan (plan.inbound): the verdict, the quarantine and the
// external sandbox's tickets and verdicts. Written only by src/inbound (decide.ts at acceptance,
// sandbox-hold.ts and the quarantine actions later).
import type { InboundPlan } from '../policy/evaluate.ts';
import type { AuthResults, InboundSymbol } from '../model/verdict.ts';
import type { SandboxVerdict } from '../inbound/sandbox/sandbox-api.ts';

/** What plan.inbound holds for every inbound message. */
export interface InboundPlanState {
  disposition: InboundPlan['disposition'];
  reason: string;
  score: number;
  symbols: InboundSymbol[];
  scorers: Record<string, number | 'unavailable'>;
  auth: AuthResults;
  authDetails: string[];
  policy: InboundPlan;
  quarantinedAt?: number;
  purgeAt?: number;
  /** tickets and verdicts of an external sandbox (state held_for_sandbox while pending) */
  sandbox?: SandboxState;
  /** set when released from quarantine: delivered verbatim (no tag, no strip) */
  released?: { by: string; at: number };
  /** quarantined for a reason only an admin may release (MIME_UNPARSEABLE) */
  adminOnly?: boolean;
  /**
   * recipients who released their own copy (self-release): each went out as a message of its own
   * (`messageId`); the quarantine holds this one for the other recipients only
   */
  releasedFor?: Array<{ recipient: string; by: string; at: number; messageId: string }>;
}

export interface SandboxState {
  pending: Array<{ filename: string; ticket: string }>;
  verdicts: SandboxVerdict[];
  heldAt: number;
  giveUpAt: number;
}
