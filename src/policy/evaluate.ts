// Policy evaluation: (policy, message facts, tenant context) → an ordered plan of what to do.
// Pure and synchronous: no I/O, no clock, so it runs the same at acceptance, in
// `sekisho policy test` over past mail, and in tests. The caller executes the plan (holds,
// approvals, rewrites, notices) and records it in the audit trail. Semantics: docs/policy.md.
import type { MessageFacts } from '../model/facts.ts';
import {
  authFailed,
  isExternal,
  matchConditions,
  realAttachments,
  selectRecipients,
  type AuthResults,
  type ConditionEnv,
  type ContentFinding,
} from './conditions.ts';
import type {
  AddBccParams,
  ApproveParams,
  BccParams,
  BlockParams,
  ConfirmParams,
  HoldParams,
  InboundAction,
  InboundRule,
  NotifyParams,
  OutboundAction,
  OutboundConditions,
  OutboundRule,
  Policy,
  SubjectTagParams,
  UserOverride,
  WebDownloadParams,
  ZipEncryptParams,
} from './schema.ts';
import { matchFileName } from '../util/wildcard.ts';
import type { ContentInspection } from './content-inspection.ts';

// ---------------------------------------------------------------- outbound plan types

export interface OutboundContext {
  /** the tenant's own domains (subdomains count as internal too; the policy's internalDomains are added) */
  tenantDomains: readonly string[];
  /** recipient domain (lower-case, IDN as punycode) → messages this tenant sent there before this one */
  contactedDomains: ReadonlyMap<string, number>;
  /** the authenticated sender's user record, when known (not for trusted-network relays) */
  senderUser?: { email: string; managerEmail?: string | null; settings?: UserSendSettings } | null;
  /** the text inside the attachments, when the policy needs it (see needsAttachmentText) */
  inspection?: ContentInspection;
}

/**
 * What an admin set for one user on the users page (users.hold_minutes, users.confirm_off): overrides
 * of the policy for that sender's mail only. Semantics in docs/policy.md ("Per-user settings").
 */
export interface UserSendSettings {
  /** replaces the minutes of every hold of their mail, and is their baseline hold when nothing else
   *  makes the mail wait (as a `users:` entry's hold would be); null = the policy's minutes */
  holdMinutes: number | null;
  /** false: confirmation stages are skipped for their mail; approval and block never are */
  confirm: boolean;
}

/** Where a planned action came from: a rule, the tenant defaults, or the sender's users: entry. */
export type ActionSource = 'rule' | 'defaults' | 'user';

interface PlannedBase {
  /** rule name; "(defaults)" or "(user)" for the default hold */
  rule: string;
  source: ActionSource;
}

export type PlannedAction = PlannedBase &
  (
    | ({
        type: 'hold';
        /** set when the minutes are the sender's own (users page), not the rule's */
        userMinutes?: true;
      } & HoldParams)
    | ({ type: 'confirm' } & ConfirmParams)
    | ({
        type: 'approve';
        /**
         * who may decide: the manager's address or the listed approvers. Empty when `by: manager`
         * and the sender has no manager on record — the executor must then route the request
         * to the tenant's approvers/admins; it must never skip the approval.
         */
        approvers: string[];
      } & ApproveParams)
    | ({
        type: 'bcc';
        /** the To/Cc addresses that move to Bcc (envelope unchanged) */
        moved: string[];
      } & BccParams)
    | ({ type: 'block' } & BlockParams)
    | ({ type: 'zipEncrypt' } & ZipEncryptParams)
    | ({ type: 'webDownload'; language: 'ja' | 'en' | 'both' } & Omit<WebDownloadParams, 'language'>)
    | ({ type: 'addBcc' } & AddBccParams)
    | ({ type: 'subjectTag' } & SubjectTagParams)
    | ({
        type: 'notify';
        /** resolved addresses ('sender' → the sender, 'manager' → the manager) */
        recipients: string[];
      } & NotifyParams)
  );

export type PlannedActionType = PlannedAction['type'];

export interface RuleMatch {
  rule: string;
  /** why the rule matched, one line per condition (masked; safe for the audit trail) */
  evidence: string[];
  /** what the content conditions found in which file, for the decision screens; absent when none */
  findings?: ContentFinding[];
}

