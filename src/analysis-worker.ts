// The analysis worker thread's entry (see src/analysis/pool.ts): the tasks it runs, each a pure
// function of plain data in, plain data out, of the type its caller declares (AnalysisTasks).
// Attachment bytes travel as transferred buffers both ways.
import { serveTasks } from './util/worker-pool.ts';
import type { AnalysisTasks } from './analysis/pool.ts';
import { parseHere, type Envelope, type ParsedMessage } from './mime/parse-facts.ts';
import type { MessageFacts } from './model/facts.ts';
import { viewHere, type MessageView } from './mime/message-view.ts';
import type { RuleMatch } from './policy/evaluate.ts';
import { analyzeInbound, type InboundAnalysis, type InboundOptions } from './inbound/spam/builtin.ts';
import type { AnalysisInput } from './model/verdict.ts';
import { isMainThread } from 'node:worker_threads';
import { applyPatches } from './patches/index.ts';
import { inspectAttachmentTexts, type InspectedFile, type InspectionBudget } from './analysis/attachment-text.ts';
import type { ContentInspection } from './policy/content-inspection.ts';

export const analysisTasks = {
  parse: (i: { raw: Uint8Array; envelope: Envelope; direction: MessageFacts['direction'] }): Promise<ParsedMessage> =>
    parseHere(i.raw, i.envelope, i.direction),
  view: (i: {
    raw: Uint8Array;
    envelope: Envelope;
    direction: MessageFacts['direction'];
    matchedRules: RuleMatch[];
  }): Promise<MessageView> => viewHere(i.raw, i.envelope, i.direction, i.matchedRules),
  analyzeInbound: (i: { input: AnalysisInput; options: InboundOptions }): InboundAnalysis => analyzeInbound(i.input, i.options),
  inspectAttachments: (i: { files: InspectedFile[]; budget: InspectionBudget; patterns: string[] }): Promise<ContentInspection> =>
    inspectAttachmentTexts(i.files, i.budget, i.patterns),
} satisfies AnalysisTasks;

if (!isMainThread) {
  applyPatches();
  serveTasks(analysisTasks);
}
