// Accept-time decision for outbound mail: evaluate the tenant's policy (src/policy) against the
// message facts with the tenant's context (own domains, sending history, the sender's manager),
// then: refuse a blocked message with 550 5.7.1 and the rule's reason (plus a notice); log
// test-mode rules as 'policy.would'; store the message in its first stage (held /
// awaiting_confirmation / awaiting_approval) or queued. After the commit: stage links and
// notices, BCC/notify notices, and the tenant's contact history (for firstContactDomain and
// look-alike checks).
import type { AuditEventType } from '../audit/event-groups.ts';
import { asciiDomainOf } from '../util/address.ts';
import type { AcceptContext, AcceptDecision } from '../pipeline/pipeline.ts';
import { SmtpError } from '../smtp/smtp-error.ts';
import { attachmentTextNeeds, evaluateOutbound, type Plan, type PlannedAction } from '../policy/evaluate.ts';
import { isExternal, LOOKALIKE_MIN_MESSAGES } from '../policy/conditions.ts';
import { DEFAULT_INSPECTION_BUDGET } from '../analysis/attachment-text.ts';
import type { ContentInspection } from '../policy/content-inspection.ts';
import { inspectAttachments } from './inspect-attachments.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema/schema.ts';
import type { Store } from '../store/store.ts';
import { Prepared, preparedPerShape } from '../store/prepared.ts';
import { currentPolicy } from './policy-service.ts';
import { sendSettingsOf } from '../users/send-settings.ts';
import { enter, STAGE_STATE, stageStartEvent, stagesOf, withOutbound } from './outbound-state.ts';
import type { OutboundState } from '../plan/outbound.ts';
import { announceStage, languageFor, type OutboundEnv } from './stage-engine.ts';
import { sendNotice, type Lang } from './notices.ts';
import { tenantScope } from '../store/tenant-scope.ts';

/** The recipients' domains outside the tenant, distinct. */
export function externalDomains(recipients: string[], tenantDomains: readonly string[]): string[] {
  return [...new Set(recipients.filter((r) => isExternal(r, tenantDomains)).map(asciiDomainOf))];
}

/**
 * The tenant's sending history the evaluator needs: the recipients' own domains (first
 * contact, read fresh every time) and every domain mailed often enough to count as a partner
 * (look-alike check). That second list can run to thousands of rows and changes slowly: it is
 * read at most once a minute per tenant (PARTNERS_TTL_MS), not for every message.
 */
export async function contactedDomains(store: Store, tenantId: string, domains: string[]): Promise<ReadonlyMap<string, number>> {
  const partners = await usualPartners(store, tenantId);
  // The evaluator asks only "ever mailed?" and "mailed often?". A domain among the usual partners
  // answers both "yes" whatever its newer count, so only the other domains are looked up (none,
  // for mail to regular partners), and the shared list is copied only when one of them is known.
  const others = domains.filter((d) => !partners.has(d));
  if (others.length === 0) return partners;
  const known: Array<{ domain: string; count: number }> = [];
  for (let i = 0; i < others.length; i += CONTACTS_PER_LOOKUP) {
    const some = others.slice(i, i + CONTACTS_PER_LOOKUP);
    known.push(...(await contactCounts(some.length).execute(store.db, store.kind, tenantId, ...some)).rows);
  }
  if (known.length === 0) return partners;
  const out = new Map(partners);
  for (const r of known) out.set(r.domain, Number(r.count));
  return out;
}

/** Domains per contact look-up: its statement is built once per list length up to this (store/prepared.ts). */
const CONTACTS_PER_LOOKUP = 16;
const contactCounts = preparedPerShape(
  (n: number) =>
    new Prepared(1 + n, (db, tenantId, ...domains) =>
      db
        .selectFrom('contacts')
        .select(['domain', 'count'])
        .where('tenant_id', '=', tenantId as string)
        .where('domain', 'in', domains as string[]),
    ),
);

const PARTNERS_TTL_MS = 60_000;
const partnersCache = new WeakMap<Store, Map<string, { at: number; partners: Promise<ReadonlyMap<string, number>> }>>();

function usualPartners(store: Store, tenantId: string): Promise<ReadonlyMap<string, number>> {
  let byTenant = partnersCache.get(store);
  if (!byTenant) {
    byTenant = new Map();
    partnersCache.set(store, byTenant);
  }
  const hit = byTenant.get(tenantId);
  if (hit && Date.now() - hit.at < PARTNERS_TTL_MS) return hit.partners;
  const partners = store.db
    .selectFrom('contacts')
    .select(['domain', 'count'])
    .where('tenant_id', '=', tenantId)
    .where('count', '>=', LOOKALIKE_MIN_MESSAGES)
    .orderBy('count', 'desc')
    .limit(20_000)
    .execute()
    .then((rows) => new Map(rows.map((r) => [r.domain, Number(r.count)])));
  byTenant.set(tenantId, { at: Date.now(), partners });
  partners.catch(() => byTenant.delete(tenantId));
  return partners;
}