export interface TestMatch extends RuleMatch {
  /** what the rule would have done */
  actions: PlannedAction[];
}

/**
 * Why a matching rule's action was left out, as a stable code (and the numbers it needs): the audit
 * keeps the code and every reader words it from the catalogue (`skip.<why>` in console/src/i18n).
 * Events written before the codes hold English text in `why`; readers show that as it is.
 */
export const SKIP_REASONS = [
  'confirm-off',
  'all-internal',
  'bcc-too-few',
  'bcc-none',
  'bcc-planned',
  'no-attachments',
  'attachments-handled',
  'tag-planned',
  'no-manager',
  'no-one-to-notify',
  'addbcc-planned',
] as const;
export type SkipCode = (typeof SKIP_REASONS)[number];

export type SkipReason =
  | { why: Exclude<SkipCode, 'bcc-too-few' | 'attachments-handled'> }
  /** To+Cc hold `count` addresses, fewer than the rule's countAtLeast */
  | { why: 'bcc-too-few'; count: number; atLeast: number }
  /** an earlier rule's zipEncrypt / webDownload already treats the attachments */
  | { why: 'attachments-handled'; by: PlannedActionType; byRule: string };

export type SkippedAction = { rule: string; type: PlannedActionType } & SkipReason;

export interface Plan {
  /** in execution order; hold/confirm/approve are stages, one after the other */
  actions: PlannedAction[];
  /** enforced rules that matched, in policy order */
  matchedRules: string[];
  /** evidence for each enforced match, same order as matchedRules */
  matches: RuleMatch[];
  /** `mode: test` rules that matched: reported ("would hold"), never enforced */
  testMatches: TestMatch[];
  /** set when a `block` ended evaluation: refuse the mail; only `notify` actions still run */
  blocked: null | { rule: string; reason: string; notify: boolean };
  /** actions a matching rule asked for but that do not apply to this message, and why */
  skipped: SkippedAction[];
  /** notice language for this sender: users: entry, else defaults.language */
  language: 'ja' | 'en' | 'both';
  /**
   * the internal domains this plan was made with: the tenant's own plus defaults.internalDomains.
   * Delivery sorts recipients by them for `applyTo: external`, so a later change of the policy or
   * of the tenant's domains never changes who gets which copy of mail already accepted.
   */
  internalDomains: string[];
}

export const DEFAULTS_RULE = '(defaults)';
export const USER_RULE = '(user)';

// ---------------------------------------------------------------- outbound evaluation

export function evaluateOutbound(policy: Policy, facts: MessageFacts, ctx: OutboundContext): Plan {
  const out = policy.outbound;
  const senderEmail = (ctx.senderUser?.email ?? facts.mailFrom).toLowerCase();
  const userSettings = out.users[senderEmail];
  const language = userSettings?.language ?? out.defaults.language;
  const internalDomains = internalDomainsOf(policy, ctx.tenantDomains);
  const env: ConditionEnv = {
    tenantDomains: internalDomains,
    contactedDomains: ctx.contactedDomains,
    freeMailDomains: out.defaults.freeMailDomains,
    ...(ctx.inspection ? { inspection: ctx.inspection } : {}),
  };
  const plan: Plan = { actions: [], matchedRules: [], matches: [], testMatches: [], blocked: null, skipped: [], language, internalDomains };
  const resolver = { facts, ctx, language };

  for (const rule of out.rules) {
    if (!rule.enabled) continue;
    const match = ruleMatches(rule, facts, env);
    if (!match) continue;
    if (rule.mode === 'test') {
      const would = planRuleActions(rule, resolver, [], []);
      plan.testMatches.push({ rule: rule.name, ...match, actions: would });
      continue;
    }
    plan.matchedRules.push(rule.name);
    plan.matches.push({ rule: rule.name, ...match });
    planRuleActions(rule, resolver, plan.actions, plan.skipped);
    const block = plan.actions.find((a) => a.type === 'block');
    if (block && block.type === 'block') {
      plan.blocked = { rule: block.rule, reason: block.reason, notify: block.notify };
      break;
    }
  }

  if (!plan.blocked) {
    // Skipped first: a confirm that does not apply leaves the mail to the default hold, like no rule.
    skipWithoutExternal(plan, facts, internalDomains);
    addDefaultHold(plan, out, userSettings, ctx.senderUser?.settings, facts, internalDomains);
  }
  return plan;
}

