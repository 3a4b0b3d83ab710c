// A message row keeps its facts without the body text and HTML, which the stored body holds
// already (see factsJson in store.ts). For the readers that need the facts the body gives:
// `bodyFacts` parses a row's stored body, `fullFacts` adds its text and HTML to the row's facts
// (rows written before that change still carry theirs).
import type { Message, Store, StoredFacts } from '../store/store.ts';
import type { MessageFacts } from '../model/facts.ts';
import { parseFacts } from './parse-facts.ts';

type StoredRow = Pick<Message, 'id' | 'facts' | 'mail_from' | 'recipients' | 'direction'>;

/** The facts of a row's stored body, or null when its body is gone (deleted, purged). */
export async function bodyFacts(store: Store, m: Omit<StoredRow, 'facts'>): Promise<MessageFacts | null> {
  const raw = await store.body(m.id);
  return raw ? parseFacts(raw, { mailFrom: m.mail_from, recipients: m.recipients }, m.direction) : null;
}

/** A row's facts with the body text and HTML, parsed from the stored body where the row has none. */
export async function fullFacts(store: Store, m: StoredRow): Promise<MessageFacts> {
  // read as whole facts, as accepted mail has them (system mail's may lack some: see StoredFacts)
  const stored = m.facts as Omit<MessageFacts, 'text' | 'html'> & Pick<StoredFacts, 'text' | 'html'>;
  if (typeof stored.text === 'string') return { ...stored, text: stored.text, html: stored.html ?? null };
  const parsed = await bodyFacts(store, m);
  return { ...stored, text: parsed?.text ?? '', html: parsed?.html ?? null };
}
