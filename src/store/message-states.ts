// Every state a message row can be in (messages.state), for the commands and routes that filter by
// state: an unknown one is an error, not an empty list. The console's words for them live in
// console/src/words/states.ts (the same list).
export const MESSAGE_STATES = [
  'held',
  'awaiting_approval',
  'awaiting_confirmation',
  'held_for_sandbox',
  'queued',
  'delivering',
  'deferred',
  'delivered',
  'bounced',
  'discarded',
  'cancelled',
  'blocked',
  'rejected',
  'quarantined',
  'deleted',
] as const;

export type MessageState = (typeof MESSAGE_STATES)[number];
