// Send limits that contain a stolen account: messages and recipients per hour for each
// authenticated user and each tenant (the configuration's defaults, or the tenant's own in its
// settings, key "sendLimits"). Counts live in send_counts, a row per scope and clock hour, written
// in the message's own transaction (so every process and node counts the same mail); the last
// hour is a sliding estimate (this hour plus the previous one weighted by how much of it is still
// inside the hour). Over a limit the submission gets 451 4.7.1; the first refusal of an hour per
// scope is audited (send.limited) and the tenant's admins get one notice.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { DB } from '../store/schema/schema.ts';
import { insertEvent, type Store, type Tenant } from '../store/store.ts';
import { SmtpError } from '../smtp/smtp-error.ts';
import { Prepared } from '../store/prepared.ts';
import { settingsOf } from '../retention/retention-days.ts';
import { sendNotice, type NoticeEnv, type SendLimitHit } from '../outbound/notices.ts';

export interface SendLimits {
  userMessagesPerHour: number;
  userRecipientsPerHour: number;
  tenantMessagesPerHour: number;
  tenantRecipientsPerHour: number;
}
export const SEND_LIMIT_KEYS = [
  'userMessagesPerHour',
  'userRecipientsPerHour',
  'tenantMessagesPerHour',
  'tenantRecipientsPerHour',
] as const;

export interface Submission {
  tenantId: string;
  /** the authenticated user; null for a trusted network (only the tenant's limits apply) */
  user: string | null;
  recipients: number;
}

const HOUR_MS = 3_600_000;

export function configSendLimits(config: Pick<Config, `sendLimit${Capitalize<(typeof SEND_LIMIT_KEYS)[number]>}`>): SendLimits {
  return {
    userMessagesPerHour: config.sendLimitUserMessagesPerHour,
    userRecipientsPerHour: config.sendLimitUserRecipientsPerHour,
    tenantMessagesPerHour: config.sendLimitTenantMessagesPerHour,
    tenantRecipientsPerHour: config.sendLimitTenantRecipientsPerHour,
  };
}

/** The tenant's own limits (only those it set; 0 = none for it). */
export function tenantSendLimitOverride(tenant: Pick<Tenant, 'settings'>): Partial<SendLimits> {
  const raw = settingsOf(tenant).sendLimits;
  if (!raw || typeof raw !== 'object') return {};
  const out: Partial<SendLimits> = {};
  for (const key of SEND_LIMIT_KEYS) {
    const v = (raw as Record<string, unknown>)[key];
    if (Number.isInteger(v) && (v as number) >= 0) out[key] = v as number;
  }
  return out;
}

