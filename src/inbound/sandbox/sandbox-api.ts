// The sandbox stage's extension point (used by src/inbound/sandbox.ts and sandbox-hold.ts): an
// attachment is submitted, a ticket comes back, and the ticket is polled until a verdict is ready.
// The built-in analysis and the external connectors of this directory implement Sandbox.
import type { InboundSymbol } from '../../model/verdict.ts';
import type { SandboxSubmitMode } from './select.ts';

export interface SandboxSubmission {
  filename: string;
  content: Uint8Array;
  contentType?: string;
}

export interface SandboxVerdict {
  /** which sandbox decided */
  sandbox: string;
  filename: string;
  /** the sandbox's own judgement; the score is what the spam scale adds */
  malicious: boolean;
  score: number;
  symbols: InboundSymbol[];
}

export type SandboxTicket = string;

export interface Sandbox {
  readonly name: string;
  submit(attachment: SandboxSubmission): Promise<SandboxTicket>;
  /** 'pending' until the verdict is ready; an unknown or expired ticket rejects */
  poll(ticket: SandboxTicket): Promise<'pending' | SandboxVerdict>;
}

export interface SandboxOptions {
  sandbox: Sandbox;
  /** which mail is submitted (sandbox/select.ts); default every message with attachments */
  submit?: SandboxSubmitMode;
  /** wait this long at acceptance before holding the message (default 5 s) */
  waitMs?: number;
  /** re-poll held messages this often (default 60 s) */
  repollMs?: number;
  /** quarantine when no verdict came this long after acceptance (default 1 h) */
  giveUpMs?: number;
}
