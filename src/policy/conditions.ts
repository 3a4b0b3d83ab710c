// Decides whether one rule's `when` (or `unless`) conditions hold for a message, and says why
// (evidence strings for the audit trail and notices — masked, never a card or My Number in
// clear). Pure: everything it needs about the tenant comes in `ConditionEnv`. Regexes run on
// RE2JS, a linear-time engine, so no policy pattern can stall acceptance on crafted mail.
import type { AuthResults } from '../model/verdict.ts';
import { RE2JS } from 're2js';
import type { AttachmentFact, MessageFacts } from '../model/facts.ts';
import { LookalikeIndex } from '../util/domain-similarity.ts';
import { isSameOrSubdomain, matchAnyAddress, matchFileName } from '../util/wildcard.ts';
import { asciiDomainOf } from '../util/address.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import type { ContentInspection } from './content-inspection.ts';
import { scanNumbers, type DetectorHit } from './detectors.ts';
import { findPersonalData, type PersonalDataCount } from './personal-data.ts';
import { ownPrivateAddresses } from './own-private-address.ts';
import type { DetectorName, InboundConditions, OutboundConditions, RecipientSet } from './schema.ts';

/** A domain mailed at least this often counts as a usual partner for the look-alike check. */
export const LOOKALIKE_MIN_MESSAGES = 3;

export interface ConditionEnv {
  tenantDomains: readonly string[];
  /** recipient domain (lower-case) → messages this tenant sent there before */
  contactedDomains?: ReadonlyMap<string, number>;
  /** inbound only */
  spamScore?: number | null;
  auth?: AuthResults;
  symbols?: readonly string[];
  /** free-mail domains the tenant adds to the ownPrivateAddress detector's list */
  freeMailDomains?: readonly string[];
  /** outbound: the text inside the attachments (analysis/attachment-text.ts); absent = not inspected */
  inspection?: ContentInspection;
}

/** SPF/DKIM/DMARC/ARC results: the one type the inbound checks produce (src/model/verdict.ts). */
export type { AuthResults } from '../model/verdict.ts';

export interface ConditionResult {
  matched: boolean;
  /** one line per condition that held, e.g. "recipients.any: bob@gmail.com ~ *@gmail.com" */
  evidence: string[];
  /** what the content conditions found where, for the decision screens (in the viewer's words) */
  findings: ContentFinding[];
}

/** One content condition's find, typed so screens can say it in ja or en (never a number in clear). */
export interface ContentFinding {
  kind: 'creditCard' | 'myNumber' | 'personalData' | 'attachmentText' | 'encryptedArchive' | 'inspectionIncomplete';
  /** the attachment (path inside archives), or null for the subject and body */
  file: string | null;
  /** how many numbers or people's records (detectors) */
  count?: number;
}

/** A check's verdict: null = did not hold; else its evidence line, with findings for content checks. */
type CheckResult = string | { evidence: string; findings: ContentFinding[] } | null;

type AnyConditions = OutboundConditions & Partial<Omit<InboundConditions, keyof OutboundConditions>>;