/**
 * The one definition of internal (社内) for a tenant's mail, outbound and inbound alike: its own
 * domains plus the policy's partner and group-company domains (`outbound.defaults.internalDomains`),
 * lower-case, each once. Subdomains count too (isExternal).
 */
export function internalDomainsOf(policy: Policy, tenantDomains: readonly string[]): string[] {
  return [...new Set([...tenantDomains.map((d) => d.toLowerCase()), ...policy.outbound.defaults.internalDomains])];
}

/**
 * An `applyTo: external` action on mail with no external recipient does nothing, so it is dropped
 * and the audit says why. A rewrite (zipEncrypt, webDownload, bcc) counts every copy's recipients,
 * envelope and addBcc alike; a confirm counts the recipients the sender chose (the envelope) — an
 * archive addBcc is the policy's own, not the sender's to confirm.
 */
function skipWithoutExternal(plan: Plan, facts: MessageFacts, internalDomains: readonly string[]): void {
  const anyExternal = (list: readonly string[]) => list.some((r) => isExternal(r, internalDomains));
  if (anyExternal(facts.recipients)) return;
  const archivedOutside = anyExternal(plan.actions.flatMap((a) => (a.type === 'addBcc' ? a.to : [])));
  plan.actions = plan.actions.filter((a) => {
    if (!('applyTo' in a) || a.applyTo !== 'external') return true;
    if (a.type !== 'confirm' && archivedOutside) return true;
    plan.skipped.push({ rule: a.rule, type: a.type, why: 'all-internal' });
    return false;
  });
}

/**
 * What the attachment inspection must look for, or null when no enabled outbound rule (enforced
 * or in test mode) reads inside attachments: only then is the (costly) inspection run.
 * `patterns` are every attachmentText regex, searched in the worker with the text.
 */
export function attachmentTextNeeds(policy: Policy): { patterns: string[] } | null {
  let needed = false;
  const patterns = new Set<string>();
  const visit = (c: OutboundConditions | undefined) => {
    if (!c) return;
    for (const p of c.attachmentText ?? []) patterns.add(p);
    if (
      c.attachmentText !== undefined ||
      c.encryptedArchive !== undefined ||
      c.inspectionIncomplete !== undefined ||
      (c.detect ?? []).some((d) => d !== 'ownPrivateAddress')
    )
      needed = true;
  };
  for (const r of policy.outbound.rules) {
    if (!r.enabled) continue;
    visit(r.when);
    visit(r.unless);
  }
  return needed ? { patterns: [...patterns] } : null;
}

/** The rule's evidence (and content findings, when there are any) if it applies; null if not. */
function ruleMatches(rule: OutboundRule | InboundRule, facts: MessageFacts, env: ConditionEnv): Omit<RuleMatch, 'rule'> | null {
  const when = matchConditions(rule.when, facts, env);
  if (!when.matched) return null;
  if (rule.unless && Object.keys(rule.unless).length > 0 && matchConditions(rule.unless, facts, env).matched) return null;
  return when.findings.length > 0 ? { evidence: when.evidence, findings: when.findings } : { evidence: when.evidence };
}

interface Resolver {
  facts: MessageFacts;
  ctx: OutboundContext;
  language: 'ja' | 'en' | 'both';
}

const STAGES = new Set<PlannedActionType>(['hold', 'confirm', 'approve']);
const ATTACHMENT_TREATMENTS = new Set<PlannedActionType>(['zipEncrypt', 'webDownload']);

/**
 * Appends the rule's actions to `into` in order, skipping those that cannot apply (recorded in
 * `skipped`). A `block` stops the rule's remaining actions too. Returns `into`.
 */
function planRuleActions(rule: OutboundRule, r: Resolver, into: PlannedAction[], skipped: SkippedAction[]): PlannedAction[] {
  for (const entry of rule.then) {
    const planned = planAction(entry, rule.name, r);
    const why = whyNotApplicable(planned, into, r);
    if (why) {
      skipped.push({ rule: rule.name, type: planned.type, ...why });
      continue;
    }
    into.push(planned);
    if (planned.type === 'block') break;
  }
  return into;
}

