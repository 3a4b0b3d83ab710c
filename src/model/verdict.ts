// Common vocabulary of the inbound analysers: explainable symbols (name, score, why — like
// Rspamd's), the Scorer interface every spam scorer implements (built-in, Rspamd, …) and the
// input they all share. Plain data only, so verdicts can be stored in the audit trail as JSON.
import type { MessageFacts, ParsedAttachment } from './facts.ts';

/** One explainable reason that moved a score. Positive = suspicious, negative = reassuring. */
export interface Symbol {
  name: string;
  score: number;
  description: string;
  /** the specific evidence: a file name, a domain, a header value */
  detail?: string;
}

export interface StaffMember {
  name: string;
  email: string;
}

/** A well-known brand: names people see, and the domains that may legitimately use them. */
export interface BrandEntry {
  brand: string;
  /** display-name / subject keywords (matched case-insensitively, NFKC-normalised) */
  names: string[];
  /** sender domains allowed to use these names (subdomains included) */
  domains: string[];
}

export interface TenantContext {
  /** the tenant's own mail domains, lower-case */
  domains: string[];
  staff: StaffMember[];
  /** names (display names) of executives, impersonated most often (CEO fraud) */
  executives?: string[];
  /** extra brands the admin added to the built-in list */
  brands?: BrandEntry[];
}

/** Results of SPF/DKIM/DMARC/ARC verification done elsewhere (e.g. mailauth), fed in. */
export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

export interface AuthResults {
  spf?: AuthResult;
  dkim?: AuthResult;
  dmarc?: AuthResult;
  /** the published DMARC policy when dmarc failed */
  dmarcPolicy?: 'none' | 'quarantine' | 'reject';
  arc?: AuthResult;
}

export interface AnalysisInput {
  facts: MessageFacts;
  attachments: ParsedAttachment[];
  /** the raw message as received (for header-order checks and GTUBE in undecoded parts) */
  raw: Uint8Array;
  tenant: TenantContext;
  auth?: AuthResults;
}

export interface ScoreResult {
  score: number;
  symbols: Symbol[];
  /** the scorer's own suggestion (e.g. Rspamd's "reject"); policy thresholds decide */
  action?: string;
}

/** A spam scorer. Implementations are listed explicitly by the composition root. */
export interface Scorer {
  readonly name: string;
  score(input: AnalysisInput): Promise<ScoreResult>;
}

/** Alias for modules where the name `Symbol` would shadow the global. */
export type InboundSymbol = Symbol;

/** Verdict symbols that quarantine whatever the score or a rule says: the checks could not see everything. */
export const UNINSPECTED_SYMBOLS: readonly string[] = ['MIME_UNPARSEABLE', 'ATTACH_INSPECTION_INCOMPLETE'];

/** Why this verdict must not be delivered unseen ("MIME_UNPARSEABLE: …"), or null. */
export function uninspectedReason(symbols: readonly Symbol[]): string | null {
  const s = symbols.find((x) => UNINSPECTED_SYMBOLS.includes(x.name));
  return s ? `${s.name}: ${s.detail ?? s.description}` : null;
}
