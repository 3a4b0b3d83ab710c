// The inbound accept decision: authenticate (SPF/DKIM/DMARC/ARC), score (built-in + Rspamd),
// scan (ClamAV), analyse attachments and impersonation, then let the tenant's policy decide:
// deliver (queued), quarantine (kept until the retention purge) or reject (550 5.7.1).
// The whole verdict — score, every symbol with its score, authentication results, the policy's
// reason — goes into plan.inbound and an audit event, so an admin can see why. Mail whose MIME
// could not be parsed (MIME_UNPARSEABLE, released by admins only) or whose content the analysis
// could not finish (ATTACH_INSPECTION_INCOMPLETE) is quarantined whatever the score or a rule
// says, unless a rule rejects it: missing facts never read as a clean message.
import type { Logger } from 'pino';
import type { AcceptContext, AcceptDecision, StoreDecision } from '../pipeline/pipeline.ts';
import type { Store } from '../store/store.ts';
import type { InboundPlanState, SandboxState } from '../plan/inbound.ts';
import { SmtpError } from '../smtp/smtp-error.ts';
import { evaluateInbound } from '../policy/evaluate.ts';
import { addAuthResults, verifyAuthentication, type AuthVerification, type DnsResolve } from './auth.ts';
import { runScanners, type ScannerSet } from './scorers.ts';
import type { SpfCheck } from './spf-cache.ts';
import { inboundPolicy, settingsForDecision, tenantContext } from './tenant-settings.ts';
import { uninspectedReason, type InboundSymbol } from '../model/verdict.ts';
import { analyzeWithSandbox } from './sandbox.ts';
import { maliciousReason, sandboxSymbols } from './sandbox-hold.ts';
import type { SandboxOptions } from './sandbox/sandbox-api.ts';
import { submitReason } from './sandbox/select.ts';
import type { AnalysisBudget } from './file-analysis/analyze-attachment.ts';

export interface InboundDecideDeps {
  store: Store;
  logger: Logger;
  hostname: string;
  resolver: DnsResolve;
  /** SPF with results kept (spf-cache.ts); mailauth's evaluation each time without it */
  spf?: SpfCheck;
  scanners: ScannerSet;
  /** an external sandbox next to the built-in analysis (none by default) */
  sandbox?: SandboxOptions;
  /** what the attachment analysis of one message may cost (config analysisBudgetBytes/Ms) */
  attachmentBudget?: AnalysisBudget;
}

const DAY_MS = 86_400_000;
/** Characters of a symbol's detail kept in the verdict. */
const MAX_DETAIL_CHARS = 500;

