// The inbound accept decision: authenticate (SPF/DKIM/DMARC/ARC), score (built-in + Rspamd),
// scan (ClamAV), analyse attachments and impersonation, then let the tenant's policy decide:
// deliver (queued), quarantine (kept until the retention purge) or reject (550 5.7.1).
// The whole verdict — score, every symbol with its score, authentication results, the policy's
// reason — goes into plan.inbound and an audit event, so an admin can see why.
import type { Logger } from 'pino';
import type { AcceptContext, AcceptDecision } from '../pipeline.ts';
import type { Store } from '../store/store.ts';
import { SmtpError } from '../smtp/smtp-error.ts';
import { evaluateInbound, type InboundPlan } from '../policy/evaluate.ts';
import { addAuthResults, heloFromTrace, verifyAuthentication, type DnsResolve } from './auth.ts';
import { runScanners, type ScannerSet } from './scorers.ts';
import { getSettings, inboundPolicy, tenantContext } from './tenant-settings.ts';
import type { AuthResults, InboundSymbol } from './verdict.ts';

export interface InboundDecideDeps {
  store: Store;
  logger: Logger;
  hostname: string;
  resolver: DnsResolve;
  scanners: ScannerSet;
}

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
  /** set when released from quarantine: delivered verbatim (no tag, no strip) */
  released?: { by: string; at: number };
}

const DAY_MS = 86_400_000;

export async function decideInbound(deps: InboundDecideDeps, ctx: AcceptContext): Promise<AcceptDecision> {
  const { store } = deps;
  const settings = await getSettings(store, ctx.tenantId);
  const policy = await inboundPolicy(store, ctx.tenantId);
  const tenant = await tenantContext(store, ctx.tenantId, settings);
  const helo = heloFromTrace(ctx.raw);
  const auth = await verifyAuthentication({
    raw: ctx.raw,
    ip: ctx.remoteAddress,
    helo,
    mailFrom: ctx.envelope.mailFrom,
    authservId: deps.hostname,
    resolver: deps.resolver,
  });
  const attachments = await ctx.attachments();
  const spam = policy.inbound.spam;
  const verdict = await runScanners(
    {
      facts: ctx.facts,
      attachments,
      raw: ctx.raw,
      tenant,
      auth: auth.results,
      client: { ip: ctx.remoteAddress, helo, mailFrom: ctx.envelope.mailFrom, recipients: ctx.envelope.recipients, hostname: deps.hostname },
    },
    deps.scanners,
    { thresholds: { tagAt: spam.tagAt, quarantineAt: spam.quarantineAt, rejectAt: spam.rejectAt ?? 15 } },
    deps.logger,
  );
  const plan = evaluateInbound(policy, ctx.facts, {
    tenantDomains: tenant.domains,
    spamScore: verdict.score,
    auth: auth.results,
    symbols: verdict.symbols.map((s) => s.name),
  });
  // A virus found by ClamAV is never delivered, whatever the score thresholds say.
  if (verdict.viruses.length > 0 && plan.disposition === 'deliver' && plan.decidedBy.source !== 'rule') {
    plan.disposition = 'quarantine';
    plan.decidedBy = { source: 'spam', reason: `virus found: ${verdict.viruses.join(', ')}` };
  }
  const now = Date.now();
  const state: InboundPlanState = {
    disposition: plan.disposition,
    reason: plan.decidedBy.reason,
    score: verdict.score,
    symbols: verdict.symbols,
    scorers: verdict.scorers,
    auth: auth.results,
    authDetails: auth.details,
    policy: plan,
  };
  const summary = {
    disposition: plan.disposition,
    reason: plan.decidedBy.reason,
    score: verdict.score,
    symbols: verdict.symbols.filter((s) => s.score !== 0).map((s) => ({ name: s.name, score: s.score, ...(s.detail ? { detail: s.detail } : {}) })),
    auth: auth.results,
    scorers: verdict.scorers,
    ...(plan.subjectTags.length ? { subjectTags: plan.subjectTags.map((t) => t.tag) } : {}),
    ...(plan.strip.length ? { strip: plan.strip.map((s) => s.filename) } : {}),
  };
  deps.logger.info({ id: ctx.id, tenant: ctx.tenantId, ...summary, symbols: summary.symbols.map((s) => `${s.name}(${s.score})`) }, 'inbound verdict');
  if (plan.disposition === 'reject') {
    return {
      state: 'rejected',
      dueAt: null,
      plan: null,
      events: [],
      reject: new SmtpError(550, '5.7.1', `Message rejected: ${oneLine(plan.decidedBy.reason)}`),
    };
  }
  const { body, removedForged } = addAuthResults(ctx.raw, auth.header, deps.hostname);
  const events: AcceptDecision['events'] = [{ actor: 'system', type: 'inbound.verdict', data: { ...summary, ...(removedForged ? { forgedAuthResultsRemoved: removedForged } : {}) } }];
  if (plan.disposition === 'quarantine') {
    const purgeAt = now + settings.retentionDays * DAY_MS;
    state.quarantinedAt = now;
    state.purgeAt = purgeAt;
    events.push({ actor: 'system', type: 'quarantined', data: { reason: plan.decidedBy.reason, purgeAt } });
    return { state: 'quarantined', dueAt: purgeAt, plan: { inbound: state }, events, body };
  }
  return { state: 'queued', dueAt: now, plan: { inbound: state }, events, body };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
