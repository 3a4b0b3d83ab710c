// The one way a feature outside the queue worker takes a message for itself: a short lease
// (locked_by/locked_until) on the row, granted only while the message is in a state the feature
// acts on and no live lease holds it. The holder then writes with store.transition (which checks
// the lease) and ends the lease when done; a crashed holder's lease simply expires. Refusals say
// why (gone, in another state, busy) so each feature can answer in its own words.
import type { Kysely } from 'kysely';
import type { MessagePlan } from '../plan/plan.ts';
import type { DB } from './schema/schema.ts';
import type { Message, Store } from './store.ts';
import type { MessageState } from './schema/message-state.ts';
import { newToken } from '../util/id.ts';
import { scopedTenant, type TenantScope } from './tenant-scope.ts';

/** Long enough for an action's writes, short enough that a crashed holder does not block for long. */
export const ACTION_LEASE_MS = 30_000;

export type LeaseRefusal = { refused: 'not_found' } | { refused: 'wrong_state'; state: MessageState } | { refused: 'busy' };
export type Lease = { m: Message; holder: string };

export interface LeaseRequest {
  /** names the holder in locked_by, e.g. "action" or "quarantine" */
  purpose: string;
  /** the states the feature acts on */
  states: readonly MessageState[];
  /** whose messages the feature may take: a message outside the scope counts as not found */
  scope: TenantScope;
  leaseMs?: number;
}

/** Takes the message's lease, or says why it cannot. */
export async function leaseMessage(store: Store, id: string, req: LeaseRequest): Promise<Lease | LeaseRefusal> {
  const holder = `${req.purpose}:${newToken(9)}`;
  const now = Date.now();
  let q = store.db
    .updateTable('messages')
    .set({ locked_by: holder, locked_until: now + (req.leaseMs ?? ACTION_LEASE_MS) })
    .where('id', '=', id)
    .where('state', 'in', [...req.states])
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
  const tenantId = scopedTenant(req.scope);
  if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
  const r = await q.executeTakeFirst();
  const m = await store.message(id, req.scope);
  if (!m) return { refused: 'not_found' };
  if (Number(r.numUpdatedRows) === 1) return { m, holder };
  if (!req.states.includes(m.state)) return { refused: 'wrong_state', state: m.state };
  return { refused: 'busy' };
}

/** Ends a lease taken with leaseMessage; a no-op when it has already ended or passed to another. */
export async function endLease(store: Store, id: string, holder: string): Promise<void> {
  await store.db
    .updateTable('messages')
    .set({ locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .execute();
}

/**
 * Changes a message's due time (and state) only if it is still in the state the caller saw and
 * no live lease holds it — for operator commands on the queue (retry now, hold, delete) that
 * need no lease of their own. Ends any stale lease so its holder can no longer write a result.
 */
export async function setIfUnleased(
  store: Store,
  id: string,
  state: MessageState,
  set: { due_at: number | null; state?: MessageState },
  now = Date.now(),
): Promise<boolean> {
  const r = await store.db
    .updateTable('messages')
    .set({ ...set, updated_at: now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('state', '=', state)
    .where((eb) => eb.or([eb('locked_by', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Replaces the plan of a message the caller holds the lease on, in `db` (a transaction's, to
 * commit it with other writes), keeping the lease; false when the lease has passed to another.
 */
export async function setPlanUnderLease(db: Kysely<DB>, id: string, holder: string, plan: MessagePlan, now = Date.now()): Promise<boolean> {
  const r = await db
    .updateTable('messages')
    .set({ plan: JSON.stringify(plan), updated_at: now })
    .where('id', '=', id)
    .where('locked_by', '=', holder)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