/** Sets (a number, 0 = no limit) or clears (null: back to the default) a tenant's own limits; audited. */
export async function setTenantSendLimits(
  store: Store,
  tenant: Tenant,
  change: { [K in keyof SendLimits]?: number | null },
  actor: string,
): Promise<Partial<SendLimits>> {
  const next = { ...tenantSendLimitOverride(tenant) };
  for (const key of SEND_LIMIT_KEYS) {
    const v = change[key];
    if (v === null) delete next[key];
    else if (v !== undefined) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${key} must be a whole number, 0 or more (0 = no limit)`);
      next[key] = v;
    }
  }
  const settings = { ...settingsOf(tenant), sendLimits: next };
  await store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tenants')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', tenant.id)
      .execute();
    await insertEvent(trx, store.kind, { tenantId: tenant.id, messageId: null, actor, type: 'tenant.send_limits', data: { ...change } });
  });
  store.directory.forget();
  return next;
}

function hourOf(now: number): number {
  return Math.floor(now / HOUR_MS);
}

function scopesOf(s: Submission): string[] {
  return s.user ? [`tenant:${s.tenantId}`, `user:${s.user.toLowerCase()}`] : [`tenant:${s.tenantId}`];
}

const countOne = new Prepared(3, (db, scope: string, hour: number, recipients: number) =>
  db
    .insertInto('send_counts')
    .values({ scope, hour, messages: 1, recipients, noticed_at: null })
    .onConflict((oc) =>
      oc.columns(['scope', 'hour']).doUpdateSet((eb) => ({
        messages: eb('send_counts.messages', '+', 1),
        recipients: eb('send_counts.recipients', '+', recipients),
      })),
    ),
);

/**
 * The writes that count one accepted message; run in the message's transaction (NewMessage.alsoWrite).
 * `kind`: the store's dialect (the statement is compiled once per dialect, store/prepared.ts).
 */
export function countSubmission(s: Submission, kind: string, now = Date.now()): (trx: Kysely<DB>) => Promise<void> {
  const hour = hourOf(now);
  return async (trx) => {
    for (const scope of scopesOf(s)) await countOne.execute(trx, kind, scope, hour, s.recipients);
  };
}

export interface SendLimiterDeps {
  store: Store;
  logger: Logger;
  defaults: SendLimits;
  /** tells the tenant's admins (once per scope and hour) */
  notify: (tenantId: string, hit: SendLimitHit) => Promise<void>;
}

export class SendLimiter {
  private prunedHour = 0;

  constructor(private readonly deps: SendLimiterDeps) {}

  /** Refuses (451 4.7.1) a submission that would take its user or tenant over a limit. */
  async check(s: Submission, client: string, now = Date.now()): Promise<void> {
    // The tenant's own limits as cached per process: `sekisho limits set` applies within seconds.
    const tenant = await this.deps.store.tenantForMail(s.tenantId);
    const limits = { ...this.deps.defaults, ...(tenant ? tenantSendLimitOverride(tenant) : {}) };
    const needed = s.user ? [limits.userMessagesPerHour, limits.userRecipientsPerHour] : [];
    if (limits.tenantMessagesPerHour === 0 && limits.tenantRecipientsPerHour === 0 && needed.every((n) => n === 0)) return;
    const sent = await this.lastHour(scopesOf(s), now);
    const hit = firstHit(s, limits, sent, tenant?.name ?? s.tenantId);
    await this.prune(now);
    if (!hit) return;
    const scope = hit.scope === 'user' ? `user:${s.user!.toLowerCase()}` : `tenant:${s.tenantId}`;
    this.deps.logger.warn({ tenant: s.tenantId, user: s.user, client, ...hit }, 'send limit reached: submission refused');
    if (await this.firstRefusalThisHour(scope, now)) {
      await this.deps.store.appendEvent({
        tenantId: s.tenantId,
        messageId: null,
        actor: s.user ?? `trusted:${client}`,
        type: 'send.limited',
        data: { scope: hit.scope, what: hit.what, limit: hit.limit, sent: hit.sent, ...(s.user ? { email: s.user } : {}), ip: client },
      });
      await this.deps.notify(s.tenantId, hit).catch((err) => this.deps.logger.error({ err }, 'send limit notice not queued'));
    }
    throw new SmtpError(451, '4.7.1', sendLimitReply(hit));
  }

  /** messages and recipients of each scope in the last hour (sliding estimate, fractional) */
  private async lastHour(scopes: string[], now: number): Promise<Map<string, { messages: number; recipients: number }>> {
    const hour = hourOf(now);
    const rows = await this.deps.store.db
      .selectFrom('send_counts')
      .select(['scope', 'hour', 'messages', 'recipients'])
      .where('scope', 'in', scopes)
      .where('hour', 'in', [hour - 1, hour])
      .execute();
    // the share of the previous clock hour still inside the last 60 minutes
    const previousWeight = 1 - (now - hour * HOUR_MS) / HOUR_MS;
    const out = new Map<string, { messages: number; recipients: number }>();
    for (const scope of scopes) out.set(scope, { messages: 0, recipients: 0 });
    for (const r of rows) {
      const w = Number(r.hour) === hour ? 1 : previousWeight;
      const c = out.get(r.scope)!;
      c.messages += Number(r.messages) * w;
      c.recipients += Number(r.recipients) * w;
    }
    // Not rounded: rounded down, 3 messages sent just before the hour turned counted as 2 just
    // after it, one more than the limit let through (and a test that straddled the hour failed).
    return out;
  }

  /** marks this scope's hour noticed; true for the one caller (in any process) that marked it */
  private async firstRefusalThisHour(scope: string, now: number): Promise<boolean> {
    const row = await this.deps.store.db
      .insertInto('send_counts')
      .values({ scope, hour: hourOf(now), messages: 0, recipients: 0, noticed_at: now })
      .onConflict((oc) => oc.columns(['scope', 'hour']).doUpdateSet({ noticed_at: now }).where('send_counts.noticed_at', 'is', null))
      .returning('scope')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** rows older than the previous hour are never read again: removed once an hour per process */
  private async prune(now: number): Promise<void> {
    const hour = hourOf(now);
    if (this.prunedHour === hour) return;
    this.prunedHour = hour;
    await this.deps.store.db
      .deleteFrom('send_counts')
      .where('hour', '<', hour - 1)
      .execute();
  }
}

function firstHit(
  s: Submission,
  limits: SendLimits,
  sent: Map<string, { messages: number; recipients: number }>,
  tenantName: string,
): SendLimitHit | null {
  type Check = readonly [SendLimitHit['scope'], string, SendLimitHit['what'], number];
  const user = `user:${(s.user ?? '').toLowerCase()}`;
  const checks: Check[] = [
    ...(s.user
      ? [
          ['user', user, 'messages', limits.userMessagesPerHour] as const,
          ['user', user, 'recipients', limits.userRecipientsPerHour] as const,
        ]
      : []),
    ['tenant', `tenant:${s.tenantId}`, 'messages', limits.tenantMessagesPerHour],
    ['tenant', `tenant:${s.tenantId}`, 'recipients', limits.tenantRecipientsPerHour],
  ];
  for (const [scope, key, what, limit] of checks) {
    if (limit === 0) continue;
    const count = sent.get(key)![what];
    const adding = what === 'messages' ? 1 : s.recipients;
    // the estimate is fractional; the reply says the whole count it makes (over limit - adding)
    if (count + adding > limit) return { scope, who: scope === 'user' ? s.user! : tenantName, what, limit, sent: Math.ceil(count) };
  }
  return null;
}

/** The 451 reply's text: which limit, and that the client may retry later. */
export function sendLimitReply(hit: SendLimitHit): string {
  const whose = hit.scope === 'user' ? `${hit.who}'s` : `this organisation's`;
  return `Send limit reached: ${whose} limit of ${hit.limit} ${hit.what} per hour (${hit.sent} in the last hour); try again later`;
}

/** The notice to the tenant's admins (each in their language) that a send limit was reached. */
export async function notifySendLimit(env: NoticeEnv, tenantId: string, hit: SendLimitHit): Promise<void> {
  const admins = await env.store.db
    .selectFrom('users')
    .select(['email', 'language'])
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .execute();
  for (const lang of ['ja', 'en'] as const) {
    const to = admins.filter((a) => a.language === lang).map((a) => a.email);
    if (to.length === 0) continue;
    await sendNotice(env, { tenantId, to, kind: 'sendLimit', lang, facts: { subject: '', from: '', recipients: [], sendLimit: hit } });
  }
}
