// Reads the text inside an outbound message's attachments for the DLP conditions, in the analysis
// worker pool (analysis/attachment-text.ts) within the message's work budget. Used at acceptance
// (decide.ts) and by `sekisho policy test` (policy-replay.ts), so a draft is judged on the same text.
import type { MessageFacts, ParsedAttachment } from '../model/facts.ts';
import { realAttachments } from '../policy/conditions.ts';
import type { InspectedFile, InspectionBudget } from '../analysis/attachment-text.ts';
import type { ContentInspection } from '../policy/content-inspection.ts';
import { runAnalysisTask } from '../analysis/pool.ts';

declare module '../analysis/pool.ts' {
  interface AnalysisTasks {
    /** inspectAttachmentTexts on a worker thread */
    inspectAttachments: (i: { files: InspectedFile[]; budget: InspectionBudget; patterns: string[] }) => Promise<ContentInspection>;
  }
}

/** Past the time budget, pdf.js inside one page is not interruptible: the pool stops it this much later. */
const INSPECTION_GRACE_MS = 5_000;

/**
 * The text inside the message's real attachments (undefined when it has none). A worker stopped
 * at its deadline or failing leaves nothing read, and `incomplete` says so.
 */
export async function inspectAttachments(
  facts: MessageFacts,
  attachments: () => Promise<ParsedAttachment[]>,
  budget: InspectionBudget,
  patterns: string[],
): Promise<ContentInspection | undefined> {
  const real = new Set(realAttachments(facts));
  if (real.size === 0) return undefined;
  // The facts and the parsed parts are the same objects unless they crossed a thread separately.
  const files = (await attachments())
    .filter((a) => real.has(a.fact) || !facts.attachments.includes(a.fact))
    .map((a) => ({ name: a.fact.filename, contentType: a.fact.contentType, content: a.content }));
  try {
    return await runAnalysisTask('inspectAttachments', { files, budget, patterns }, { deadlineMs: budget.maxMs + INSPECTION_GRACE_MS });
  } catch (err) {
    return { texts: [], encryptedArchives: [], incomplete: `inspection stopped: ${err instanceof Error ? err.message : String(err)}` };
  }
}
