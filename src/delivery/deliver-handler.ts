// Handles messages due for delivery (states queued and deferred): sends to the recipients still
// pending, records each recipient's result, and moves the message on: delivered, deferred with
// the next retry time (src/delivery/retry-schedule.ts, lifetime counted from the first attempt),
// or bounced once every recipient failed or the lifetime ran out. The envelope sender gets one
// delay notice and a DSN for permanent failures (never for a bounce), both through the queue.
import type { Logger } from 'pino';
import type { Store, Message } from '../store/store.ts';
import type { DeliveryPort, RecipientResult } from '../queue/delivery-port.ts';
import type { Lease, StateHandler } from '../queue/worker.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { DeliveryPreparer, PreparedCopy } from '../pipeline/pipeline.ts';
import { DEFAULT_RETRY_SCHEDULE, isExpired, nextAttemptAt, shouldWarnDelay, type RetrySchedule } from './retry-schedule.ts';
import { sendDeliveryNotice } from './notices.ts';
import { streamToBuffer } from '../mime/rewrite/message-source.ts';

export interface RetryPolicy {
  /** delays between attempts; the last one repeats */
  delaysMs: number[];
  /** give up this long after the first delivery attempt */
  maxLifetimeMs: number;
  /** one delay notice this long after the first attempt; 0 = never (default 4h) */
  delayWarningMs?: number;
}

/** A port result, with the details smtp-client adds when it has them (for DSNs). */
export type DetailedResult = RecipientResult & { code?: number | null; enhanced?: string; remoteMta?: string };

export function createDeliverHandler(deps: {
  store: Store;
  port: DeliveryPort;
  logger: Logger;
  metrics: Metrics;
  retry: RetryPolicy;
  /** our host name: Reporting-MTA and MAILER-DAEMON's domain in DSNs */
  hostname?: string;
  /** rewrites before sending (policy actions, attachment protection, DKIM), in order */
  preparers?: DeliveryPreparer[];
}): StateHandler {
  const schedule: RetrySchedule = {
    delaysMs: deps.retry.delaysMs,
    maxLifetimeMs: deps.retry.maxLifetimeMs,
    delayWarningMs: deps.retry.delayWarningMs ?? DEFAULT_RETRY_SCHEDULE.delayWarningMs,
  };
  const hostname = deps.hostname ?? 'sekisho.localhost';
  return async (message: Message, lease: Lease) => {
    const { store, logger, metrics } = deps;
    const labels = { tenant: message.tenant_id, direction: message.direction };
    // A message handed over at acceptance comes with its body and (all pending) recipients.
    const pending =
      lease.preload?.recipients ?? (await store.recipients(message.id)).filter((r) => r.state === 'pending').map((r) => r.address);
    const raw = lease.preload?.body ?? (await store.body(message.id));
    if (!raw) throw new Error(`message ${message.id} has no stored body`);
    const now = Date.now();
    const firstAttemptAt = message.first_attempt_at ?? now;
    const attempts = message.attempts + 1;
    const results: DetailedResult[] = [];
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
    // From here until the result commits, a crash would send the message again (docs/delivery.md).
    const answered = performance.now();
    for (const r of results) {
      logger.info({ id: message.id, rcpt: r.recipient, status: r.status, response: r.response, attempt: attempts }, 'delivery attempt');
    }
    const deferred = results.filter((r) => r.status === 'deferred');
    const failed = results.filter((r) => r.status === 'failed');
    const retryAt = deferred.length > 0 ? nextAttemptAt(new Date(firstAttemptAt), attempts, new Date(now), schedule) : null;
    const expired = deferred.length > 0 && (retryAt === null || isExpired(new Date(firstAttemptAt), new Date(now), schedule));
    const finalFailed = expired ? [...failed, ...deferred.map((r) => ({ ...r, status: 'failed' as const, expired: true }))] : failed;

    let state: 'deferred' | 'bounced' | 'delivered';
    let dueAt: number | null = null;
    if (deferred.length > 0 && !expired) {
      state = 'deferred';
      dueAt = retryAt!.getTime();
    } else if (
      finalFailed.length > 0 &&
      finalFailed.length === results.length &&
      results.length === pending.length &&
      !(await anyDelivered(store, message.id))
    ) {
      state = 'bounced';
    } else {
      state = 'delivered';
    }
    const plan = message.plan;
    const delivery = plan.delivery ?? {};
    const warnDelay =
      state === 'deferred' && shouldWarnDelay(new Date(firstAttemptAt), new Date(now), delivery.delayWarned === true, schedule);
    const recipientRows = results.map((r) => ({
      address: r.recipient,
      state: (r.status === 'deferred' && !expired ? 'pending' : r.status === 'delivered' ? 'delivered' : 'failed') as
        | 'pending'
        | 'delivered'
        | 'failed',
      response: r.response,
    }));
    const ok = await store.transition(
      message,
      lease.node,
      {
        state,
        dueAt,
        attempts,
        firstAttemptAt,
        lastError: deferred[0]?.response ?? failed[0]?.response ?? null,
        // read-modify-write of the whole plan: other areas' keys stay as they are
        ...(warnDelay ? { plan: { ...plan, delivery: { ...delivery, delayWarned: true } } } : {}),
        event: {
          actor: 'system',
          type: state === 'deferred' ? 'deferred' : state === 'bounced' ? 'bounced' : 'delivered',
          data: {
            attempt: attempts,
            results: results.map((r) => ({ rcpt: r.recipient, status: r.status, response: r.response })),
            ...(dueAt ? { retryAt: dueAt } : {}),
            ...(expired ? { expired: true } : {}),
          },
        },
      },
      recipientRows,
    );
    // how long the crash window stayed open (bench/kill-nine.ts reads it at log level debug)
    logger.debug({ id: message.id, resultCommitMs: Math.round((performance.now() - answered) * 10) / 10 }, 'delivery result committed');
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
    // Notices go after the result is recorded, so a node that lost the lease never sends one:
    // at most one notice per event (a crash right here loses it; the audit trail still shows
    // the failure).
    const notice = { store, logger, hostname, message, raw, firstAttemptAt, schedule, now };
    try {
      if (finalFailed.length > 0) await sendDeliveryNotice({ ...notice, kind: 'failure', results: finalFailed });
      else if (warnDelay) await sendDeliveryNotice({ ...notice, kind: 'delay', results: deferred });
    } catch (err) {
      logger.error({ err, id: message.id }, 'could not queue the delivery notice');
    }
  };
}

/** Runs the preparers in order; each may split a copy into per-recipient copies or rewrite it. */
async function prepare(preparers: DeliveryPreparer[], message: Message, raw: Buffer, recipients: string[]): Promise<PreparedCopy[]> {
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

async function anyDelivered(store: Store, id: string): Promise<boolean> {
  return (await store.recipients(id)).some((r) => r.state === 'delivered');
}
