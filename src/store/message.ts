// A message as the store hands it out: its row decoded once, here, into typed data: the state
// (the closed MessageState union), the envelope recipients as an array, the stored facts and the
// plan (through decodePlan). Every reader gets this shape; none parses a JSON column again. The
// decoder is tolerant of every row ever written: a column that does not decode reads as empty.
import type { MessagePlan } from '../plan/plan.ts';
import type { MessageFacts } from '../model/facts.ts';
import type { MessageRow } from './schema/dialect.ts';
import { decodePlan } from './message-plan.ts';

/**
 * The facts kept in messages.facts: MessageFacts without the body text and HTML, which the stored
 * body holds (mime/stored-facts.ts parses them from it when needed). Partial: facts of system mail
 * may be. Rows written before the text moved out still carry `text` and `html`, read only by
 * mime/stored-facts.ts.
 */
export type StoredFacts = Partial<Omit<MessageFacts, 'text' | 'html'>> & { readonly text?: string; readonly html?: string | null };

export interface Message extends Omit<MessageRow, 'recipients' | 'facts' | 'plan'> {
  /** envelope recipients, in the order given */
  recipients: string[];
  facts: StoredFacts;
  /** the processing plan, one typed section per area ({} when there is none) */
  plan: MessagePlan;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The envelope recipients column: the addresses (strings) of its JSON array; anything else reads as none. */
export function decodeRecipients(text: string): string[] {
  const raw = parseJson(text);
  return Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : [];
}

/** The facts column: its JSON object as written; anything else reads as no facts. */
export function decodeFacts(text: string): StoredFacts {
  const raw = parseJson(text);
  return isObject(raw) ? (raw as StoredFacts) : {};
}

/**
 * The facts are decoded when first read, once: they are the largest column (every header line)
 * and most readers (the delivery worker, lists, the lease) never look at them.
 */
export function decodeMessage(row: MessageRow): Message {
  const { facts: factsJson, ...rest } = row;
  let facts: StoredFacts | undefined;
  return {
    ...rest,
    recipients: decodeRecipients(row.recipients),
    get facts() {
      facts ??= decodeFacts(factsJson);
      return facts;
    },
    plan: decodePlan(row),
  };
}
