// The ids of messages in a final state (message-state.ts), as a subquery for an area whose own
// rows wait for their message to finish (the ZIP password mail waits for its ZIP mail).
import type { Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import { FINAL_MESSAGE_STATES } from './schema/message-state.ts';

export function finalMessageIds(db: Kysely<DB>) {
  return db.selectFrom('messages').select('id').where('state', 'in', FINAL_MESSAGE_STATES);
}
