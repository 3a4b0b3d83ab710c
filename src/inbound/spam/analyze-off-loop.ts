// Runs the built-in inbound analysis where it cannot hold the event loop. A small message with no
// attachment is analysed here (bounded: a few milliseconds at most); anything larger or with
// attachments goes to the analysis worker pool, whose attachment walk keeps to the message's
// budget. If the worker cannot finish (deadline, crash), the verdict carries
// ATTACH_INSPECTION_INCOMPLETE, which decide.ts turns into quarantine: never "no facts, so clean".
import { runAnalysisTask } from '../../analysis/pool.ts';
import { ATTACHMENT_SYMBOLS } from '../file-analysis/attachment-symbols.ts';
import { DEFAULT_BUDGET } from '../file-analysis/analyze-attachment.ts';
import type { AnalysisInput } from '../../model/verdict.ts';
import {
  analyzeInbound,
  DEFAULT_THRESHOLDS,
  RAW_SCAN_BYTES,
  suggestAction,
  totalScore,
  type InboundAnalysis,
  type InboundOptions,
} from './builtin.ts';
import { authSymbols } from './builtin-rules.ts';

declare module '../../analysis/pool.ts' {
  interface AnalysisTasks {
    /** analyzeInbound on a worker thread */
    analyzeInbound: (i: { input: AnalysisInput; options: InboundOptions }) => InboundAnalysis;
  }
}

/** Messages up to this size without attachments are analysed on the calling thread. */
export const INLINE_ANALYSIS_BYTES = 32 * 1024;

/** The worker's deadline for one message: twice its attachment budget, and five seconds for the rest. */
export function analysisDeadlineMs(options: InboundOptions): number {
  return 2 * (options.attachmentBudget ?? DEFAULT_BUDGET).maxMs + 5_000;
}

export async function analyzeInboundOffLoop(input: AnalysisInput, options: InboundOptions = {}): Promise<InboundAnalysis> {
  if (input.attachments.length === 0 && input.raw.byteLength <= INLINE_ANALYSIS_BYTES) return analyzeInbound(input, options);
  // The worker gets copies (the caller keeps its attachments for the sandbox and the store).
  const raw = new Uint8Array(input.raw.subarray(0, RAW_SCAN_BYTES));
  const attachments = input.attachments.map((a) => ({ ...a, content: new Uint8Array(a.content) }));
  const transfer = [raw.buffer as ArrayBuffer, ...attachments.map((a) => a.content.buffer as ArrayBuffer)];
  try {
    return await runAnalysisTask(
      'analyzeInbound',
      { input: { ...input, raw, attachments }, options },
      { deadlineMs: analysisDeadlineMs(options), transfer },
    );
  } catch (err) {
    return unfinished(input, options, err instanceof Error ? err.message : String(err));
  }
}

/** The verdict when the analysis could not finish: authentication only, and the fact that it stopped. */
function unfinished(input: AnalysisInput, options: InboundOptions, why: string): InboundAnalysis {
  const symbols = [
    {
      name: 'ATTACH_INSPECTION_INCOMPLETE',
      score: ATTACHMENT_SYMBOLS.ATTACH_INSPECTION_INCOMPLETE.score,
      description: 'The content analysis did not finish: the message was not fully inspected',
      detail: why,
    },
    ...authSymbols(input.auth, input.facts, input.tenant),
  ].sort((a, b) => b.score - a.score);
  const score = totalScore(symbols);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  return { score, symbols, attachmentFindings: [], phishing: { symbols: [], links: [] }, action: suggestAction(score, thresholds) };
}
