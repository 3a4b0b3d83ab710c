// The outbound policy's rewrites just before delivery, in plan order: subject tags (subjectTagEdit,
// charset kept), forced BCC (toBccEdit: To/Cc leave the headers, the envelope is unchanged),
// and addBcc; with the bcc's `applyTo: external`, internal recipients get their own copy that keeps
// To/Cc. Envelope recipients are fixed at accept time, so addBcc's addresses are added to
// the message's recipient rows on the first delivery attempt (each then has its own result,
// retries and audit line like any recipient) and ride in the same copy; they appear in no header.
import type { Message, Store } from '../store/store.ts';
import type { DeliveryPreparer, PreparedCopy } from '../pipeline/pipeline.ts';
import { rewriteHeadersInTurns, subjectTagEdit, toBccEdit } from '../mime/rewrite/index.ts';
import { outboundStateOf } from './outbound-state.ts';
import { splitByApplyTo } from '../policy/conditions.ts';
import type { PlannedAction } from '../policy/evaluate.ts';

export function createPreparer(store: Store): DeliveryPreparer {
  return async (message: Message, raw: Buffer, recipients: string[]): Promise<PreparedCopy[] | null> => {
    if (message.direction !== 'outbound') return null;
    const { state } = outboundStateOf(message);
    if (!state) return null;
    let out = raw;
    let changed = false;
    let bcc: BccAction | undefined;
    const extra: string[] = [];
    for (const a of state.plan.actions) {
      if (a.type === 'subjectTag') {
        out = await rewriteHeadersInTurns(out, subjectTagEdit(a.tag));
        changed = true;
      } else if (a.type === 'bcc') {
        bcc = a;
      } else if (a.type === 'addBcc') {
        extra.push(...a.to.map((t) => t.toLowerCase()));
      }
    }
    const added = extra.length > 0 ? await addRecipients(store, message, [...new Set(extra)]) : [];
    if (!changed && !bcc && added.length === 0) return null;
    const everyone = [...recipients, ...added.filter((a) => !recipients.includes(a))];
    if (!bcc) return [{ recipients: everyone, raw: out }];
    // applyTo: external — internal recipients keep To/Cc; each recipient is in exactly one copy.
    const { apply, keep } = splitByApplyTo(bcc.applyTo, everyone, state.plan.internalDomains ?? []);
    const copies: PreparedCopy[] = [];
    if (keep.length > 0) copies.push({ recipients: keep, raw: out });
    if (apply.length > 0) copies.push({ recipients: apply, raw: await rewriteHeadersInTurns(out, toBccEdit) });
    return copies;
  };
}

type BccAction = Extract<PlannedAction, { type: 'bcc' }>;

/** Adds the addBcc addresses as recipients once; returns those newly added (to send now). */
async function addRecipients(store: Store, message: Message, addresses: string[]): Promise<string[]> {
  const existing = new Set((await store.recipients(message.id)).map((r) => r.address));
  const fresh = addresses.filter((a) => !existing.has(a));
  if (fresh.length === 0) return [];
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('recipients')
      .values(
        fresh.map((address) => ({
          message_id: message.id,
          address,
          state: 'pending' as const,
          attempts: 0,
          last_response: null,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx
      .insertInto('events')
      .values({
        tenant_id: message.tenant_id,
        message_id: message.id,
        at: now,
        actor: 'policy',
        type: 'addBcc.added',
        data: JSON.stringify({ recipients: fresh }),
      })
      .execute();
  });
  return fresh;
}