function planAction(entry: OutboundAction, rule: string, r: Resolver): PlannedAction {
  const base = { rule, source: 'rule' as const };
  if ('hold' in entry) {
    const own = r.ctx.senderUser?.settings?.holdMinutes ?? null;
    return own === null
      ? { ...base, type: 'hold', ...entry.hold }
      : { ...base, type: 'hold', ...entry.hold, minutes: own, userMinutes: true };
  }
  if ('confirm' in entry) return { ...base, type: 'confirm', ...entry.confirm };
  if ('approve' in entry) {
    const p = entry.approve;
    const approvers = p.by === 'manager' ? managerOf(r.ctx) : [...p.by];
    return { ...base, type: 'approve', ...p, approvers };
  }
  if ('bcc' in entry) return { ...base, type: 'bcc', ...entry.bcc, moved: visibleRecipients(r.facts) };
  if ('block' in entry) return { ...base, type: 'block', ...entry.block };
  if ('zipEncrypt' in entry) return { ...base, type: 'zipEncrypt', ...entry.zipEncrypt };
  if ('webDownload' in entry) {
    const { language, ...rest } = entry.webDownload;
    return { ...base, type: 'webDownload', ...rest, language: language ?? r.language };
  }
  if ('addBcc' in entry) return { ...base, type: 'addBcc', ...entry.addBcc };
  if ('subjectTag' in entry) return { ...base, type: 'subjectTag', ...entry.subjectTag };
  const p = entry.notify;
  const recipients = p.to === 'sender' ? [senderAddress(r)] : p.to === 'manager' ? managerOf(r.ctx) : [...p.to];
  return { ...base, type: 'notify', ...p, recipients: recipients.filter(Boolean) };
}

function managerOf(ctx: OutboundContext): string[] {
  const m = ctx.senderUser?.managerEmail?.trim().toLowerCase();
  return m ? [m] : [];
}

function senderAddress(r: Resolver): string {
  return (r.ctx.senderUser?.email ?? r.facts.mailFrom ?? r.facts.from?.address ?? '').toLowerCase();
}

function visibleRecipients(facts: MessageFacts): string[] {
  return selectRecipients(facts, ['to', 'cc']);
}

/** Why an action planned by a matching rule does not apply here, or null when it does. */
function whyNotApplicable(a: PlannedAction, planned: readonly PlannedAction[], r: Resolver): SkipReason | null {
  const facts = r.facts;
  switch (a.type) {
    case 'confirm':
      return r.ctx.senderUser?.settings?.confirm === false ? { why: 'confirm-off' } : null;
    case 'bcc':
      if (a.countAtLeast !== undefined && a.moved.length < a.countAtLeast)
        return { why: 'bcc-too-few', count: a.moved.length, atLeast: a.countAtLeast };
      if (a.moved.length === 0) return { why: 'bcc-none' };
      if (planned.some((p) => p.type === 'bcc')) return { why: 'bcc-planned' };
      return null;
    case 'zipEncrypt':
    case 'webDownload': {
      if (realAttachments(facts).length === 0) return { why: 'no-attachments' };
      const earlier = planned.find((p) => ATTACHMENT_TREATMENTS.has(p.type));
      return earlier ? { why: 'attachments-handled', by: earlier.type, byRule: earlier.rule } : null;
    }
    case 'subjectTag':
      return planned.some((p) => p.type === 'subjectTag' && p.tag === a.tag) ? { why: 'tag-planned' } : null;
    case 'notify':
      return a.recipients.length === 0 ? { why: a.to === 'manager' ? 'no-manager' : 'no-one-to-notify' } : null;
    case 'addBcc':
      return planned.some((p) => p.type === 'addBcc' && a.to.every((t) => p.to.includes(t))) ? { why: 'addbcc-planned' } : null;
    default:
      return null;
  }
}

/**
 * The tenant default hold (or the sender's own, from `users:` or the users page's minutes) applies
 * only when no enforced rule already made the message wait (hold, confirm or approve): a rule's
 * stage replaces the baseline rather than stacking with it. It goes first, before any rule's actions.
 * The users page's minutes win over the YAML entry (even its `hold: false`): they are the newer word.
 */
