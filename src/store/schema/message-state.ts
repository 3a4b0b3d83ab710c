// The states a message row can be in, in one closed union, and which of them are final (nothing
// more happens to the mail: no worker, person or sweep moves it on). Every list of "final states"
// in the code is FINAL_MESSAGE_STATES, so a new state cannot be left out of one of them again
// (deleted mail was once counted in the queue depth and kept a ZIP password mail pending forever).

/** The final states: nothing more happens to the mail. */
export const FINAL_MESSAGE_STATES = ['delivered', 'bounced', 'discarded', 'cancelled', 'blocked', 'rejected', 'deleted'] as const;

export const MESSAGE_STATES = [
  // waiting for a worker
  'queued',
  'deferred',
  // waiting for a person or an outside check
  'held',
  'awaiting_confirmation',
  'awaiting_approval',
  'quarantined',
  'held_for_sandbox',
  ...FINAL_MESSAGE_STATES,
] as const;

export type MessageState = (typeof MESSAGE_STATES)[number];
export type FinalMessageState = (typeof FINAL_MESSAGE_STATES)[number];

/** The states outbound mail waits in for a person (the stages hold, confirm and approve). */
export const STAGE_WAIT_STATES = ['held', 'awaiting_confirmation', 'awaiting_approval'] as const satisfies readonly MessageState[];
export type StageWaitState = (typeof STAGE_WAIT_STATES)[number];

export function isFinalState(state: MessageState): state is FinalMessageState {
  return (FINAL_MESSAGE_STATES as readonly MessageState[]).includes(state);
}

/** A state named by a person (CLI option, API query): the state, or null when there is none of that name. */
export function parseMessageState(value: string): MessageState | null {
  return (MESSAGE_STATES as readonly string[]).includes(value) ? (value as MessageState) : null;
}