/** All present conditions must hold; an empty condition set holds for every message. */
export function matchConditions(c: AnyConditions, facts: MessageFacts, env: ConditionEnv): ConditionResult {
  const evidence: string[] = [];
  const findings: ContentFinding[] = [];
  const checks: Array<() => CheckResult> = [];
  if (c.sender) checks.push(() => checkSender(c.sender!, facts));
  if (c.recipients) checks.push(() => checkRecipients(c.recipients!, facts, env));
  if (c.attachments !== undefined) checks.push(() => checkHasAttachments(c.attachments!, facts));
  if (c.attachmentNames) checks.push(() => checkAttachmentNames(c.attachmentNames!, facts));
  if (c.attachmentSizeAtLeast !== undefined) checks.push(() => checkAttachmentSize(c.attachmentSizeAtLeast!, facts));
  if (c.subject) checks.push(() => checkRegexes('subject', c.subject!, facts.subject));
  if (c.body) checks.push(() => checkRegexes('body', c.body!, facts.text));
  if (c.encryptedArchive !== undefined) checks.push(() => checkEncryptedArchive(c.encryptedArchive!, env));
  if (c.inspectionIncomplete !== undefined) checks.push(() => checkInspectionIncomplete(c.inspectionIncomplete!, env));
  if (c.detect) checks.push(() => checkDetectors(c.detect!, facts, env));
  if (c.attachmentText) checks.push(() => checkAttachmentText(c.attachmentText!, env));
  if (c.firstContactDomain !== undefined) checks.push(() => checkFirstContact(c.firstContactDomain!, facts, env));
  if (c.lookalikeDomain !== undefined) checks.push(() => checkLookalike(c.lookalikeDomain!, facts, env));
  if (c.spamScoreAtLeast !== undefined) checks.push(() => checkSpamScore(c.spamScoreAtLeast!, env));
  if (c.authFail) checks.push(() => checkAuthFail(c.authFail!, env));
  if (c.verdict) checks.push(() => checkVerdict(c.verdict!, env));
  // Cheap checks come first in the list above; stop at the first that fails.
  for (const check of checks) {
    const why = check();
    if (why === null) return { matched: false, evidence: [], findings: [] };
    if (typeof why === 'string') evidence.push(why);
    else {
      evidence.push(why.evidence);
      findings.push(...why.findings);
    }
  }
  return { matched: true, evidence, findings };
}

// ---------------------------------------------------------------- addresses

function checkSender(patterns: string[], facts: MessageFacts): string | null {
  const candidates = [facts.mailFrom, facts.from?.address ?? ''].filter((a) => a !== '');
  const hit = candidates.find((a) => matchAnyAddress(patterns, a));
  return hit ? `sender: ${hit}` : null;
}

/** The recipients a condition counts, de-duplicated, in message order. */
export function selectRecipients(facts: MessageFacts, sets: readonly RecipientSet[]): string[] {
  const to = facts.to.map((a) => a.address).filter(Boolean);
  const cc = facts.cc.map((a) => a.address).filter(Boolean);
  const visible = new Set([...to, ...cc]);
  const bySet: Record<RecipientSet, string[]> = {
    to,
    cc,
    bcc: facts.recipients.filter((r) => !visible.has(r)),
    envelope: facts.recipients,
  };
  const out = new Set<string>();
  for (const s of sets) for (const a of bySet[s]) if (a) out.add(a.toLowerCase());
  return [...out];
}

export function isExternal(address: string, tenantDomains: readonly string[]): boolean {
  return !tenantDomains.some((d) => isSameOrSubdomain(address, d));
}

/**
 * Who an action with `applyTo` rewrites the copy for (`apply`) and who keeps the message as it
 * is (`keep`), each recipient in exactly one list. `all`, or no applyTo (a plan stored before
 * applyTo existed), applies to everyone; `external` to recipients outside `internalDomains`.
 */
export function splitByApplyTo(
  applyTo: 'external' | 'all' | undefined,
  recipients: readonly string[],
  internalDomains: readonly string[],
): { apply: string[]; keep: string[] } {
  if (applyTo !== 'external') return { apply: [...recipients], keep: [] };
  const apply: string[] = [];
  const keep: string[] = [];
  for (const r of recipients) (isExternal(r, internalDomains) ? apply : keep).push(r);
  return { apply, keep };
}

