// Builds MessageFacts for policy tests without MIME: addresses as strings, envelope derived from
// To/Cc/Bcc unless given. Also a policy builder that goes through the real YAML loader.
import type { AttachmentFact, MessageFacts } from '../../src/model/facts.ts';
import { parsePolicy } from '../../src/policy/load.ts';
import type { Policy } from '../../src/policy/schema.ts';

export interface MessageSpec {
  from?: string;
  mailFrom?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  /** envelope recipients; default to + cc + bcc */
  recipients?: string[];
  subject?: string;
  text?: string;
  html?: string | null;
  attachments?: Array<Partial<AttachmentFact> & { filename: string }>;
  direction?: MessageFacts['direction'];
}

export function message(spec: MessageSpec = {}): MessageFacts {
  // "山田 太郎 <taro@acme.example>" gives a display name; a bare address has none
  const addr = (a: string) => {
    const named = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(a);
    return named ? { address: named[2]!.toLowerCase(), name: named[1]! } : { address: a.toLowerCase(), name: '' };
  };
  const from = addr(spec.from ?? 'taro@acme.example');
  const to = spec.to ?? ['bob@partner.example'];
  const cc = spec.cc ?? [];
  const bcc = spec.bcc ?? [];
  return {
    direction: spec.direction ?? 'outbound',
    mailFrom: (spec.mailFrom ?? from.address).toLowerCase(),
    recipients: (spec.recipients ?? [...to, ...cc, ...bcc]).map((r) => addr(r).address),
    from,
    sender: null,
    to: to.map(addr),
    cc: cc.map(addr),
    replyTo: [],
    subject: spec.subject ?? 'Hello',
    messageId: 'test@acme.example',
    text: spec.text ?? 'Body text.',
    html: spec.html ?? null,
    attachments: (spec.attachments ?? []).map((a) => ({
      contentType: 'application/octet-stream',
      size: 1000,
      inline: false,
      ...a,
    })),
    size: 2000,
    headers: [],
  };
}

/** Parses policy YAML through the real loader; throws with the loader's errors if invalid. */
export function policy(yaml: string): Policy {
  const r = parsePolicy(yaml);
  if (!r.ok) throw new Error(`test policy invalid:\n${r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n')}`);
  return r.policy;
}

/** A policy with one outbound rule: `when` and `then` given as YAML flow text. */
export function oneRule(when: string, then = '[ { subjectTag: { tag: "[HIT]" } } ]', extra = ''): Policy {
  return policy(`version: 1\noutbound:\n  rules:\n    - name: r\n      when: ${when}\n      then: ${then}\n${extra}`);
}

export const TENANT = { tenantDomains: ['acme.example'], contactedDomains: new Map<string, number>() };
