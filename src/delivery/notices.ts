// Queues the DSN (kind 'failure') or the one delay notice (kind 'delay') for a message to its
// envelope sender, in Japanese and English (dsn.ts), through the durable queue with a null
// sender. Never for a bounce, a report or Auto-Submitted mail: then the audit trail records
// why no notice was sent ('dsn.suppressed').
import type { Logger } from 'pino';
import type { Store, Message } from '../store/store.ts';
import type { RecipientResult } from '../queue/delivery-port.ts';
import { enqueueSystemMessage } from '../queue/system-mail.ts';
import { bounceSuppressionReason, buildDsn, headerBlockOf, type DsnRecipient } from './dsn.ts';
import { retryUntil, type RetrySchedule } from './retry-schedule.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';

type Result = RecipientResult & { enhanced?: string; remoteMta?: string; expired?: boolean };

export interface NoticeInput {
  store: Store;
  logger: Logger;
  hostname: string;
  message: Message;
  raw: Buffer;
  kind: 'failure' | 'delay';
  results: Result[];
  firstAttemptAt: number;
  schedule: RetrySchedule;
  now: number;
}

export async function sendDeliveryNotice(n: NoticeInput): Promise<string | null> {
  const { store, message } = n;
  const headers = headerBlockOf(n.raw);
  const why = bounceSuppressionReason(message.mail_from, headers);
  if (why) {
    await store.appendEvent({
      tenantId: message.tenant_id,
      messageId: message.id,
      actor: 'system',
      type: 'dsn.suppressed',
      data: { kind: n.kind, reason: why },
    });
    return null;
  }
  const until = retryUntil(new Date(n.firstAttemptAt), n.schedule);
  const recipients: DsnRecipient[] = n.results.map((r) => ({
    address: r.recipient,
    action: n.kind === 'failure' ? 'failed' : 'delayed',
    status: statusOf(r, n.kind),
    diagnostic: r.response,
    ...(r.remoteMta ? { remoteMta: r.remoteMta } : {}),
    lastAttemptDate: new Date(n.now),
    ...(n.kind === 'delay' ? { willRetryUntil: until } : {}),
    ...(r.expired ? { expired: true } : {}),
  }));
  const dsn = buildDsn({
    kind: n.kind,
    reportingMta: n.hostname,
    to: message.mail_from,
    arrivalDate: new Date(message.created_at),
    recipients,
    original: {
      headers,
      subject: message.subject,
      ...(message.message_id ? { messageId: `<${message.message_id.replace(/^<|>$/g, '')}>` } : {}),
    },
    queueId: message.id,
    language: 'both',
    timeZone: await timeZoneOfTenant(store, message.tenant_id),
  });
  const id = await enqueueSystemMessage(store, {
    tenantId: message.tenant_id,
    to: [message.mail_from],
    raw: dsn,
    kind: n.kind === 'failure' ? 'dsn' : 'delay',
    relatedMessageId: message.id,
    mailFrom: '',
  });
  n.logger.info({ id: message.id, notice: id, kind: n.kind }, 'delivery notice queued');
  return id;
}

/** The RFC 3463 status for the DSN: the server's, else one from the reply class. */
function statusOf(r: Result, kind: 'failure' | 'delay'): string {
  const fromReply = /^[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(r.response)?.[1];
  const status = r.enhanced ?? fromReply ?? (kind === 'delay' || r.status === 'deferred' ? '4.0.0' : '5.0.0');
  // An expired recipient is reported with its last temporary status (as Postfix does).
  return status;
}