function checkRecipients(c: NonNullable<OutboundConditions['recipients']>, facts: MessageFacts, env: ConditionEnv): string | null {
  const list = selectRecipients(facts, c.in);
  const parts: string[] = [];
  if (c.any) {
    const hit = list.find((a) => matchAnyAddress(c.any!, a));
    if (!hit) return null;
    parts.push(`any ${hit}`);
  }
  if (c.all) {
    if (list.length === 0 || !list.every((a) => matchAnyAddress(c.all!, a))) return null;
    parts.push(`all ${list.length} match`);
  }
  const external = list.filter((a) => isExternal(a, env.tenantDomains));
  if (c.external !== undefined) {
    const ok =
      c.external === 'any'
        ? external.length > 0
        : c.external === 'all'
          ? list.length > 0 && external.length === list.length
          : external.length === 0;
    if (!ok) return null;
    parts.push(
      c.external === 'none' ? 'no external recipient' : `external ${external.slice(0, 3).join(', ')}${external.length > 3 ? ', …' : ''}`,
    );
  }
  if (c.countAtLeast !== undefined) {
    if (list.length < c.countAtLeast) return null;
    parts.push(`${list.length} recipients (≥ ${c.countAtLeast})`);
  }
  if (c.externalCountAtLeast !== undefined) {
    if (external.length < c.externalCountAtLeast) return null;
    parts.push(`${external.length} external recipients (≥ ${c.externalCountAtLeast})`);
  }
  return `recipients[${c.in.join(',')}]: ${parts.join('; ') || 'present'}`;
}

// ---------------------------------------------------------------- attachments

/**
 * Attachments as the sender sees them: an inline part whose Content-ID the HTML body refers
 * to (cid:…) is a picture in the mail, not an attached file.
 */
export function realAttachments(facts: MessageFacts): AttachmentFact[] {
  const html = facts.html?.toLowerCase() ?? '';
  return facts.attachments.filter((a) => !(a.inline && a.contentId && html.includes(`cid:${a.contentId.toLowerCase()}`)));
}

function checkHasAttachments(want: boolean, facts: MessageFacts): string | null {
  const n = realAttachments(facts).length;
  if (want !== n > 0) return null;
  return want ? `attachments: ${n}` : 'attachments: none';
}

function checkAttachmentNames(patterns: string[], facts: MessageFacts): string | null {
  for (const a of realAttachments(facts)) {
    const p = patterns.find((g) => matchFileName(g, a.filename));
    if (p) return `attachmentNames: ${a.filename} ~ ${p}`;
  }
  return null;
}

function checkAttachmentSize(atLeast: number, facts: MessageFacts): string | null {
  const total = realAttachments(facts).reduce((n, a) => n + a.size, 0);
  return total >= atLeast ? `attachmentSize: ${total} bytes (≥ ${atLeast})` : null;
}

// ---------------------------------------------------------------- text

const REGEX_CACHE_LIMIT = 2000;
const regexCache = new BoundedMap<string, RE2JS>(REGEX_CACHE_LIMIT);

/**
 * Compiled once per distinct pattern. Patterns and text are NFKC-folded so full-width and
 * half-width forms (ＰＤＦ / PDF, ｶﾅ / カナ) match alike; matching is case-insensitive.
 */
export function compiledRegex(source: string): RE2JS {
  let re = regexCache.get(source);
  if (!re) {
    re = RE2JS.compile(source.normalize('NFKC'), RE2JS.CASE_INSENSITIVE);
    regexCache.set(source, re);
  }
  return re;
}

/** True when any of the regexes is found in the text (linear time in the text's length). */
export function matchesAnyRegex(patterns: readonly string[], text: string): string | null {
  if (patterns.length === 0) return null;
  const folded = text.normalize('NFKC');
  return patterns.find((p) => compiledRegex(p).test(folded)) ?? null;
}

function checkRegexes(field: 'subject' | 'body', patterns: string[], text: string): string | null {
  const hit = matchesAnyRegex(patterns, text);
  return hit === null ? null : `${field} ~ /${hit}/`;
}

