// Facts as kept in a message's row: everything except the body text and HTML, which the stored
// body holds already (keeping them twice doubled the bytes written per message, and their JSON
// escaping was a fifth of the acceptance's CPU). `fullFacts` parses them back from the body for
// the few readers that look at the text; rows written before this change still carry theirs.
import type { MessageRow, Store } from '../store/store.ts';
import type { MessageFacts } from './facts.ts';
import { parseFacts } from './parse-facts.ts';

/** The JSON stored in messages.facts (facts of system mail may be partial). */
export function factsForStorage(facts: unknown): string {
  if (facts === null || typeof facts !== 'object') return JSON.stringify(facts ?? {});
  const { text: _text, html: _html, ...rest } = facts as Partial<MessageFacts>;
  return JSON.stringify(rest);
}

/** A row's facts with the body text and HTML, parsed from the stored body where the row has none. */
export async function fullFacts(store: Store, m: Pick<MessageRow, 'id' | 'facts' | 'mail_from' | 'recipients' | 'direction'>): Promise<MessageFacts> {
  const stored = JSON.parse(m.facts) as Omit<MessageFacts, 'text' | 'html'> & Partial<Pick<MessageFacts, 'text' | 'html'>>;
  if (typeof stored.text === 'string') return { ...stored, text: stored.text, html: stored.html ?? null };
  const raw = await store.body(m.id);
  const parsed = raw ? await parseFacts(raw, { mailFrom: m.mail_from, recipients: JSON.parse(m.recipients) as string[] }, m.direction === 'inbound' ? 'inbound' : 'outbound') : null;
  return { ...stored, text: parsed?.text ?? '', html: parsed?.html ?? null };
}
