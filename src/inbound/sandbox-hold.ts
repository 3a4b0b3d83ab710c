// The external sandbox (サンドボックス解析) in the inbound flow. With an external Sandbox configured,
// attachments are submitted at acceptance and polled until `waitMs`; a verdict in time joins the
// score at once. Otherwise the message is accepted (never lost) and held in state
// `held_for_sandbox` with its tickets in plan.inbound.sandbox; the worker re-polls every
// `repollMs` and, once all verdicts are in, lets the tenant policy decide (deliver or
// quarantine — a reject is no longer possible after 250); a malicious verdict is quarantined
// unless a rule delivers it, like a virus. Past `giveUpMs` it is quarantined.
import type { Logger } from 'pino';
import type { Message, Store } from '../store/store.ts';
import { fullFacts } from '../mime/stored-facts.ts';
import { evaluateInbound } from '../policy/evaluate.ts';
import type { SandboxOptions, SandboxVerdict } from './sandbox/sandbox-api.ts';
import { inboundPolicy, getSettings, tenantContext } from './tenant-settings.ts';
import type { InboundPlanState, SandboxState } from '../plan/inbound.ts';
import { uninspectedReason, type InboundSymbol } from '../model/verdict.ts';

export function sandboxSymbols(verdicts: readonly SandboxVerdict[]): InboundSymbol[] {
  return verdicts.flatMap((v) =>
    v.symbols.length
      ? v.symbols
      : v.malicious
        ? [
            {
              name: 'SANDBOX_MALICIOUS',
              score: Math.max(v.score, 10),
              description: `${v.sandbox} judged the file malicious`,
              detail: v.filename,
            },
          ]
        : [],
  );
}

export function maliciousReason(files: readonly string[]): string {
  return `the sandbox judged malicious: ${files.join(', ')}`;
}

/** Final decision for a held message once its verdicts are in (or the wait gave up). */
export async function decideAfterSandbox(store: Store, m: Message, state: InboundPlanState & { sandbox: SandboxState }, gaveUp: boolean) {
  const policy = await inboundPolicy(store, m.tenant_id);
  const settings = await getSettings(store, m.tenant_id);
  const tenant = await tenantContext(store, m.tenant_id, settings, policy.inbound.brands);
  const facts = await fullFacts(store, m);
  const added = sandboxSymbols(state.sandbox.verdicts);
  if (gaveUp)
    added.push({
      name: 'SANDBOX_TIMEOUT',
      score: 0,
      description: 'the sandbox gave no verdict in time',
      detail: state.sandbox.pending.map((p) => p.filename).join(', '),
    });
  const symbols = [...state.symbols, ...added].sort((a, b) => b.score - a.score);
  const score = Math.round((state.score + added.reduce((s, x) => s + x.score, 0)) * 100) / 100;
  const plan = evaluateInbound(policy, facts, {
    tenantDomains: tenant.domains,
    spamScore: score,
    auth: state.auth,
    symbols: symbols.map((s) => s.name),
  });
  let disposition = plan.disposition;
  let reason = plan.decidedBy.reason;
  // a file the sandbox judged malicious is never delivered unless a rule said so (like a virus)
  const malicious = state.sandbox.verdicts.filter((v) => v.malicious).map((v) => v.filename);
  if (malicious.length > 0 && disposition === 'deliver' && plan.decidedBy.source !== 'rule') {
    disposition = 'quarantine';
    reason = maliciousReason(malicious);
  }
  if (disposition === 'reject') reason = `${reason} (already accepted: quarantined instead of rejected)`;
  if (gaveUp && disposition === 'deliver') reason = 'no sandbox verdict in time';
  const uninspected = uninspectedReason(symbols);
  if (uninspected && disposition === 'deliver') reason = uninspected;
  if (disposition === 'reject' || (gaveUp && disposition === 'deliver') || uninspected) disposition = 'quarantine';
  const now = Date.now();
  const next: InboundPlanState = { ...state, disposition, reason, score, symbols, policy: plan };
  if (disposition === 'quarantine') {
    next.quarantinedAt = now;
    next.purgeAt = now + settings.retentionDays * 86_400_000;
  }
  return {
    next,
    state: disposition === 'quarantine' ? ('quarantined' as const) : ('queued' as const),
    dueAt: disposition === 'quarantine' ? next.purgeAt! : now,
  };
}

/** The worker's handler for `held_for_sandbox`. */
export function sandboxHandler(store: Store, options: SandboxOptions, logger: Logger, wake: () => void) {
  return async (m: Message, lease: { node: string }): Promise<void> => {
    const whole = m.plan;
    const state = whole.inbound;
    const sb = state?.sandbox;
    if (!state || !sb) {
      // held for the sandbox without its tickets (a row no version writes): the safe verdict
      logger.warn({ id: m.id }, 'held for the sandbox without sandbox state: quarantined');
      await store.transition(m, lease.node, {
        state: 'quarantined',
        dueAt: null,
        event: { actor: 'system', type: 'inbound.sandbox', data: { gaveUp: true, reason: 'no sandbox state' } },
      });
      return;
    }
    const still: SandboxState['pending'] = [];
    for (const p of sb.pending) {
      try {
        const answer = await options.sandbox.poll(p.ticket);
        if (answer === 'pending') still.push(p);
        else sb.verdicts.push(answer);
      } catch (err) {
        logger.warn({ err, id: m.id, ticket: p.ticket }, 'sandbox poll failed; will retry');
        still.push(p);
      }
    }
    sb.pending = still;
    const gaveUp = still.length > 0 && Date.now() >= sb.giveUpAt;
    if (still.length > 0 && !gaveUp) {
      await store.transition(m, lease.node, {
        state: 'held_for_sandbox',
        dueAt: Date.now() + (options.repollMs ?? 60_000),
        plan: { ...whole, inbound: state },
      });
      return;
    }
    const d = await decideAfterSandbox(store, m, { ...state, sandbox: sb }, gaveUp);
    const ok = await store.transition(m, lease.node, {
      state: d.state,
      dueAt: d.dueAt,
      plan: { ...whole, inbound: d.next },
      event: {
        actor: 'system',
        type: 'inbound.sandbox',
        data: {
          disposition: d.next.disposition,
          reason: d.next.reason,
          score: d.next.score,
          verdicts: sb.verdicts.map((v) => ({ filename: v.filename, malicious: v.malicious, score: v.score })),
          gaveUp,
        },
      },
    });
    if (ok && d.state === 'queued') wake();
  };
}
