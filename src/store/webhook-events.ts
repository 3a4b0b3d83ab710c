// Which audit events become webhook events, and the JSON body each is sent as (docs/webhooks.md).
// Recording such an audit event enqueues one delivery per enabled webhook of the tenant that wants
// it, in the audit event's own transaction: one INSERT … SELECT, which adds nothing when the tenant
// has no webhook. The body carries no addresses, subjects or file names (docs/webhooks.md says why).
import { CompiledQuery, type Kysely } from 'kysely';
import type { AuditEventType } from '../audit/event-groups.ts';
import type { DB } from './schema/schema.ts';
import { newId } from '../util/id.ts';

export const WEBHOOK_EVENTS = ['held', 'approved', 'rejected', 'blocked', 'quarantined', 'released', 'downloaded'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** the type of the event an admin's test button sends (the one event not from the audit trail) */
export const TEST_EVENT = 'test';

export function isWebhookEvent(s: string): s is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(s);
}

/** The audit event types each webhook event stands for. */
const FROM_AUDIT: Partial<Record<AuditEventType, WebhookEvent>> = {
  held: 'held',
  awaiting_confirmation: 'held',
  awaiting_approval: 'held',
  approved: 'approved',
  rejected: 'rejected',
  'policy.blocked': 'blocked',
  quarantined: 'quarantined',
  released: 'released',
  'quarantine.released': 'released',
  download: 'downloaded',
};

/** What the store hands over of an audit event being written. */
export interface AuditFact {
  tenantId: string | null;
  messageId: string | null;
  actor: string;
  type: AuditEventType;
  data?: Record<string, unknown>;
  at: number;
}

/** The JSON body of a webhook event (docs/webhooks.md). */
export interface WebhookPayload {
  id: string;
  type: WebhookEvent | typeof TEST_EVENT;
  occurredAt: string;
  tenant: string;
  /** Sekisho's id of the message (a blocked message was never stored: its queue id) */
  messageId: string | null;
  /** 'person' when someone acted (approver, admin, recipient), else 'system' */
  by: 'person' | 'system';
  /** the policy rule, the reason, the stage or the file: whichever the event has */
  detail: Record<string, string | number>;
}

/** The webhook event an audit event makes, or null (most audit events make none). */
export function webhookEventOf(f: AuditFact): WebhookEvent | null {
  const event = FROM_AUDIT[f.type];
  if (!event || f.tenantId === null) return null;
  // a self-released recipient's copy is a new message: the release is told once, on the original
  if (f.type === 'quarantine.released' && f.data?.from !== undefined) return null;
  return event;
}

const DETAIL_KEYS = ['rule', 'reason', 'type', 'file'] as const;

export function payloadOf(f: AuditFact, event: WebhookEvent, id = newId(f.at)): WebhookPayload {
  const data = f.data ?? {};
  const detail: Record<string, string | number> = {};
  for (const key of DETAIL_KEYS) {
    const v = data[key];
    if (typeof v === 'string' || typeof v === 'number') detail[key === 'type' ? 'stage' : key] = v;
  }
  const queueId = typeof data.queueId === 'string' ? data.queueId : null;
  return {
    id,
    type: event,
    occurredAt: new Date(f.at).toISOString(),
    tenant: f.tenantId!,
    messageId: f.messageId ?? queueId,
    by: f.actor.includes('@') ? 'person' : 'system',
    detail,
  };
}

/** INSERT … SELECT: one delivery per enabled webhook of the tenant that wants the event. */
function enqueueSql(kind: string): string {
  const p = kind === 'postgres' ? (i: number) => `$${i}` : () => '?';
  return (
    'INSERT INTO webhook_deliveries (webhook_id, tenant_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at) ' +
    `SELECT id, tenant_id, ${p(1)}, ${p(2)}, ${p(3)}, 'pending', 0, ${p(4)}, ${p(5)} FROM webhooks ` +
    `WHERE tenant_id = ${p(6)} AND enabled = 1 AND events LIKE ${p(7)}`
  );
}

const ENQUEUE = { sqlite: enqueueSql('sqlite'), postgres: enqueueSql('postgres') };

/** Enqueues `payload` for the tenant's webhooks that want it, in `db` (the audit event's transaction). */
export async function enqueuePayload(db: Kysely<DB>, kind: string, payload: WebhookPayload, now = Date.now()): Promise<void> {
  const text = kind === 'postgres' ? ENQUEUE.postgres : ENQUEUE.sqlite;
  const body = JSON.stringify(payload);
  await db.executeQuery(CompiledQuery.raw(text, [payload.id, payload.type, body, now, now, payload.tenant, `%,${payload.type},%`]));
}

/** Called by the store for every audit event it writes: enqueues when it is a webhook event. */
export async function enqueueForAudit(db: Kysely<DB>, kind: string, f: AuditFact): Promise<void> {
  const event = webhookEventOf(f);
  if (event) await enqueuePayload(db, kind, payloadOf(f, event));
}
