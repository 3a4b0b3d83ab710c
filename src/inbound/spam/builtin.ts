// The built-in spam scorer, which needs no other service: header and body heuristics, the
// phishing/impersonation checks, the attachment analysis and any SPF/DKIM/DMARC results fed
// in, summed into one explainable score. `analyzeInbound` is the one call the inbound path
// makes; `BuiltinScorer` is the same thing behind the Scorer interface, next to Rspamd's.
import {
  analyzeAttachments,
  type AnalysisBudget,
  type AttachmentFinding,
  type AttachmentLimits,
} from '../file-analysis/analyze-attachment.ts';
import { detectPhishing, type PhishingReport } from '../phishing/detect-phishing.ts';
import { findingsToSymbols } from '../file-analysis/attachment-symbols.ts';
import type { AnalysisInput, InboundSymbol, Scorer, ScoreResult } from '../../model/verdict.ts';
import { authSymbols, bodySymbols, headerSymbols } from './builtin-rules.ts';

/** Sum of symbol scores, rounded to 2 decimals so verdicts are stable in logs and tests. */
export function totalScore(symbols: readonly InboundSymbol[]): number {
  return Math.round(symbols.reduce((sum, s) => sum + s.score, 0) * 100) / 100;
}

export interface Thresholds {
  /** add the spam tag at or above this score (policy `inbound.spam.tagAt`) */
  tagAt: number;
  /** quarantine at or above (policy `inbound.spam.quarantineAt`) */
  quarantineAt: number;
  /** suggest rejecting at SMTP time at or above */
  rejectAt: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { tagAt: 4, quarantineAt: 8, rejectAt: 15 };

export interface InboundOptions {
  thresholds?: Partial<Thresholds>;
  attachmentLimits?: Partial<AttachmentLimits>;
  /** what all attachments of one message may cost together (bytes inflated, milliseconds) */
  attachmentBudget?: AnalysisBudget;
  /** skip the attachment stage, e.g. when an external sandbox decides on attachments */
  skipAttachments?: boolean;
}

export interface InboundAnalysis {
  score: number;
  /** every symbol, highest score first */
  symbols: InboundSymbol[];
  attachmentFindings: AttachmentFinding[];
  phishing: PhishingReport;
  /** suggestion from the thresholds; the tenant's policy makes the decision */
  action: 'deliver' | 'tag' | 'quarantine' | 'reject';
}

/** Bytes of the raw message scanned for GTUBE and MIME structure (headers + early body). */
export const RAW_SCAN_BYTES = 512 * 1024;

export function suggestAction(score: number, thresholds: Thresholds): InboundAnalysis['action'] {
  if (score >= thresholds.rejectAt) return 'reject';
  if (score >= thresholds.quarantineAt) return 'quarantine';
  if (score >= thresholds.tagAt) return 'tag';
  return 'deliver';
}

/** All built-in checks on one message. Pure and synchronous; no network. */
export function analyzeInbound(input: AnalysisInput, options: InboundOptions = {}): InboundAnalysis {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const { facts } = input;
  const rawText = Buffer.from(input.raw.buffer, input.raw.byteOffset, Math.min(input.raw.byteLength, RAW_SCAN_BYTES)).toString('latin1');
  const phishing = detectPhishing(facts, input.tenant);
  const hosts = new Set(phishing.links.map((l) => l.host).filter(Boolean));
  const attachmentFindings = options.skipAttachments
    ? []
    : analyzeAttachments(
        input.attachments.map((a) => ({ filename: a.fact.filename, content: a.content })),
        options.attachmentLimits,
        options.attachmentBudget,
      ).findings;
  const symbols = [
    ...headerSymbols(facts),
    ...bodySymbols(facts, rawText, input.attachments.length, hosts.size),
    ...authSymbols(input.auth, facts, input.tenant),
    ...phishing.symbols,
    ...findingsToSymbols(attachmentFindings),
  ].sort((a, b) => b.score - a.score);
  const score = totalScore(symbols);
  return { score, symbols, attachmentFindings, phishing, action: suggestAction(score, thresholds) };
}

export class BuiltinScorer implements Scorer {
  readonly name = 'builtin';
  constructor(private readonly options: InboundOptions = {}) {}

  async score(input: AnalysisInput): Promise<ScoreResult> {
    const { score, symbols, action } = analyzeInbound(input, this.options);
    return { score, symbols, action };
  }
}
