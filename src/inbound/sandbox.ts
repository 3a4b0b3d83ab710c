// The sandbox stage (its extension point: sandbox/sandbox-api.ts): an attachment is submitted, a
// ticket comes back, and the ticket is polled until a verdict is ready. The built-in static analysis
// here is the default implementation (its verdict is ready at once); an external service (a
// detonation sandbox) implements the same interface. Tickets are plain strings so a caller can store them with a
// held message and poll again later, after a restart; `analyzeWithSandbox` polls in-process
// with a deadline and answers 'timeout' so the caller can hold the message meanwhile.
import { analyzeAttachment, type AttachmentLimits } from './file-analysis/analyze-attachment.ts';
import { findingsToSymbols } from './file-analysis/attachment-symbols.ts';
import type { Sandbox, SandboxSubmission, SandboxTicket, SandboxVerdict } from './sandbox/sandbox-api.ts';

/** Score at or above which the built-in analysis calls a file malicious. */
export const BUILTIN_MALICIOUS_AT = 8;

/**
 * The default sandbox: the built-in static analysis. Verdicts are computed on submit and
 * kept until polled once (tickets are single use, so nothing accumulates).
 */
export class BuiltinSandbox implements Sandbox {
  readonly name = 'builtin';
  private readonly ready = new Map<SandboxTicket, SandboxVerdict>();
  private next = 0;

  constructor(private readonly limits: Partial<AttachmentLimits> = {}) {}

  async submit(attachment: SandboxSubmission): Promise<SandboxTicket> {
    const findings = analyzeAttachment(attachment.filename, attachment.content, this.limits);
    const symbols = findingsToSymbols(findings);
    const score = symbols.reduce((sum, s) => sum + s.score, 0);
    const ticket = `builtin-${++this.next}`;
    this.ready.set(ticket, { sandbox: this.name, filename: attachment.filename, malicious: score >= BUILTIN_MALICIOUS_AT, score, symbols });
    return ticket;
  }

  async poll(ticket: SandboxTicket): Promise<'pending' | SandboxVerdict> {
    const verdict = this.ready.get(ticket);
    if (!verdict) throw new Error(`unknown sandbox ticket ${ticket}`);
    this.ready.delete(ticket);
    return verdict;
  }
}

export interface SandboxWaitOptions {
  /** give up after this long; the caller holds the message and may poll the tickets later */
  timeoutMs: number;
  /** pause between polls of pending tickets (default 500 ms) */
  pollIntervalMs?: number;
}

export type SandboxOutcome =
  | { status: 'done'; verdicts: SandboxVerdict[] }
  | { status: 'timeout'; verdicts: SandboxVerdict[]; pending: Array<{ filename: string; ticket: SandboxTicket }> };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits every attachment and polls until all verdicts are in or `timeoutMs` passes.
 * On timeout the verdicts received so far and the tickets still pending are returned.
 * Submission or poll errors reject: an unreachable sandbox is for the caller to decide.
 */
export async function analyzeWithSandbox(
  sandbox: Sandbox,
  attachments: readonly SandboxSubmission[],
  options: SandboxWaitOptions,
): Promise<SandboxOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.pollIntervalMs ?? 500;
  let pending = await Promise.all(attachments.map(async (a) => ({ filename: a.filename, ticket: await sandbox.submit(a) })));
  const verdicts: SandboxVerdict[] = [];
  for (;;) {
    const still: typeof pending = [];
    for (const p of pending) {
      const answer = await sandbox.poll(p.ticket);
      if (answer === 'pending') still.push(p);
      else verdicts.push(answer);
    }
    pending = still;
    if (pending.length === 0) return { status: 'done', verdicts };
    const left = deadline - Date.now();
    if (left <= 0) return { status: 'timeout', verdicts, pending };
    await sleep(Math.min(interval, left));
  }
}