const upsertContact = new Prepared(3, (db, tenantId: string, domain: string, now: number) =>
  db
    .insertInto('contacts')
    .values({ tenant_id: tenantId, domain, count: 1, first_at: now, last_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'domain']).doUpdateSet((eb) => ({ count: eb('contacts.count', '+', 1), last_at: now }))),
);

/**
 * Counts one more message to each domain (called once the message is accepted). `kind`: the store's
 * dialect (the statement is compiled once per dialect, store/prepared.ts).
 */
export async function recordContacts(db: Kysely<DB>, kind: string, tenantId: string, domains: string[], now = Date.now()): Promise<void> {
  for (const domain of domains) await upsertContact.execute(db, kind, tenantId, domain, now);
}

/** Who decides when `approve: {by: manager}` finds no manager: the tenant's approvers, else its admins. */
async function fallbackApprovers(store: Store, tenantId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('users')
    .select(['email', 'role'])
    .where('tenant_id', '=', tenantId)
    .where('role', 'in', ['approver', 'admin'])
    .execute();
  const approvers = rows.filter((r) => r.role === 'approver').map((r) => r.email);
  return approvers.length > 0 ? approvers : rows.map((r) => r.email);
}

const WOULD_JA: Record<string, string> = {
  hold: '保留',
  confirm: '送信確認',
  approve: '承認',
  bcc: 'BCC化',
  block: '送信ブロック',
  zipEncrypt: 'ZIP暗号化',
  webDownload: 'Webダウンロード化',
  addBcc: 'BCC追加',
  subjectTag: '件名タグ',
  notify: '通知',
};

/** "would hold, would bcc / 保留対象（テスト）、BCC化対象（テスト）" for the audit reader. */
function wouldLabel(actions: PlannedAction[]): string {
  const en = actions.map((a) => `would ${a.type}`).join(', ');
  const ja = actions.map((a) => `${WOULD_JA[a.type] ?? a.type}対象（テスト）`).join('、');
  return `${en} / ${ja}`;
}

function describe(a: PlannedAction): Record<string, unknown> {
  // Everything but the routing detail the audit reader does not need twice.
  const { source: _s, ...rest } = a;
  return rest;
}

/** What the audit trail keeps of an inspection: which files were read and what stopped it, never their text. */
function inspectionSummary(i: ContentInspection) {
  return { filesRead: i.texts.map((t) => t.file), encryptedArchives: i.encryptedArchives, incomplete: i.incomplete };
}

export function createDecider(env: OutboundEnv) {
  return async (ctx: AcceptContext): Promise<AcceptDecision | null> => {
    const { store } = env;
    // Bounces and other null-sender mail pass untouched: policy is about what people send.
    if (!ctx.envelope.mailFrom) return null;
    const inForce = await currentPolicy(store, ctx.tenantId);
    const tenantDomains = (await store.tenantDomains(ctx.tenantId)).map((d) => d.domain);
    const extDomains = externalDomains(ctx.envelope.recipients, tenantDomains);
    const senderEmail = (ctx.user?.email ?? ctx.envelope.mailFrom).toLowerCase();
    const user = await store.senderUser(senderEmail);
    const senderUser =
      user && user.tenant_id === ctx.tenantId
        ? { email: user.email, managerEmail: user.approver_email, settings: sendSettingsOf(user) }
        : ctx.user
          ? { email: ctx.user.email, managerEmail: null }
          : null;
    const contacted = await contactedDomains(store, ctx.tenantId, extDomains);
    const needs = attachmentTextNeeds(inForce.policy);
    const inspection = needs
      ? await inspectAttachments(ctx.facts, ctx.attachments, env.inspectionBudget ?? DEFAULT_INSPECTION_BUDGET, needs.patterns)
      : undefined;
    const plan = evaluateOutbound(inForce.policy, ctx.facts, {
      tenantDomains,
      contactedDomains: contacted,
      senderUser,
      ...(inspection ? { inspection } : {}),
    });
    const userLang = inForce.policy.outbound.users[senderEmail]?.language;
    const language: Lang = userLang ?? (user ? user.language : plan.language);
    const summary = {
      policyVersion: inForce.version,
      matchedRules: plan.matchedRules,
      matches: plan.matches,
      actions: plan.actions.map(describe),
      skipped: plan.skipped,
      ...(inspection ? { inspection: inspectionSummary(inspection) } : {}),
    };
    const would = plan.testMatches.map((t) => ({
      actor: 'policy',
      type: 'policy.would' as const,
      data: {
        rule: t.rule,
        evidence: t.evidence,
        actions: t.actions.map((a) => a.type),
        label: wouldLabel(t.actions),
        detail: t.actions.map(describe),
      },
    }));

    if (plan.blocked) return blocked(env, ctx, plan, senderEmail, language, summary, would);

    const needFallback = plan.actions.some((a) => a.type === 'approve' && a.approvers.length === 0);
    const stages = stagesOf(plan.actions, needFallback ? await fallbackApprovers(store, ctx.tenantId) : []);
    const now = Date.now();
    // The confirmation sheet marks these 初めての宛先; recorded now, before this mail counts as a contact.
    const firstContactDomains = extDomains.filter((d) => isExternal(d, plan.internalDomains) && (contacted.get(d) ?? 0) === 0);
    let state: OutboundState = {
      plan,
      policyVersion: inForce.version,
      sender: senderEmail,
      language,
      stages,
      stage: -1,
      firstContactDomains,
    };
    if (stages.length > 0) state = enter(state, 0, now);
    const first = state.stages[0];
    const decision: AcceptDecision = {
      outcome: 'store',
      state: first ? STAGE_STATE[first.type] : 'queued',
      dueAt: first ? first.dueAt! : now,
      plan: withOutbound({}, state),
      events: [
        ...(plan.matchedRules.length > 0 || plan.skipped.length > 0
          ? [{ actor: 'policy', type: 'policy.matched' as const, data: summary }]
          : []),
        ...would,
        ...stages
          .filter((s) => s.type === 'approve' && (s.approvers ?? []).length === 0)
          .map((s) => ({
            actor: 'policy',
            type: 'approve.no-approvers' as const,
            data: {
              rule: s.rule,
              note: 'no manager, approver or admin on record: only an admin or the CLI can decide; the time-out applies',
            },
          })),
        ...(first ? [stageStartEvent(state, 0)] : []),
      ],
      alsoWrite: (trx) => recordContacts(trx, store.kind, ctx.tenantId, extDomains),
      // Most mail needs no notice: skip the extra read then.
      ...(first || plan.actions.some((a) => (a.type === 'bcc' && a.notify) || a.type === 'notify')
        ? {
            afterCommit: async (id: string) => {
              const m = await store.message(id, tenantScope(ctx.tenantId));
              if (!m) return;
              if (first) await announceStage(env, m, state);
              await actionNotices(env, ctx, plan, senderEmail, language, id);
            },
          }
        : {}),
    };
    return decision;
  };
}

