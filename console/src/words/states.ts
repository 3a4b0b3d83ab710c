// States and names the server sends as codes, in words: message states (inbound delivered mail is
// 配送済み, outbound 送信済み), roles, languages, special rule names.
import type { paths } from '../api-types.ts';
import type { Translator } from '../i18n.ts';
export { roleLabel, ruleLabel } from '../../../src/audit/event-words.ts';

/** A message state as the server names it (the closed union of src/store/schema/message-state.ts). */
export type MessageState = NonNullable<NonNullable<paths['/api/messages']['get']['parameters']['query']>['state']>;

/** Every state, in the order a person looks for them; the type check keeps it to real states. */
export const MESSAGE_STATES: readonly MessageState[] = [
  'held',
  'awaiting_approval',
  'awaiting_confirmation',
  'held_for_sandbox',
  'queued',
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

export function stateLabel(t: Translator, state: string, direction?: string): string {
  return (direction === 'inbound' ? t.maybe(`state.inbound.${state}`) : undefined) ?? t.maybe(`state.${state}`) ?? t('state.unknown');
}

/** Where a message is after an action, and what happens next (never "sent" for mail not on its way). */
export function outcomeText(t: Translator, state: MessageState): string {
  return t.maybe(`outcome.${state}`) ?? stateLabel(t, state);
}

export function languageLabel(t: Translator, lang: string): string {
  return t.maybe(`language.${lang}`) ?? lang;
}

/** How a tenant is named on screen: its display name once the server has one, else its name. */
export function tenantLabel(tenant: { name: string; displayName?: string | null }): string {
  return tenant.displayName || tenant.name;
}
