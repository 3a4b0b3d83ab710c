// Which inbound mail goes to the external sandbox (config sandbox.submit). `all-with-attachments`:
// every message with an attachment. `suspicious` (the default): only mail the other stages
// already flagged — a score at the tenant's tag threshold, a DMARC failure, a finding of the
// built-in attachment analysis (macros, PDF actions, executables, encrypted archives, …) — or
// that carries an archive, whose contents a detonation sees better than static analysis.
import { extname } from 'node:path';
import { ARCHIVE_EXTENSIONS, sniffFileKind } from '../file-analysis/file-type.ts';
import type { AuthResults, InboundSymbol } from '../../model/verdict.ts';

export type SandboxSubmitMode = 'suspicious' | 'all-with-attachments';

export interface SubmitFacts {
  score: number;
  /** the tenant's tag threshold (policy inbound.spam.tagAt) */
  tagAt: number;
  auth: AuthResults;
  symbols: readonly InboundSymbol[];
  attachments: ReadonlyArray<{ filename: string; content: Uint8Array }>;
}

const ARCHIVE_KINDS = new Set(['zip', 'rar', '7z', 'gzip', 'bzip2', 'xz', 'cab', 'iso']);
const OOXML = /\.(docx|docm|dotx|dotm|xlsx|xlsm|xltx|xltm|xlsb|pptx|pptm|ppsx|ppsm|potx|potm|odt|ods|odp|jar|apk|epub)$/i;

export function isArchive(a: { filename: string; content: Uint8Array }): boolean {
  if (ARCHIVE_EXTENSIONS.has(extname(a.filename).slice(1).toLowerCase())) return true;
  const kind = sniffFileKind(a.content);
  return ARCHIVE_KINDS.has(kind) && !(kind === 'zip' && OOXML.test(a.filename));
}

/** The reason to submit, or null to leave the message to the built-in analysis alone. */
export function submitReason(mode: SandboxSubmitMode, f: SubmitFacts): string | null {
  if (f.attachments.length === 0) return null;
  if (mode === 'all-with-attachments') return 'attachments';
  if (f.score >= f.tagAt) return `score ${f.score}`;
  if (f.auth.dmarc === 'fail') return 'dmarc fail';
  const finding = f.symbols.find((s) => s.name.startsWith('ATTACH_') && s.score > 0);
  if (finding) return finding.name;
  const archive = f.attachments.find(isArchive);
  return archive ? `archive ${archive.filename}` : null;
}