/** The bcc notice (when asked) and every `notify` action's notice. */
async function actionNotices(
  env: OutboundEnv,
  ctx: AcceptContext,
  plan: Plan,
  sender: string,
  language: Lang,
  relatedId: string | null,
): Promise<void> {
  const facts = {
    subject: ctx.facts.subject || '(no subject)',
    from: ctx.facts.from?.address || ctx.envelope.mailFrom,
    recipients: ctx.envelope.recipients,
  };
  for (const a of plan.actions) {
    if (a.type === 'bcc' && a.notify)
      await sendNotice(env, {
        tenantId: ctx.tenantId,
        to: [sender],
        kind: 'bcc',
        lang: language,
        facts: { ...facts, moved: a.moved },
        relatedMessageId: relatedId,
      });
    if (a.type === 'notify') {
      for (const to of a.recipients) {
        const lang = await languageFor(env.store, to, plan.language);
        await sendNotice(env, {
          tenantId: ctx.tenantId,
          to: [to],
          kind: 'notify',
          lang,
          facts: { ...facts, rule: a.rule },
          relatedMessageId: relatedId,
        });
      }
    }
  }
}

async function blocked(
  env: OutboundEnv,
  ctx: AcceptContext,
  plan: Plan,
  sender: string,
  language: Lang,
  summary: Record<string, unknown>,
  would: Array<{ actor: string; type: AuditEventType; data: Record<string, unknown> }>,
): Promise<AcceptDecision> {
  const b = plan.blocked!;
  // Nothing is stored, so the trail goes on the tenant (message_id null, queue id in the data).
  const common = { tenantId: ctx.tenantId, messageId: null };
  const afterRefusal = async () => {
    await env.store.appendEvent({
      ...common,
      actor: ctx.user?.email ?? ctx.envelope.mailFrom,
      type: 'policy.blocked',
      data: {
        queueId: ctx.id,
        rule: b.rule,
        reason: b.reason,
        from: ctx.envelope.mailFrom,
        recipients: ctx.envelope.recipients,
        subject: ctx.facts.subject,
        messageId: ctx.facts.messageId,
        ...summary,
      },
    });
    for (const w of would) await env.store.appendEvent({ ...common, actor: w.actor, type: w.type, data: { queueId: ctx.id, ...w.data } });
    try {
      if (b.notify) {
        await sendNotice(env, {
          tenantId: ctx.tenantId,
          to: [sender],
          kind: 'blocked',
          lang: language,
          facts: {
            subject: ctx.facts.subject || '(no subject)',
            from: sender,
            recipients: ctx.envelope.recipients,
            reason: b.reason,
            rule: b.rule,
          },
        });
      }
      await actionNotices(env, ctx, plan, sender, language, null);
    } catch (err) {
      env.logger?.error({ err, id: ctx.id }, 'block notice failed');
    }
  };
  return { outcome: 'refuse', state: 'blocked', reply: new SmtpError(550, '5.7.1', smtpText(b.reason)), afterRefusal };
}

/** The reason as one SMTP reply line: no CR/LF, bounded length. */
function smtpText(reason: string): string {
  const oneLine = reason.replace(/[\r\n]+/g, ' ').trim();
  return oneLine.length > 400 ? oneLine.slice(0, 400) + '…' : oneLine;
}
