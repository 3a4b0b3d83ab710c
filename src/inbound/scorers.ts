// The explicit list of scorers and virus scanners the inbound shield runs, and how their
// results combine. The built-in scorer always runs. When Rspamd answers, its score replaces the
// built-in content heuristics (HDR_*, BODY_*, MIME_*, HTML_*, GTUBE), and the built-in checks
// only Sekisho can do — tenant impersonation, look-alike domains, attachments, our own SPF/DKIM/
// DMARC verdict — are added on top. A daemon that is down or slow never loses mail: its result
// is replaced by a zero-score *_UNAVAILABLE symbol and the built-in verdict stands.
import type { Logger } from 'pino';
import { totalScore, type InboundAnalysis, type InboundOptions } from './spam/builtin.ts';
import { analyzeInboundOffLoop } from './spam/analyze-off-loop.ts';
import { RspamdScorer, type ScanInput } from './rspamd.ts';
import { ClamdScanner, type VirusScanner } from './clamd.ts';
import type { InboundSymbol, Scorer } from '../model/verdict.ts';

export interface ScannerSet {
  /** external scorers besides the built-in one, in order (today: Rspamd when configured) */
  scorers: Scorer[];
  scanners: VirusScanner[];
}

/** Builds the list from the configuration: rspamdUrl (SEKISHO_RSPAMD_URL), clamd (SEKISHO_CLAMD). */
export function scannersFromConfig(config: { rspamdUrl?: string; clamd?: string }): ScannerSet {
  const scorers: Scorer[] = [];
  const scanners: VirusScanner[] = [];
  if (config.rspamdUrl) scorers.push(new RspamdScorer({ url: config.rspamdUrl, timeoutMs: 10_000 }));
  if (config.clamd) scanners.push(new ClamdScanner({ address: config.clamd, timeoutMs: 15_000 }));
  return { scorers, scanners };
}

export const VIRUS_SCORE = 20;
const CONTENT_HEURISTIC = /^(HDR_|BODY_|MIME_|HTML_|GTUBE$)/;

export interface CombinedVerdict {
  score: number;
  symbols: InboundSymbol[];
  builtin: InboundAnalysis;
  /** scorer name → its own score (or 'unavailable') */
  scorers: Record<string, number | 'unavailable'>;
  viruses: string[];
}

export async function runScanners(input: ScanInput, set: ScannerSet, options: InboundOptions, logger?: Logger): Promise<CombinedVerdict> {
  const builtin = await analyzeInboundOffLoop(input, options);
  const scorers: CombinedVerdict['scorers'] = { builtin: builtin.score };
  let symbols: InboundSymbol[] = builtin.symbols;
  const external = await Promise.all(
    set.scorers.map(async (s) => {
      try {
        return { name: s.name, result: await s.score(input) };
      } catch (err) {
        logger?.warn({ err, scorer: s.name }, 'scorer unavailable; using the built-in verdict');
        return { name: s.name, result: null };
      }
    }),
  );
  const answered = external.filter((e) => e.result);
  if (answered.length > 0) symbols = symbols.filter((s) => !CONTENT_HEURISTIC.test(s.name));
  for (const e of external) {
    if (e.result) {
      scorers[e.name] = e.result.score;
      symbols = [...symbols, ...e.result.symbols];
    } else {
      scorers[e.name] = 'unavailable';
      symbols = [
        ...symbols,
        { name: `${e.name.toUpperCase()}_UNAVAILABLE`, score: 0, description: `${e.name} did not answer; built-in checks only` },
      ];
    }
  }
  const viruses: string[] = [];
  const raw = input.raw;
  for (const scanner of set.scanners) {
    try {
      const v = await scanner.scan(raw);
      if (!v.clean) {
        viruses.push(v.virus);
        symbols = [...symbols, { name: 'VIRUS_FOUND', score: VIRUS_SCORE, description: `${scanner.name} found malware`, detail: v.virus }];
      }
    } catch (err) {
      logger?.warn({ err, scanner: scanner.name }, 'virus scanner unavailable; delivering on the built-in analysis');
      symbols = [
        ...symbols,
        {
          name: `${scanner.name.toUpperCase()}_UNAVAILABLE`,
          score: 0,
          description: `${scanner.name} did not answer; not scanned for viruses`,
        },
      ];
    }
  }
  // Rspamd symbols carry their own scores, and rspamd's total may differ from their sum
  // (grouped limits); so the total is the kept built-in symbols plus each scorer's own total.
  const keptBuiltin = symbols.filter((s) => !s.name.startsWith('RSPAMD_'));
  const score = Math.round((totalScore(keptBuiltin) + answered.reduce((sum, e) => sum + e.result!.score, 0)) * 100) / 100;
  return { score, symbols: symbols.sort((a, b) => b.score - a.score), builtin, scorers, viruses };
}
