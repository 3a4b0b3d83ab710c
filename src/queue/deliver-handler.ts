// Handles messages due for delivery (states queued and deferred): sends to the recipients still
// pending, records each recipient's result, and moves the message on: delivered, deferred with
// the next retry time, or bounced once every recipient failed or the queue lifetime ran out.
import type { Logger } from 'pino';
import type { Store, MessageRow } from '../store/store.ts';
import type { DeliveryPort, RecipientResult } from './delivery-port.ts';
import type { Lease, StateHandler } from './worker.ts';
import type { Metrics } from '../metrics.ts';
import type { DeliveryPreparer, PreparedCopy } from '../pipeline.ts';

export interface RetryPolicy {
  /** delays between attempts; the last one repeats */
  delaysMs: number[];
  /** give up after this long in the queue */
  maxLifetimeMs: number;
}

export function nextRetryDelay(policy: RetryPolicy, attempts: number): number {
  const i = Math.min(Math.max(attempts - 1, 0), policy.delaysMs.length - 1);
  return policy.delaysMs[i]!;
}

export function createDeliverHandler(deps: {
  store: Store;
  port: DeliveryPort;
  logger: Logger;
  metrics: Metrics;
  retry: RetryPolicy;
  /** rewrites before sending (policy actions, attachment protection, DKIM), in order */
  preparers?: DeliveryPreparer[];
  /** called with the message and its failed recipients when it ends bounced or partly failed */
  onPermanentFailure?: (m: MessageRow, failed: RecipientResult[]) => Promise<void>;
}): StateHandler {
  return async (message: MessageRow, lease: Lease) => {
    const { store, logger, metrics } = deps;
    const labels = { tenant: message.tenant_id, direction: message.direction };
    const pending = (await store.recipients(message.id)).filter((r) => r.state === 'pending').map((r) => r.address);
    const raw = await store.body(message.id);
    if (!raw) throw new Error(`message ${message.id} has no stored body`);
    const now = Date.now();
    const attempts = message.attempts + 1;
    let results: RecipientResult[];
    results = [];
    if (pending.length > 0) {
      for (const copy of await prepare(deps.preparers ?? [], message, raw, pending)) {
        results.push(
          ...(await deps.port.deliver({
            id: message.id,
            direction: message.direction,
            tenantId: message.tenant_id,
            mailFrom: message.mail_from,
            recipients: copy.recipients,
            raw: copy.raw,
          })),
        );
      }
    }
    for (const r of results) {
      logger.info({ id: message.id, rcpt: r.recipient, status: r.status, response: r.response, attempt: attempts }, 'delivery attempt');
    }
    const deferred = results.filter((r) => r.status === 'deferred');
    const failed = results.filter((r) => r.status === 'failed');
    const expired = now - message.created_at >= deps.retry.maxLifetimeMs;
    const finalFailed = expired ? [...failed, ...deferred.map((r) => ({ ...r, status: 'failed' as const, response: `${r.response} (gave up after the maximum queue lifetime)` }))] : failed;

    let state: string;
    let dueAt: number | null = null;
    if (deferred.length > 0 && !expired) {
      state = 'deferred';
      dueAt = now + nextRetryDelay(deps.retry, attempts);
    } else if (finalFailed.length > 0 && finalFailed.length === results.length && results.length === pending.length && !(await anyDelivered(store, message.id))) {
      state = 'bounced';
    } else {
      state = 'delivered';
    }
    const recipientRows = results.map((r) => ({
      address: r.recipient,
      state: (r.status === 'deferred' && !expired ? 'pending' : r.status === 'delivered' ? 'delivered' : 'failed') as 'pending' | 'delivered' | 'failed',
      response: r.response,
    }));
    const ok = await store.transition(
      message,
      lease.node,
      {
        state,
        dueAt,
        attempts,
        firstAttemptAt: message.first_attempt_at ?? now,
        lastError: deferred[0]?.response ?? failed[0]?.response ?? null,
        event: {
          actor: 'system',
          type: state === 'deferred' ? 'deferred' : state === 'bounced' ? 'bounced' : 'delivered',
          data: { attempt: attempts, results: results.map((r) => ({ rcpt: r.recipient, status: r.status, response: r.response })), ...(dueAt ? { retryAt: dueAt } : {}) },
        },
      },
      recipientRows,
    );
    if (!ok) {
      logger.warn({ id: message.id }, 'lease lost before the delivery result was recorded; another node owns the message now');
      return;
    }
    if (state === 'deferred') metrics.deferred.inc(labels);
    if (state === 'bounced') metrics.bounced.inc(labels);
    if (state === 'delivered') {
      metrics.delivered.inc(labels);
      metrics.latency.observe({ direction: message.direction }, (Date.now() - message.created_at) / 1000);
    }
    if (finalFailed.length > 0 && deps.onPermanentFailure) await deps.onPermanentFailure(message, finalFailed);
  };
}

/** Runs the preparers in order; each may split a copy into per-recipient copies or rewrite it. */
async function prepare(preparers: DeliveryPreparer[], message: MessageRow, raw: Buffer, recipients: string[]): Promise<PreparedCopy[]> {
  let copies: PreparedCopy[] = [{ recipients, raw }];
  for (const p of preparers) {
    const next: PreparedCopy[] = [];
    for (const c of copies) {
      const buf = Buffer.isBuffer(c.raw) ? c.raw : await streamToBuffer(c.raw);
      next.push(...((await p(message, buf, c.recipients)) ?? [{ recipients: c.recipients, raw: buf }]));
    }
    copies = next;
  }
  return copies;
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

async function anyDelivered(store: Store, id: string): Promise<boolean> {
  return (await store.recipients(id)).some((r) => r.state === 'delivered');
}
