// `sekisho policy test`: replays the stored facts of a tenant's outbound messages against a draft
// policy with the same pure evaluator acceptance uses, and reports what each message would have
// met (stages, rewrites, block) plus a summary. Read-only. The sending history used for
// firstContactDomain / look-alike is today's, so early messages may read as "known" domains;
// blocked messages were never stored and so are not replayed. A draft that reads inside
// attachments gets them re-read from the stored body (within the default inspection budget).
import type { Policy } from '../policy/schema.ts';
import { attachmentTextNeeds, evaluateOutbound, type Plan, type PlannedAction } from '../policy/evaluate.ts';
import { fullFacts } from '../mime/stored-facts.ts';
import { parseMessage } from '../mime/parse-facts.ts';
import { DEFAULT_INSPECTION_BUDGET } from '../analysis/attachment-text.ts';
import { inspectAttachments } from './inspect-attachments.ts';
import type { Store } from '../store/store.ts';
import type { MessageFacts } from '../model/facts.ts';
import { contactedDomains, externalDomains } from './decide.ts';
import { sendSettingsOf, type UserSendSettings } from '../users/send-settings.ts';

export interface ReplayedMessage {
  id: string;
  createdAt: number;
  from: string;
  recipients: string[];
  subject: string;
  /** state the message reached with the policy then in force */
  actualState: string;
  plan: Plan;
  outcome: string;
}

export interface ReplaySummary {
  messages: number;
  byOutcome: Record<string, number>;
  byRule: Record<string, number>;
  byAction: Record<string, number>;
  testMode: Record<string, number>;
}

export function describeAction(a: PlannedAction): string {
  switch (a.type) {
    case 'hold':
      return `hold ${a.minutes} min (${a.release})`;
    case 'confirm':
      return `confirm${a.applyTo === 'external' ? ' external recipients' : ''} (${a.hours} h, then ${a.onTimeout})`;
    case 'approve':
      return `approve by ${a.approvers.length ? a.approvers.join(', ') : 'the tenant approvers'} (${a.hours} h, then ${a.onTimeout})`;
    case 'bcc':
      return `bcc (${a.moved.length} addresses)`;
    case 'block':
      return `block: ${a.reason}`;
    case 'addBcc':
      return `addBcc ${a.to.join(', ')}`;
    case 'subjectTag':
      return `subjectTag ${a.tag}`;
    case 'notify':
      return `notify ${a.recipients.join(', ')}`;
    default:
      return a.type;
  }
}

function outcomeOf(plan: Plan): string {
  if (plan.blocked) return 'blocked';
  const first = plan.actions.find((a) => a.type === 'hold' || a.type === 'confirm' || a.type === 'approve');
  return first ? { hold: 'held', confirm: 'awaiting_confirmation', approve: 'awaiting_approval' }[first.type as 'hold'] : 'queued';
}

/** The attachments' text of a stored message, from its body; undefined when the body is gone. */
async function storedInspection(store: Store, id: string, facts: MessageFacts, patterns: string[]) {
  const raw = await store.body(id);
  if (!raw) return undefined;
  const parsed = await parseMessage(raw, { mailFrom: facts.mailFrom, recipients: facts.recipients }, 'outbound');
  return inspectAttachments(parsed.facts, async () => parsed.attachments, DEFAULT_INSPECTION_BUDGET, patterns);
}

export async function replayPolicy(
  store: Store,
  tenantId: string,
  policy: Policy,
  since: number,
  limit = 10_000,
): Promise<{ messages: ReplayedMessage[]; summary: ReplaySummary }> {
  const tenantDomains = (await store.tenantDomains(tenantId)).map((d) => d.domain);
  const rows = await store.submittedOutbound(tenantId, since, limit);
  const summary: ReplaySummary = { messages: 0, byOutcome: {}, byRule: {}, byAction: {}, testMode: {} };
  const out: ReplayedMessage[] = [];
  const users = new Map<string, { email: string; managerEmail: string | null; settings: UserSendSettings } | null>();
  const needs = attachmentTextNeeds(policy);
  for (const m of rows) {
    const facts = await fullFacts(store, m);
    const sender = (m.submitted_by?.includes('@') ? m.submitted_by : m.mail_from).toLowerCase();
    if (!users.has(sender)) {
      const u = await store.userByEmail(sender);
      users.set(
        sender,
        u && u.tenant_id === tenantId ? { email: u.email, managerEmail: u.approver_email, settings: sendSettingsOf(u) } : null,
      );
    }
    const contacted = await contactedDomains(store, tenantId, externalDomains(facts.recipients, tenantDomains));
    const inspection = needs ? await storedInspection(store, m.id, facts, needs.patterns) : undefined;
    const plan = evaluateOutbound(policy, facts, {
      tenantDomains,
      contactedDomains: contacted,
      senderUser: users.get(sender) ?? null,
      ...(inspection ? { inspection } : {}),
    });
    const outcome = outcomeOf(plan);
    out.push({
      id: m.id,
      createdAt: m.created_at,
      from: m.header_from || m.mail_from,
      recipients: facts.recipients,
      subject: m.subject,
      actualState: m.state,
      plan,
      outcome,
    });
    summary.messages++;
    summary.byOutcome[outcome] = (summary.byOutcome[outcome] ?? 0) + 1;
    for (const r of plan.matchedRules) summary.byRule[r] = (summary.byRule[r] ?? 0) + 1;
    for (const a of plan.actions) summary.byAction[a.type] = (summary.byAction[a.type] ?? 0) + 1;
    for (const t of plan.testMatches) summary.testMode[t.rule] = (summary.testMode[t.rule] ?? 0) + 1;
  }
  return { messages: out, summary };
}