function addDefaultHold(
  plan: Plan,
  out: Policy['outbound'],
  user: Policy['outbound']['users'][string] | undefined,
  settings: UserSendSettings | undefined,
  facts: MessageFacts,
  internalDomains: readonly string[],
): void {
  if (plan.actions.some((a) => STAGES.has(a.type))) return;
  const minutes = settings?.holdMinutes ?? null;
  if (user?.hold === false && minutes === null) return;
  const base = out.defaults.hold;
  const own: Exclude<UserOverride['hold'], false> = user?.hold || (minutes !== null ? {} : undefined);
  if (!base && !own) return;
  const merged = {
    minutes: minutes ?? own?.minutes ?? base?.minutes ?? 5,
    release: own?.release ?? base?.release ?? ('auto' as const),
    appliesTo: own?.appliesTo ?? base?.appliesTo ?? ('external' as const),
  };
  if (merged.appliesTo === 'external' && !facts.recipients.some((r) => isExternal(r, internalDomains))) return;
  const source: ActionSource = own ? 'user' : 'defaults';
  plan.actions.unshift({
    type: 'hold',
    rule: own ? USER_RULE : DEFAULTS_RULE,
    source,
    minutes: merged.minutes,
    release: merged.release,
  });
}

// ---------------------------------------------------------------- inbound

export interface InboundContext {
  /** the tenant's own domains (the policy's internalDomains are added: internalDomainsOf) */
  tenantDomains: readonly string[];
  /** the spam scorer's result; null when no scorer ran */
  spamScore: number | null;
  auth: AuthResults;
  /** analysis verdict symbols (e.g. PHISHING_DISPLAY_NAME, MACRO_OFFICE) */
  symbols: readonly string[];
}

export type InboundDisposition = 'deliver' | 'quarantine' | 'reject';

export interface InboundPlan {
  disposition: InboundDisposition;
  /** what decided the disposition */
  decidedBy: { source: 'rule' | 'dmarc' | 'impersonation' | 'spam' | 'default'; rule?: string; reason: string };
  /** subject tags to add on delivery (also on release from quarantine) */
  subjectTags: Array<{ tag: string; source: string }>;
  /** attachments to remove on delivery, by index into facts.attachments */
  strip: Array<{ index: number; filename: string; source: string }>;
  matchedRules: string[];
  matches: RuleMatch[];
  testMatches: Array<RuleMatch & { actions: InboundAction[] }>;
}

const SEVERITY: Record<InboundDisposition, number> = { deliver: 0, quarantine: 1, reject: 2 };

/**
 * Inbound order: rules (in order; deliver/quarantine/reject end evaluation, subjectTag and
 * stripAttachments accumulate); then, unless a rule decided, the sender domain's DMARC policy
 * the impersonation default (inbound.impersonation) and the spam thresholds — the most severe wins. stripExtensions always applies on
 * delivery.
 */
export function evaluateInbound(policy: Policy, facts: MessageFacts, ctx: InboundContext): InboundPlan {
  const inb = policy.inbound;
  // recipients.external draws the same line as outbound: own domains plus the partner/group ones
  const env: ConditionEnv = {
    tenantDomains: internalDomainsOf(policy, ctx.tenantDomains),
    spamScore: ctx.spamScore,
    auth: ctx.auth,
    symbols: ctx.symbols,
  };
  const plan: InboundPlan = {
    disposition: 'deliver',
    decidedBy: { source: 'default', reason: 'no rule or threshold applied' },
    subjectTags: [],
    strip: [],
    matchedRules: [],
    matches: [],
    testMatches: [],
  };
  let decided = false;

  for (const rule of inb.rules) {
    if (!rule.enabled) continue;
    const match = ruleMatches(rule, facts, env);
    if (!match) continue;
    if (rule.mode === 'test') {
      plan.testMatches.push({ rule: rule.name, ...match, actions: rule.then });
      continue;
    }
    plan.matchedRules.push(rule.name);
    plan.matches.push({ rule: rule.name, ...match });
    for (const action of rule.then) {
      if (applyInboundAction(plan, action, rule.name, facts)) {
        decided = true;
        break;
      }
    }
    if (decided) break;
  }

  if (!decided) applyThresholds(plan, policy, ctx);
  if (plan.disposition === 'reject') {
    plan.subjectTags = [];
    plan.strip = [];
    return plan;
  }
  stripByExtension(plan, inb.stripExtensions, facts);
  return plan;
}