function checkDetectors(names: DetectorName[], facts: MessageFacts, env: ConditionEnv): CheckResult {
  if (names.includes('ownPrivateAddress')) {
    const own = ownPrivateAddresses(facts, env.freeMailDomains);
    if (own.length > 0) return `detect.ownPrivateAddress: ${own.map((h) => `${h.recipient} (${h.why})`).join(', ')}`;
  }
  const content = names.filter((n) => n !== 'ownPrivateAddress');
  if (content.length === 0) return null;
  const sources = contentSources(facts, env);
  for (const name of content) {
    const found = sources.flatMap((s) => {
      const hit = detectIn(name, s);
      return hit ? [{ ...hit, where: s.where, file: s.file }] : [];
    });
    if (found.length > 0)
      return {
        evidence: `detect.${name}: ${found.map((f) => `${f.text} in ${f.where}`).join('; ')}`,
        findings: found.map((f) => ({ kind: name, file: f.file, count: f.count })),
      };
  }
  return null;
}

interface ContentSource {
  where: string;
  file: string | null;
  cards: () => DetectorHit[];
  myNumbers: () => DetectorHit[];
  personalData: () => PersonalDataCount | null;
}

/**
 * What the content detectors read: subject and body (scanned here, at most MAX_TEXT_CHARS), then
 * each attachment, whose finds the analysis worker computed already (analysis/attachment-text.ts).
 */
function contentSources(facts: MessageFacts, env: ConditionEnv): ContentSource[] {
  const body = `${facts.subject}\n${facts.text}`;
  let numbers: ReturnType<typeof scanNumbers> | undefined;
  const scanned = () => (numbers ??= scanNumbers(body));
  return [
    {
      where: 'subject/body',
      file: null,
      cards: () => scanned().cards,
      myNumbers: () => scanned().myNumbers,
      personalData: () => findPersonalData(body),
    },
    ...(env.inspection?.texts ?? []).map((t) => ({
      where: t.file,
      file: t.file,
      cards: () => t.cards,
      myNumbers: () => t.myNumbers,
      personalData: () => t.personalData,
    })),
  ];
}

/** What one detector found in one source, as an evidence fragment (masked) and a count, or null. */
function detectIn(name: Exclude<DetectorName, 'ownPrivateAddress'>, source: ContentSource): { text: string; count: number } | null {
  if (name === 'personalData') {
    const c = source.personalData();
    return c
      ? {
          text: `${c.addresses} addresses, ${c.phones} phone numbers, ${c.birthDates} dates of birth`,
          count: Math.max(c.addresses, c.phones, c.birthDates),
        }
      : null;
  }
  const hits = name === 'creditCard' ? source.cards() : source.myNumbers();
  return hits.length === 0 ? null : { text: maskedList(hits), count: hits.length };
}

function maskedList(hits: DetectorHit[]): string {
  return `${hits.length} (${hits
    .slice(0, 3)
    .map((h) => h.masked)
    .join(', ')}${hits.length > 3 ? ', …' : ''})`;
}

function checkAttachmentText(patterns: string[], env: ConditionEnv): CheckResult {
  // The worker searched each file for every attachmentText pattern of the policy (needsAttachmentText).
  for (const t of env.inspection?.texts ?? []) {
    const hit = patterns.find((p) => t.patterns.includes(p));
    if (hit !== undefined)
      return { evidence: `attachmentText ~ /${hit}/ in ${t.file}`, findings: [{ kind: 'attachmentText', file: t.file }] };
  }
  return null;
}

function checkEncryptedArchive(want: boolean, env: ConditionEnv): CheckResult {
  const found = env.inspection?.encryptedArchives ?? [];
  if (want !== found.length > 0) return null;
  if (!want) return 'encryptedArchive: none';
  return { evidence: `encryptedArchive: ${found.join(', ')}`, findings: found.map((file) => ({ kind: 'encryptedArchive', file })) };
}

function checkInspectionIncomplete(want: boolean, env: ConditionEnv): CheckResult {
  const why = env.inspection?.incomplete ?? null;
  if (want !== (why !== null)) return null;
  if (!want) return 'inspectionIncomplete: no';
  return { evidence: `inspectionIncomplete: ${why}`, findings: [{ kind: 'inspectionIncomplete', file: null }] };
}

// ---------------------------------------------------------------- domains

