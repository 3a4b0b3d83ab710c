// 送信確認 as a real mis-sending check, once for the /c/ page and the console: the sheet the sender
// ticks — every envelope recipient under To, Cc or Bcc, marked 社外 (outside the tenant's internal
// domains: its own and the policy's partner/group ones) with its domain and 初めての宛先 (a domain
// never mailed before this mail was accepted) — and the one check that refuses a confirmation
// unless every recipient that needs a tick and every attachment was ticked. A `confirm` with
// `applyTo: external` needs ticks on the external recipients only; internal ones are listed, marked 社内.
import type { Message, Store } from '../store/store.ts';
import type { MessageView, ViewAttachment } from '../mime/message-view.ts';
import { isExternal } from '../policy/conditions.ts';
import { asciiDomainOf, domainOf } from '../util/address.ts';
import type { OutboundState } from '../plan/outbound.ts';

export type RecipientField = 'to' | 'cc' | 'bcc';

export interface SheetRecipient {
  address: string;
  /** where the mail names it: To or Cc header, else only the envelope (Bcc) */
  field: RecipientField;
  /** the domain part, as written */
  domain: string;
  /** outside the tenant's own domains (社外) */
  external: boolean;
  /** external and never mailed by the tenant before this mail (初めての宛先) */
  firstContact: boolean;
  /** the sender must tick it: every recipient, or (applyTo: external) the external ones */
  needsTick: boolean;
}

export interface ConfirmationSheet {
  /** whose ticks the confirmation asks for: every recipient's, or only the external ones' */
  applyTo: 'all' | 'external';
  recipients: SheetRecipient[];
  attachments: ViewAttachment[];
}

/** What the sender ticked: recipient addresses and attachment indexes (MessageView numbering). */
export interface Ticks {
  recipients: readonly string[];
  attachments: readonly number[];
}

/** The sheet for message `m` with its decoded view (null when the body is gone: no attachments to tick). */
export async function confirmationSheet(
  store: Store,
  m: Pick<Message, 'tenant_id' | 'recipients'>,
  state: OutboundState | null,
  view: MessageView | null,
): Promise<ConfirmationSheet> {
  // The plan's internal domains (own + partner/group ones) when it has them: 社外 as the policy saw it.
  const tenantDomains = state?.plan.internalDomains ?? (await store.tenantDomains(m.tenant_id)).map((d) => d.domain);
  const envelope = m.recipients;
  const stage = state?.stages[state.stage];
  const applyTo = stage?.type === 'confirm' && stage.applyTo === 'external' ? 'external' : 'all';
  const fresh = new Set(state?.firstContactDomains ?? (await firstContactFallback(store, m.tenant_id, envelope, tenantDomains)));
  const inHeader = (list: MessageView['to'] | undefined, r: string) =>
    (list ?? []).some((a) => a.address.toLowerCase() === r.toLowerCase());
  const recipients = envelope.map((address): SheetRecipient => {
    const external = isExternal(address, tenantDomains);
    const field: RecipientField = inHeader(view?.to, address) ? 'to' : inHeader(view?.cc, address) ? 'cc' : 'bcc';
    const domain = domainOf(address);
    const firstContact = external && fresh.has(asciiDomainOf(address));
    return { address, field, domain, external, firstContact, needsTick: applyTo === 'all' || external };
  });
  return { applyTo, recipients, attachments: view?.attachments ?? [] };
}

/**
 * Mail accepted before the sheet existed carries no firstContactDomains: its own acceptance
 * already counted once, so a domain counted at most once was new to the tenant then.
 */
async function firstContactFallback(store: Store, tenantId: string, envelope: string[], tenantDomains: string[]): Promise<string[]> {
  const domains = [...new Set(envelope.filter((r) => isExternal(r, tenantDomains)).map(asciiDomainOf))];
  if (domains.length === 0) return [];
  const rows = await store.db
    .selectFrom('contacts')
    .select(['domain', 'count'])
    .where('tenant_id', '=', tenantId)
    .where('domain', 'in', domains)
    .execute();
  const counts = new Map(rows.map((r) => [r.domain, Number(r.count)]));
  return domains.filter((d) => (counts.get(d) ?? 0) <= 1);
}

/** What is not ticked yet of what needs a tick; both empty means the confirmation may go ahead. */
export function untickedOf(sheet: ConfirmationSheet, ticks: Ticks): { recipients: string[]; attachments: number[] } {
  const r = new Set(ticks.recipients.map((a) => a.toLowerCase()));
  const f = new Set(ticks.attachments);
  return {
    recipients: sheet.recipients.filter((x) => x.needsTick && !r.has(x.address.toLowerCase())).map((x) => x.address),
    attachments: sheet.attachments.filter((a) => !f.has(a.index)).map((a) => a.index),
  };
}
