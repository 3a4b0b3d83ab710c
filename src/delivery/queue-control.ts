// Queue control for operators, shared by the CLI and the console API: list with filters, retry
// now, delete. Every change is one guarded UPDATE (never touches a message a node is delivering
// right now) plus an audit event naming the actor. Deleting keeps the body and the audit trail:
// only the state changes, so "what happened to this mail" can still be answered.
import { setIfUnleased } from '../store/message-lease.ts';
import type { MessageState } from '../store/schema/message-state.ts';
import type { Store, Message } from '../store/store.ts';
import type { TenantScope } from '../store/tenant-scope.ts';

export interface QueueFilter {
  state?: MessageState;
  direction?: 'outbound' | 'inbound';
  /** created at or after (ms since epoch) */
  since?: number;
  /** an envelope recipient (exact, case-insensitive) */
  recipient?: string;
  limit?: number;
}

/** States in which a message is still waiting for delivery and may be retried or deleted. */
export const RETRYABLE_STATES = ['deferred', 'queued'] as const;
/** States an operator may delete from: waiting for delivery, or parked by policy. */
export const DELETABLE_STATES: readonly MessageState[] = ['queued', 'deferred', 'held', 'awaiting_approval', 'quarantined'];

export function listQueue(store: Store, scope: TenantScope, filter: QueueFilter): Promise<Message[]> {
  return store.listMessages({ ...filter, scope });
}

export interface RetryTarget {
  /** one message… */
  id?: string;
  /** …or every deferred message (of the scope) */
  allDeferred?: boolean;
}

export interface ControlResult {
  /** ids changed */
  changed: string[];
  /** ids left alone, with why */
  skipped: Array<{ id: string; reason: string }>;
}

/** Makes waiting messages due now and wakes nothing: the next poll (or a wake) picks them up. */
export async function retryNow(store: Store, scope: TenantScope, target: RetryTarget, actor: string): Promise<ControlResult> {
  const candidates = await candidatesFor(store, scope, target);
  const result: ControlResult = { changed: [], skipped: [] };
  const now = Date.now();
  for (const m of candidates) {
    if (!(RETRYABLE_STATES as readonly string[]).includes(m.state)) {
      result.skipped.push({ id: m.id, reason: `state is ${m.state}` });
      continue;
    }
    const changed = await setIfUnleased(store, m.id, m.state, { due_at: now }, now);
    if (!changed) {
      result.skipped.push({ id: m.id, reason: 'being delivered right now' });
      continue;
    }
    await store.appendEvent({ tenantId: m.tenant_id, messageId: m.id, actor, type: 'retry.requested', data: { previousDueAt: m.due_at } });
    result.changed.push(m.id);
  }
  return result;
}

/**
 * Removes a message from the queue: state 'deleted', no longer due. The body stays (retention
 * removes it later with the rest), pending recipients stay pending so the record shows they
 * were never delivered.
 */
export async function deleteMessage(
  store: Store,
  scope: TenantScope,
  target: { id: string; reason?: string },
  actor: string,
): Promise<ControlResult> {
  const m = await store.message(target.id, scope);
  if (!m) return { changed: [], skipped: [{ id: target.id, reason: 'no such message' }] };
  if (!DELETABLE_STATES.includes(m.state)) return { changed: [], skipped: [{ id: m.id, reason: `state is ${m.state}` }] };
  const changed = await setIfUnleased(store, m.id, m.state, { state: 'deleted', due_at: null });
  if (!changed) return { changed: [], skipped: [{ id: m.id, reason: 'being delivered right now' }] };
  await store.appendEvent({
    tenantId: m.tenant_id,
    messageId: m.id,
    actor,
    type: 'deleted',
    data: { previousState: m.state, ...(target.reason ? { reason: target.reason } : {}) },
  });
  return { changed: [m.id], skipped: [] };
}

async function candidatesFor(store: Store, scope: TenantScope, target: RetryTarget): Promise<Message[]> {
  if (target.id) {
    const m = await store.message(target.id, scope);
    return m ? [m] : [];
  }
  if (!target.allDeferred) return [];
  return store.listMessages({ state: 'deferred', scope, limit: 'all' });
}