function externalRecipientDomains(facts: MessageFacts, env: ConditionEnv): string[] {
  const domains = new Set<string>();
  for (const r of facts.recipients) if (r && isExternal(r, env.tenantDomains)) domains.add(asciiDomainOf(r));
  return [...domains].filter(Boolean);
}

function checkFirstContact(want: boolean, facts: MessageFacts, env: ConditionEnv): string | null {
  const contacted = env.contactedDomains ?? new Map<string, number>();
  const fresh = externalRecipientDomains(facts, env).filter((d) => (contacted.get(d) ?? 0) === 0);
  if (want !== fresh.length > 0) return null;
  return want ? `firstContactDomain: ${fresh.join(', ')}` : 'firstContactDomain: none';
}

const NO_CONTACTS: ReadonlyMap<string, number> = new Map();
// The tenant's sending history is one shared map for a minute at a time (outbound/decide.ts):
// its trusted-domain index is built once for it, not for every message.
const trustedIndexes = new WeakMap<ReadonlyMap<string, number>, { tenantDomains: string; index: LookalikeIndex }>();

function trustedIndex(env: ConditionEnv): LookalikeIndex {
  const contacted = env.contactedDomains ?? NO_CONTACTS;
  const tenantDomains = env.tenantDomains.join(',');
  const hit = trustedIndexes.get(contacted);
  if (hit && hit.tenantDomains === tenantDomains) return hit.index;
  const usual = [...contacted].filter(([, n]) => n >= LOOKALIKE_MIN_MESSAGES).map(([d]) => d);
  const index = new LookalikeIndex([...env.tenantDomains, ...usual]);
  trustedIndexes.set(contacted, { tenantDomains, index });
  return index;
}

/** Recipient domains that imitate the tenant's own or a usual partner's domain. */
export function lookalikeRecipients(facts: MessageFacts, env: ConditionEnv): Array<{ domain: string; like: string; reason: string }> {
  const contacted = env.contactedDomains ?? NO_CONTACTS;
  const usual = (d: string) => (contacted.get(d) ?? 0) >= LOOKALIKE_MIN_MESSAGES;
  const trusted = trustedIndex(env);
  const out: Array<{ domain: string; like: string; reason: string }> = [];
  for (const d of externalRecipientDomains(facts, env)) {
    if (usual(d)) continue; // a domain mailed often is a partner in its own right
    const l = trusted.match(d);
    if (l) out.push({ domain: d, like: l.candidate, reason: l.reason });
  }
  return out;
}

function checkLookalike(want: boolean, facts: MessageFacts, env: ConditionEnv): string | null {
  const found = lookalikeRecipients(facts, env);
  if (want !== found.length > 0) return null;
  return want ? `lookalikeDomain: ${found.map((f) => `${f.domain} ≈ ${f.like} (${f.reason})`).join(', ')}` : 'lookalikeDomain: none';
}

// ---------------------------------------------------------------- inbound verdicts

function checkSpamScore(atLeast: number, env: ConditionEnv): string | null {
  const s = env.spamScore;
  return s !== undefined && s !== null && s >= atLeast ? `spamScore ${s} (≥ ${atLeast})` : null;
}

/** SPF softfail counts as a failure here: a tenant that asks about SPF wants ~all caught too. */
export function authFailed(check: 'spf' | 'dkim' | 'dmarc', auth: AuthResults | undefined): boolean {
  const r = auth?.[check]?.toLowerCase();
  return check === 'spf' ? r === 'fail' || r === 'softfail' : r === 'fail';
}

function checkAuthFail(checks: Array<'spf' | 'dkim' | 'dmarc'>, env: ConditionEnv): string | null {
  const failed = checks.filter((c) => authFailed(c, env.auth));
  return failed.length > 0 ? `authFail: ${failed.join(', ')}` : null;
}

function checkVerdict(patterns: string[], env: ConditionEnv): string | null {
  for (const s of env.symbols ?? []) {
    const p = patterns.find((g) => matchFileName(g, s));
    if (p) return `verdict: ${s}`;
  }
  return null;
}