export async function decideInbound(deps: InboundDecideDeps, ctx: AcceptContext): Promise<AcceptDecision> {
  const { store } = deps;
  const settings = await settingsForDecision(store, ctx.tenantId);
  const policy = await inboundPolicy(store, ctx.tenantId);
  const tenant = await tenantContext(store, ctx.tenantId, settings, policy.inbound.brands);
  const helo = ctx.helo;
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; SPF wants the IPv4 form.
  const ip = ctx.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const auth = await verifyAuthentication({
    raw: ctx.raw,
    ip,
    helo,
    mailFrom: ctx.envelope.mailFrom,
    authservId: deps.hostname,
    resolver: deps.resolver,
    ...(deps.spf ? { spf: deps.spf } : {}),
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
      client: { ip, helo, mailFrom: ctx.envelope.mailFrom, recipients: ctx.envelope.recipients, hostname: deps.hostname },
    },
    deps.scanners,
    {
      thresholds: { tagAt: spam.tagAt, quarantineAt: spam.quarantineAt, rejectAt: spam.rejectAt ?? 15 },
      ...(deps.attachmentBudget ? { attachmentBudget: deps.attachmentBudget } : {}),
    },
    deps.logger,
  );
  const unverified = unverifiedAuthSymbol(auth);
  if (unverified) {
    verdict.symbols.push(unverified);
    verdict.score = Math.round((verdict.score + unverified.score) * 100) / 100;
  }
  if (ctx.facts.unparseable) {
    verdict.symbols.unshift({
      name: 'MIME_UNPARSEABLE',
      score: 0,
      description: 'The MIME structure could not be parsed: attachments and body were not inspected',
      detail: ctx.facts.unparseable,
    });
  }
  let held: SandboxState | null = null;
  let maliciousFiles: string[] = [];
  const submitFor = deps.sandbox
    ? submitReason(deps.sandbox.submit ?? 'all-with-attachments', {
        score: verdict.score,
        tagAt: spam.tagAt,
        auth: auth.results,
        symbols: verdict.symbols,
        attachments: attachments.map((a) => ({ filename: a.fact.filename, content: a.content })),
      })
    : null;
  // A client's resend is answered with the first copy's queue id at the commit, whatever this
  // analysis finds: its attachments are not sent out again.
  const resendOf = deps.sandbox && submitFor ? await ctx.resendOf?.() : null;
  if (resendOf) deps.logger.info({ id: ctx.id, resendOf }, 'a resend: attachments not submitted to the external sandbox again');
  if (deps.sandbox && submitFor && !resendOf) {
    const o = deps.sandbox;
    deps.logger.info({ id: ctx.id, sandbox: o.sandbox.name, why: submitFor }, 'attachments submitted to the external sandbox');
    try {
      const outcome = await analyzeWithSandbox(
        o.sandbox,
        attachments.map((a) => ({ filename: a.fact.filename, content: a.content, contentType: a.fact.contentType })),
        { timeoutMs: o.waitMs ?? 5000, pollIntervalMs: 200 },
      );
      maliciousFiles = outcome.verdicts.filter((v) => v.malicious).map((v) => v.filename);
      const added = sandboxSymbols(outcome.verdicts);
      verdict.symbols = [...verdict.symbols, ...added].sort((a, b) => b.score - a.score);
      verdict.score = Math.round((verdict.score + added.reduce((sum, x) => sum + x.score, 0)) * 100) / 100;
      if (outcome.status === 'timeout') {
        held = { pending: outcome.pending, verdicts: [], heldAt: Date.now(), giveUpAt: Date.now() + (o.giveUpMs ?? 3_600_000) };
      }
    } catch (err) {
      deps.logger.warn({ err, id: ctx.id }, 'external sandbox unavailable; built-in analysis only');
      verdict.symbols.push({
        name: 'SANDBOX_UNAVAILABLE',
        score: 0,
        description: 'the external sandbox could not be reached; built-in analysis only',
      });
    }
  }
  // Details quote the message (a domain, a header value): hostile ones are huge, and they go into
  // the plan, the audit event and the log. The start is enough to see why.
  verdict.symbols = verdict.symbols.map((x) =>
    x.detail && x.detail.length > MAX_DETAIL_CHARS ? { ...x, detail: `${x.detail.slice(0, MAX_DETAIL_CHARS)}…` } : x,
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
  // Nor is a file the external sandbox judged malicious.
  if (maliciousFiles.length > 0 && plan.disposition === 'deliver' && plan.decidedBy.source !== 'rule') {
    plan.disposition = 'quarantine';
    plan.decidedBy = { source: 'spam', reason: maliciousReason(maliciousFiles) };
  }
  const uninspected = uninspectedReason(verdict.symbols);
  if (uninspected && plan.disposition !== 'reject') {
    plan.disposition = 'quarantine';
    plan.decidedBy = { source: 'default', reason: uninspected };
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
    ...(ctx.facts.unparseable ? { adminOnly: true } : {}),
  };
  const summary = {
    disposition: plan.disposition,
    reason: plan.decidedBy.reason,
    score: verdict.score,
    symbols: verdict.symbols
      .filter((s) => s.score !== 0)
      .map((s) => ({ name: s.name, score: s.score, ...(s.detail ? { detail: s.detail } : {}) })),
    auth: auth.results,
    scorers: verdict.scorers,
    ...(plan.subjectTags.length ? { subjectTags: plan.subjectTags.map((t) => t.tag) } : {}),
    ...(plan.strip.length ? { strip: plan.strip.map((s) => s.filename) } : {}),
  };
  deps.logger.info(
    { id: ctx.id, tenant: ctx.tenantId, ...summary, symbols: summary.symbols.map((s) => `${s.name}(${s.score})`) },
    'inbound verdict',
  );
  if (plan.disposition === 'reject') {
    return {
      outcome: 'refuse',
      state: 'rejected',
      reply: new SmtpError(550, '5.7.1', `Message rejected: ${oneLine(plan.decidedBy.reason)}`),
    };
  }
  const { body, removedForged } = await addAuthResults(ctx.raw, auth.header, deps.hostname);
  const events: StoreDecision['events'] = [
    {
      actor: 'system',
      type: 'inbound.verdict',
      data: { ...summary, ...(removedForged ? { forgedAuthResultsRemoved: removedForged } : {}) },
    },
  ];
  if (held && deps.sandbox) {
    // Accepted and kept; the policy decides once the sandbox has spoken (sandbox-hold.ts).
    state.sandbox = held;
    events.push({
      actor: 'system',
      type: 'held_for_sandbox',
      data: { pending: held.pending.map((p) => p.filename), giveUpAt: held.giveUpAt },
    });
    return {
      outcome: 'store',
      state: 'held_for_sandbox',
      dueAt: now + (deps.sandbox.repollMs ?? 60_000),
      plan: { inbound: state },
      events,
      body,
    };
  }
  if (plan.disposition === 'quarantine') {
    const purgeAt = now + settings.retentionDays * DAY_MS;
    state.quarantinedAt = now;
    state.purgeAt = purgeAt;
    events.push({ actor: 'system', type: 'quarantined', data: { reason: plan.decidedBy.reason, purgeAt } });
    return { outcome: 'store', state: 'quarantined', dueAt: purgeAt, plan: { inbound: state }, events, body };
  }
  return { outcome: 'store', state: 'queued', dueAt: now, plan: { inbound: state }, events, body };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

/** Why DKIM, ARC and DMARC were not verified, as the verdict's symbol (score 4), or null. */
function unverifiedAuthSymbol(auth: AuthVerification): InboundSymbol | null {
  if (auth.headerTooLarge)
    return {
      name: 'AUTH_HEADER_TOO_LARGE',
      score: 4,
      description: 'Header section over 100 KB (mail servers truncate such headers): DKIM, ARC and DMARC were not verified',
      detail: `${auth.headerTooLarge} bytes`,
    };
  if (auth.signedFieldLookups)
    return {
      name: 'AUTH_SIGNED_FIELDS_TOO_MANY',
      score: 4,
      description: 'DKIM or ARC signatures list more header fields than are verified: DKIM, ARC and DMARC were not verified',
      detail: `${auth.signedFieldLookups} look-ups`,
    };
  return null;
}
