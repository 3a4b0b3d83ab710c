// A tenant's webhooks, one function per action (the API, the console and the CLI call these):
// add (the secret is returned this once and kept sealed), list, turn on or off, remove, send a test
// event, and the latest delivery attempts. Every change is audited in the same transaction.
import type { Kysely } from 'kysely';
import type { Store } from '../store/store.ts';
import { insertEvent } from '../store/store.ts';
import type { DB } from '../store/schema/schema.ts';
import { ServiceError } from '../util/service-error.ts';
import { newId } from '../util/id.ts';
import { isWebhookEvent, TEST_EVENT, type WebhookEvent, WEBHOOK_EVENTS } from '../store/webhook-events.ts';
import { newWebhookSecret } from './signature.ts';

export interface WebhookInfo {
  id: string;
  url: string;
  events: WebhookEvent[];
  enabled: boolean;
  createdAt: number;
  createdBy: string;
}

export interface DeliveryInfo {
  id: number;
  webhookId: string;
  eventId: string;
  type: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

/** The URL's problem, or null: http(s) only, no user name or password in it. */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL like https://hooks.example.co.jp/sekisho`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'a webhook URL must start with https:// (or http://)';
  if (u.username || u.password) return 'a webhook URL may not carry a user name or password; the signature authenticates Sekisho';
  if (url.length > 2000) return 'the URL is too long';
  return null;
}

function parseEvents(events: string[]): WebhookEvent[] {
  const bad = events.filter((e) => !isWebhookEvent(e));
  if (bad.length > 0)
    throw new ServiceError('bad_request', `unknown webhook events: ${bad.join(', ')} (known: ${WEBHOOK_EVENTS.join(', ')})`);
  const chosen = WEBHOOK_EVENTS.filter((e) => events.includes(e));
  if (chosen.length === 0) throw new ServiceError('webhook_no_events', 'choose at least one event');
  return chosen;
}

function info(r: { id: string; url: string; events: string; enabled: number; created_at: number; created_by: string }): WebhookInfo {
  return {
    id: r.id,
    url: r.url,
    events: r.events.split(',').filter(isWebhookEvent),
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
    createdBy: r.created_by,
  };
}

export async function listWebhooks(store: Store, tenantId: string): Promise<WebhookInfo[]> {
  const rows = await store.db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
  return rows.map(info);
}

/** Adds a webhook; the answer holds its secret, which is never shown again. */
export async function addWebhook(
  store: Store,
  tenantId: string,
  input: { url: string; events: string[] },
  actor: string,
): Promise<WebhookInfo & { secret: string }> {
  const problem = webhookUrlProblem(input.url);
  if (problem) throw new ServiceError('webhook_url', problem);
  const events = parseEvents(input.events);
  const secret = newWebhookSecret();
  const now = Date.now();
  const row = {
    id: newId(now),
    tenant_id: tenantId,
    url: input.url,
    events: `,${events.join(',')},`,
    secret: store.secrets.seal('webhook-secret', secret),
    enabled: 1,
    created_at: now,
    created_by: actor,
  };
  await store.db.transaction().execute(async (trx) => {
    await trx.insertInto('webhooks').values(row).execute();
    await audit(trx, store, tenantId, actor, 'webhook.created', { webhook: row.id, url: input.url, events: events.join(',') });
  });
  return { ...info(row), secret };
}

async function audit(
  trx: Kysely<DB>,
  store: Store,
  tenantId: string,
  actor: string,
  type: 'webhook.created' | 'webhook.deleted' | 'webhook.disabled' | 'webhook.enabled' | 'webhook.tested',
  data: Record<string, unknown>,
) {
  await insertEvent(trx, store.kind, { tenantId, messageId: null, actor, type, data });
}

async function requireWebhook(store: Store | Kysely<DB>, tenantId: string, id: string) {
  const db = 'db' in store ? store.db : store;
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!row) throw new ServiceError('no_such_record', `no webhook ${id} in this tenant`);
  return row;
}

/** Turns a webhook on or off; an off one gets no new events (pending deliveries still go). */
export async function setWebhookEnabled(store: Store, tenantId: string, id: string, enabled: boolean, actor: string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const row = await requireWebhook(trx, tenantId, id);
    await trx
      .updateTable('webhooks')
      .set({ enabled: enabled ? 1 : 0 })
      .where('id', '=', id)
      .execute();
    await audit(trx, store, tenantId, actor, enabled ? 'webhook.enabled' : 'webhook.disabled', { webhook: id, url: row.url });
  });
}

/** Removes a webhook and its deliveries (those not yet sent are dropped). */
export async function removeWebhook(store: Store, tenantId: string, id: string, actor: string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const row = await requireWebhook(trx, tenantId, id);
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    await audit(trx, store, tenantId, actor, 'webhook.deleted', { webhook: id, url: row.url });
  });
}

/** Queues a `test` event for this webhook alone (whether on or off); the sender sends it next. */
export async function testWebhook(store: Store, tenantId: string, id: string, actor: string): Promise<string> {
  const now = Date.now();
  const eventId = newId(now);
  await store.db.transaction().execute(async (trx) => {
    const row = await requireWebhook(trx, tenantId, id);
    const payload = {
      id: eventId,
      type: TEST_EVENT,
      occurredAt: new Date(now).toISOString(),
      tenant: tenantId,
      messageId: null,
      by: 'person' as const,
      detail: {},
    };
    await trx
      .insertInto('webhook_deliveries')
      .values({
        webhook_id: id,
        tenant_id: tenantId,
        event_id: eventId,
        event_type: TEST_EVENT,
        payload: JSON.stringify(payload),
        state: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        last_attempt_at: null,
        last_status: null,
        last_error: null,
      })
      .execute();
    await audit(trx, store, tenantId, actor, 'webhook.tested', { webhook: id, url: row.url });
  });
  return eventId;
}

/** The latest deliveries of the tenant's webhooks (or of one), newest first. */
export async function listDeliveries(
  store: Store,
  tenantId: string,
  opts: { webhookId?: string; limit?: number } = {},
): Promise<DeliveryInfo[]> {
  let q = store.db.selectFrom('webhook_deliveries').selectAll().where('tenant_id', '=', tenantId);
  if (opts.webhookId) q = q.where('webhook_id', '=', opts.webhookId);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 50)
    .execute();
  const n = (v: number | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    id: Number(r.id),
    webhookId: r.webhook_id,
    eventId: r.event_id,
    type: r.event_type,
    state: r.state,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    lastAttemptAt: n(r.last_attempt_at),
    nextAttemptAt: n(r.next_attempt_at),
    lastStatus: n(r.last_status),
    lastError: r.last_error,
  }));
}