/** Applies one inbound action; true when it decided the disposition (evaluation ends). */
function applyInboundAction(plan: InboundPlan, action: InboundAction, rule: string, facts: MessageFacts): boolean {
  if ('deliver' in action) {
    plan.disposition = 'deliver';
    plan.decidedBy = { source: 'rule', rule, reason: `delivered by rule "${rule}"` };
    return true;
  }
  if ('quarantine' in action) {
    plan.disposition = 'quarantine';
    plan.decidedBy = { source: 'rule', rule, reason: action.quarantine.reason ?? `quarantined by rule "${rule}"` };
    return true;
  }
  if ('reject' in action) {
    plan.disposition = 'reject';
    plan.decidedBy = { source: 'rule', rule, reason: action.reject.reason ?? `rejected by rule "${rule}"` };
    return true;
  }
  if ('subjectTag' in action) {
    if (!plan.subjectTags.some((t) => t.tag === action.subjectTag.tag)) plan.subjectTags.push({ tag: action.subjectTag.tag, source: rule });
    return false;
  }
  const names = action.stripAttachments.names ?? ['*'];
  facts.attachments.forEach((a, index) => {
    if (names.some((g) => matchFileName(g, a.filename))) addStrip(plan, index, a.filename, rule);
  });
  return false;
}

function applyThresholds(plan: InboundPlan, policy: Policy, ctx: InboundContext): void {
  const spam = policy.inbound.spam;
  const candidates: Array<{ disposition: InboundDisposition; source: 'dmarc' | 'impersonation' | 'spam'; reason: string }> = [];
  // The classic phish (a brand or a colleague by display name, from elsewhere, with a link or
  // an attachment) is quarantined by default however its score adds up.
  if (policy.inbound.impersonation === 'quarantine' && ctx.symbols.includes('PHISH_IMPERSONATION_PAYLOAD'))
    candidates.push({
      disposition: 'quarantine',
      source: 'impersonation',
      reason: 'display-name impersonation with a link or an attachment (inbound.impersonation: quarantine)',
    });
  if (policy.inbound.honourDmarc && authFailed('dmarc', ctx.auth)) {
    const p = ctx.auth.dmarcPolicy;
    if (p === 'reject' || p === 'quarantine')
      candidates.push({ disposition: p, source: 'dmarc', reason: `DMARC failed and the sender domain's policy is p=${p}` });
  }
  const score = ctx.spamScore;
  if (score !== null && score !== undefined) {
    if (spam.rejectAt !== undefined && score >= spam.rejectAt)
      candidates.push({ disposition: 'reject', source: 'spam', reason: `spam score ${score} ≥ rejectAt ${spam.rejectAt}` });
    else if (score >= spam.quarantineAt)
      candidates.push({ disposition: 'quarantine', source: 'spam', reason: `spam score ${score} ≥ quarantineAt ${spam.quarantineAt}` });
    if (score >= spam.tagAt && !plan.subjectTags.some((t) => t.tag === spam.tag)) plan.subjectTags.push({ tag: spam.tag, source: 'spam' });
  }
  const worst = candidates.sort((a, b) => SEVERITY[b.disposition] - SEVERITY[a.disposition])[0];
  if (worst) {
    plan.disposition = worst.disposition;
    plan.decidedBy = { source: worst.source, reason: worst.reason };
  }
}

function stripByExtension(plan: InboundPlan, extensions: readonly string[], facts: MessageFacts): void {
  if (extensions.length === 0) return;
  facts.attachments.forEach((a, index) => {
    const name = a.filename.normalize('NFKC').toLowerCase();
    const ext = extensions.find((e) => name.endsWith(e));
    if (ext) addStrip(plan, index, a.filename, `stripExtensions ${ext}`);
  });
}

function addStrip(plan: InboundPlan, index: number, filename: string, source: string): void {
  if (!plan.strip.some((s) => s.index === index)) plan.strip.push({ index, filename, source });
}
