// The store Sekisho runs on: tenants, domains, users, policies, the message queue, message
// bodies and the append-only audit trail. One implementation over Kysely; the dialect supplies
// connection, migration lock and the atomic claim of due work (see dialect.ts).
import type { MessagePlan } from '../plan/plan.ts';
import type { AuditEventType } from '../audit/event-groups.ts';
import { FINAL_MESSAGE_STATES, type MessageState } from './schema/message-state.ts';
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { runMigrations, type Dialect, type MessageRow } from './schema/dialect.ts';
import { decodeMessage, type Message, type StoredFacts } from './message.ts';
import { SYSTEM_SUBMITTER } from './message-search.ts';
import type { DB, DomainTable, EventTable, RecipientTable, TenantTable, UserTable } from './schema/schema.ts';
import { migrationsFor } from './migrations/all.ts';
import { CommitBatcher } from './commit-batcher.ts';
import { DirectoryCache } from './directory-cache.ts';
import { Prepared, preparedPerShape } from './prepared.ts';
import { purgeAuditEvents, type AuditPurge, type AuditPurgeRequest } from './audit-retention.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { newId } from '../util/id.ts';
import { enqueueForAudit, webhookEventOf } from './webhook-events.ts';
import { scopedTenant, type TenantScope } from './tenant-scope.ts';
import { insertBody, readBody } from './message-body.ts';

export type Tenant = Selectable<TenantTable>;
export type Domain = Selectable<DomainTable>;
export type User = Selectable<UserTable>;
export type AuditEvent = Selectable<EventTable>;
export type RecipientRow = Selectable<RecipientTable>;
export type { MessageRow, Message, StoredFacts };

/** Inside Store.inTransaction: the transaction, and an audit event written in it. */
export interface StoreWriter {
  db: Kysely<DB>;
  audit(e: EventInput): Promise<void>;
}

export interface EventInput {
  tenantId: string | null;
  messageId: string | null;
  actor: string;
  type: AuditEventType;
  data?: Record<string, unknown>;
}

export interface NewMessage {
  id: string;
  tenantId: string;
  direction: 'outbound' | 'inbound';
  state: MessageState;
  dueAt: number | null;
  mailFrom: string;
  recipients: string[];
  headerFrom: string;
  subject: string;
  messageId: string | null;
  size: number;
  /** stored without the body text and HTML (see storedFactsOf) */
  facts: StoredFacts;
  plan: MessagePlan | null;
  submittedBy: string | null;
  body: Buffer;
  events: Array<Omit<EventInput, 'tenantId' | 'messageId'>>;
  /** submission digest (src/accept/resubmission.ts); null when not tracked */
  digest?: string | null;
  /** commit it already leased to this node (handed to the local worker, see queue/worker.ts) */
  lease?: { node: string; until: number };
  /** more writes that must commit with the message, in its transaction (e.g. contact counts) */
  alsoWrite?: (trx: Kysely<DB>) => Promise<void>;
}

/** A unit of work run inside the shared group-commit transaction, with about how many bytes it stores (a message's body). */
type Write = { write: (trx: Kysely<DB>) => Promise<void>; bytes: number };

export interface StateChange {
  state: MessageState;
  dueAt: number | null;
  attempts?: number;
  firstAttemptAt?: number | null;
  lastError?: string | null;
  plan?: MessagePlan;
  /** the audit event of the change, or several, written in order in the same transaction */
  event?: Omit<EventInput, 'tenantId' | 'messageId'> | ReadonlyArray<Omit<EventInput, 'tenantId' | 'messageId'>>;
}

export interface MessageFilter {
  /** one tenant's messages or every tenant's (the operator's queue commands) */
  scope: TenantScope;
  state?: MessageState;
  /** in one of these states */
  states?: readonly MessageState[];
  direction?: 'outbound' | 'inbound';
  /** created at or after (ms since epoch) */
  since?: number;
  /** with this envelope recipient (exact, any case) */
  recipient?: string;
  /** newest first, 100 unless set; 'all' for an operator command over the whole queue */
  limit?: number | 'all';
  beforeId?: string;
}

/**
 * How long a group commit waits for more while other SMTP transactions are on their way. Measured
 * with `npm run bench` (two processes on SQLite, a new connection per message): 1.9 messages per
 * commit without it, about 3 with it for batches queued behind the previous commit (28 Nov); since
 * 6 Dec a batch that finds the writer idle waits too (docs/delivery.md, "Current figures"). A lone
 * client never waits, nor does a batch that every open SMTP transaction has already joined
 * (expectMessage).
 */
const COMMIT_GATHER_MS = 5;

/** failures older than this are deleted whatever their key (no throttle window may be longer) */
const AUTH_FAILURE_HORIZON_MS = 24 * 60 * 60 * 1000;

/** A message on its way to Store.insertMessage (see Store.expectMessage). */
export interface Arrival {
  arrived(): void;
}

export class Store {
  readonly db: Kysely<DB>;
  readonly kind: Dialect['kind'];
  private readonly batcher: CommitBatcher<Write>;
  /** messages of SMTP transactions under way here, not yet handed to insertMessage */
  private arriving = 0;
  /** domains, users and DKIM keys as every message looks them up (see directory-cache.ts) */
  readonly directory = new DirectoryCache();

  /**
   * @param secrets seals and opens the secrets kept in the database (ZIP passwords, download
   *   tokens, TOTP secrets, DKIM keys), with the key file outside it (src/secrets)
   */
  constructor(
    private readonly dialect: Dialect,
    readonly secrets: SecretBox,
  ) {
    this.db = dialect.db;
    this.kind = dialect.kind;
    // Accepted messages (and, on SQLite, delivery results) share one writer: whatever arrives
    // together is one transaction and one fsync (one WAL commit on SQLite, one round of COMMIT on
    // PostgreSQL). Under load a batch waits up to COMMIT_GATHER_MS for more, while messages are on
    // their way (expectMessage; see CommitBatcher).
    this.batcher = new CommitBatcher(
      (writes) =>
        dialect.groupTransaction(
          async (trx) => {
            for (const w of writes) await w.write(trx);
          },
          { bytes: writes.reduce((sum, w) => sum + w.bytes, 0) },
        ),
      200,
      COMMIT_GATHER_MS,
      () => this.arriving > 0,
    );
  }

  /**
   * An SMTP transaction has begun in this process (MAIL FROM accepted): its message will most
   * likely reach insertMessage within milliseconds. A group commit under load waits for such
   * messages (at most COMMIT_GATHER_MS), and only while there are any: once every open
   * transaction's message is in the batch, each client waiting for its reply, the batch is
   * written at once. arrived() (idempotent): the message was handed over, or the transaction
   * ended without one.
   */
  expectMessage(): Arrival {
    this.arriving++;
    let open = true;
    return {
      arrived: () => {
        if (!open) return;
        open = false;
        if (--this.arriving === 0) this.batcher.stopGathering();
      },
    };
  }

  /** Runs `write` in the next group commit; resolves with its result once that has committed. */
  private groupCommit<T>(write: (trx: Kysely<DB>) => Promise<T>, bytes = 0): Promise<T> {
    let result: T;
    return this.batcher
      .add({
        write: async (trx) => {
          result = await write(trx);
        },
        bytes,
      })
      .then(() => result);
  }

  async migrate(): Promise<string[]> {
    return runMigrations(this.dialect, migrationsFor(this.kind));
  }

  /** Runs `fn` while no other node or process does the same (the migration lock). */
  exclusively<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.dialect.withMigrationLock(fn);
  }

  async close(): Promise<void> {
    await this.batcher.drain();
    await this.dialect.close();
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  /** When the longest-waiting message due for delivery (queued or deferred, due by `now`) fell due; null = none waits */
  async oldestDueAt(now = Date.now()): Promise<number | null> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.min('due_at').as('due'))
      .where('state', 'in', ['queued', 'deferred'])
      .where('due_at', '<=', now)
      .executeTakeFirst();
    return row?.due == null ? null : Number(row.due);
  }

  // ── tenants and domains ─────────────────────────────────────────────────────────────────

  async createTenant(input: { name: string; domains: string[]; inboundRoute?: string | null; settings?: object }): Promise<Tenant> {
    const now = Date.now();
    const tenant: Tenant = {
      id: newId(now),
      name: input.name,
      settings: JSON.stringify(input.settings ?? {}),
      created_at: now,
      disabled_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('tenants').values(tenant).execute();
      for (const domain of input.domains) {
        await trx
          .insertInto('domains')
          .values({ domain: domain.toLowerCase(), tenant_id: tenant.id, inbound_route: input.inboundRoute ?? null, created_at: now })
          .execute();
      }
      await trx
        .insertInto('events')
        .values(
          eventRow({
            tenantId: tenant.id,
            messageId: null,
            actor: 'cli',
            type: 'tenant.created',
            data: { name: input.name, domains: input.domains },
          }),
        )
        .execute();
    });
    return tenant;
  }

  async tenantByName(name: string): Promise<Tenant | undefined> {
    return this.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async tenantById(id: string): Promise<Tenant | undefined> {
    return this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listTenants(): Promise<Tenant[]> {
    return this.db.selectFrom('tenants').selectAll().orderBy('name').execute();
  }

  /** The tenant's row as the per-message paths read it: cached for a moment, see directory-cache.ts. */
  async tenantForMail(tenantId: string): Promise<Tenant | undefined> {
    return this.directory.lookup('tenant', tenantId, () => this.tenantById(tenantId));
  }

  /** Whether the tenant is disabled (`sekisho tenant disable`); cached for a moment like its domains. */
  async tenantDisabled(tenantId: string): Promise<boolean> {
    return (await this.tenantForMail(tenantId))?.disabled_at != null;
  }

  /** The domain's row (owner, inbound route); cached for a moment, see directory-cache.ts. */
  async findDomain(domain: string): Promise<Domain | undefined> {
    const name = domain.toLowerCase();
    return this.directory.lookup('domain', name, () => Q.findDomain.first(this.db, this.kind, name));
  }

  /** The tenant's domains in name order; cached for a moment, see directory-cache.ts. */
  async tenantDomains(tenantId: string): Promise<Domain[]> {
    const rows = await this.directory.lookup('tenant-domains', tenantId, async () => {
      const found = (await Q.tenantDomains.execute(this.db, this.kind, tenantId)).rows;
      return found.length ? found : undefined;
    });
    return rows ?? [];
  }

  // ── users ───────────────────────────────────────────────────────────────────────────────

  async createUsers(
    tenantId: string,
    users: Array<{
      email: string;
      passwordHash: string | null;
      role: User['role'];
      approverEmail?: string | null;
      language?: 'ja' | 'en';
      name?: string | null;
      department?: string | null;
      /** the user's own hold minutes (checked by the caller); null/absent = the policy's */
      holdMinutes?: number | null;
      /** 送信確認; absent = on */
      confirm?: boolean;
    }>,
    actor: string,
  ): Promise<User[]> {
    const now = Date.now();
    const rows: User[] = users.map((u) => ({
      id: newId(now),
      tenant_id: tenantId,
      email: u.email.toLowerCase(),
      password_hash: u.passwordHash,
      role: u.role,
      approver_email: u.approverEmail?.toLowerCase() ?? null,
      language: u.language ?? 'ja',
      created_at: now,
      disabled_at: null,
      name: u.name ?? null,
      department: u.department ?? null,
      hold_minutes: u.holdMinutes ?? null,
      confirm_off: u.confirm === false ? 1 : 0,
    }));
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        await trx.insertInto('users').values(row).execute();
        await trx
          .insertInto('events')
          .values(eventRow({ tenantId, messageId: null, actor, type: 'user.created', data: { email: row.email, role: row.role } }))
          .execute();
      }
    });
    return rows;
  }

  /** Always read afresh: authentication uses it, and a new password must count at once. */
  async userByEmail(email: string): Promise<User | undefined> {
    return Q.userByEmail.first(this.db, this.kind, email.toLowerCase());
  }

  /** The user row of a message's sender for policy (manager, language); cached for a moment. */
  async senderUser(email: string): Promise<User | undefined> {
    const address = email.toLowerCase();
    return this.directory.lookup('user', address, () => Q.userByEmail.first(this.db, this.kind, address));
  }

  async existingEmails(emails: string[]): Promise<string[]> {
    if (emails.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .select('email')
      .where(
        'email',
        'in',
        emails.map((e) => e.toLowerCase()),
      )
      .execute();
    return rows.map((r) => r.email);
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────

  /**
   * Commits message row, body, recipients and first audit events; resolves once durable.
   * `arrival`: the expectation (expectMessage) this message fulfils.
   */
  insertMessage(message: NewMessage, arrival?: Arrival): Promise<Message> {
    const committed = this.groupCommit((trx) => insertMessageRows(trx, this.kind, message), message.body.length);
    arrival?.arrived(); // after the add: a batch this was the last one for is written with it
    return committed;
  }

  /** The first message of the tenant with this submission digest (src/accept/resubmission.ts) created since `since`, if any. */
  firstWithDigest(tenantId: string, digest: string, since: number): Promise<string | null> {
    return firstWithDigest(this.db, this.kind, tenantId, digest, since);
  }

  /**
   * Inserts the message with its submission digest (`resend.digest`, see
   * src/accept/resubmission.ts) unless the tenant accepted the same submission since
   * `resend.since`: then `resend.event` goes to that first message instead, and its id comes back.
   * The look-up runs in the insert's own transaction, so two copies committing at the same time
   * cannot both be queued: on SQLite (one writer at a time) from any process; on PostgreSQL within
   * this node's group commit, not across nodes.
   */
  insertUnlessResent(
    message: NewMessage,
    resend: { digest: string; since: number; event: Omit<EventInput, 'tenantId' | 'messageId'> },
    arrival?: Arrival,
  ): Promise<{ inserted: Message } | { resendOf: string }> {
    const committed = this.groupCommit(async (trx) => {
      const first = await firstWithDigest(trx, this.kind, message.tenantId, resend.digest, resend.since);
      if (first === null) return { inserted: await insertMessageRows(trx, this.kind, { ...message, digest: resend.digest }) };
      await insertEvents(trx, this.kind, [{ ...resend.event, tenantId: message.tenantId, messageId: first }]);
      return { resendOf: first };
    }, message.body.length);
    arrival?.arrived();
    return committed;
  }

  async claimDue(node: string, now: number, limit: number, leaseMs: number): Promise<Message[]> {
    return (await this.dialect.claimDue(node, now, limit, now + leaseMs)).map(decodeMessage);
  }

  /** Extends this node's leases on messages it is still working on (the worker's heartbeat). */
  async renewLeases(node: string, ids: string[], leaseUntil: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('messages').set({ locked_until: leaseUntil }).where('locked_by', '=', node).where('id', 'in', ids).execute();
  }

  async body(messageId: string): Promise<Buffer | undefined> {
    return readBody(this.db, this.kind, messageId);
  }

  /** The message, or undefined when there is none or it lies outside the scope. */
  async message(id: string, scope: TenantScope): Promise<Message | undefined> {
    let q = this.db.selectFrom('messages').selectAll().where('id', '=', id);
    const tenantId = scopedTenant(scope);
    if (tenantId !== undefined) q = q.where('tenant_id', '=', tenantId);
    const row = await q.executeTakeFirst();
    return row && decodeMessage(row);
  }

  async listMessages(filter: MessageFilter): Promise<Message[]> {
    let q = this.db.selectFrom('messages').selectAll('messages');
    const tenantId = scopedTenant(filter.scope);
    if (tenantId !== undefined) q = q.where('messages.tenant_id', '=', tenantId);
    if (filter.state) q = q.where('messages.state', '=', filter.state);
    if (filter.states) q = q.where('messages.state', 'in', [...filter.states]);
    if (filter.direction) q = q.where('messages.direction', '=', filter.direction);
    if (filter.since !== undefined) q = q.where('messages.created_at', '>=', filter.since);
    if (filter.beforeId) q = q.where('messages.id', '<', filter.beforeId);
    const rcpt = filter.recipient?.toLowerCase();
    if (rcpt) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('recipients')
            .select('recipients.message_id')
            .whereRef('recipients.message_id', '=', 'messages.id')
            .where('recipients.address', '=', rcpt),
        ),
      );
    }
    q = q.orderBy('messages.id', 'desc');
    return (await (filter.limit === 'all' ? q : q.limit(filter.limit ?? 100)).execute()).map(decodeMessage);
  }

  /**
   * Outbound mail people submitted (not Sekisho's own notices, not bounces) since `since`, oldest
   * first: what a policy replay evaluates again (outbound/policy-replay.ts).
   */
  async submittedOutbound(tenantId: string, since: number, limit: number): Promise<Message[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('direction', '=', 'outbound')
      .where('created_at', '>=', since)
      .where((eb) => eb.or([eb('submitted_by', 'is', null), eb('submitted_by', '!=', SYSTEM_SUBMITTER)]))
      .where('mail_from', '!=', '')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(decodeMessage);
  }

  /** The tenant's busiest senders of outbound mail since `since`, most messages first. */
  async topSenders(tenantId: string, since: number, limit: number): Promise<Array<{ sender: string; count: number }>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['mail_from', sql<number>`count(*)`.as('n')])
      .where('tenant_id', '=', tenantId)
      .where('direction', '=', 'outbound')
      .where('mail_from', '!=', '') // system notices (null sender) are not anyone's mail
      .where('created_at', '>=', since)
      .groupBy('mail_from')
      .orderBy(sql`count(*)`, 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ sender: r.mail_from, count: Number(r.n) }));
  }

  async recipients(messageId: string): Promise<RecipientRow[]> {
    return this.db.selectFrom('recipients').selectAll().where('message_id', '=', messageId).orderBy('address').execute();
  }

  async events(messageId: string): Promise<AuditEvent[]> {
    return this.db.selectFrom('events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
  }

  /**
   * Writes that must commit together — rows and their audit events — in one transaction: all of
   * them or none (a user's fields and send-as delegations changed by one request, say).
   */
  inTransaction<T>(work: (w: StoreWriter) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work({ db: trx, audit: (e) => insertEvent(trx, this.kind, e) }));
  }

  async appendEvent(e: EventInput): Promise<void> {
    // an event that webhooks report writes two rows (src/store/webhook-events.ts): together or neither
    if (webhookEventOf({ ...e, at: 0 })) await this.db.transaction().execute((trx) => insertEvent(trx, this.kind, e));
    else await insertEvent(this.db, this.kind, e);
  }

  /**
   * The retention job's way to remove old audit events; the removal is audited. Nothing else may
   * delete events: the database refuses (see audit-retention.ts).
   */
  purgeAuditEvents(request: AuditPurgeRequest): Promise<AuditPurge> {
    return purgeAuditEvents(this.db, this.kind, request);
  }

  // ── failed logins: in the database, so every process and node counts the same ones ──────

  /** failures recorded under `key` after `since` (one exactly as old as the window no longer counts) */
  async authFailures(key: string, since: number): Promise<number> {
    const r = await this.db
      .selectFrom('auth_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('key', '=', key)
      .where('at', '>', since)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /**
   * One failure under each key; returns the new rows' ids, so a login can record its attempt
   * before judging it and withdraw it if it did not fail (see throttle/login-throttle.ts). Failures
   * of these keys older than `windowMs` no longer count and go; so does any failure older than a
   * day (the longest window a setting allows), whatever its key. SMTP AUTH, console login and the
   * token pages keep different windows in this one table, so one caller's window must not cut
   * another's short.
   */
  async recordAuthFailure(keys: string[], at: number, windowMs: number): Promise<number[]> {
    return this.db.transaction().execute(async (trx) => {
      const ids: number[] = [];
      for (const key of keys) {
        const row = await trx.insertInto('auth_failures').values({ key, at }).returning('id').executeTakeFirstOrThrow();
        ids.push(Number(row.id));
      }
      await trx
        .deleteFrom('auth_failures')
        .where('key', 'in', keys)
        .where('at', '<', at - windowMs)
        .execute();
      await trx
        .deleteFrom('auth_failures')
        .where('at', '<', at - Math.max(windowMs, AUTH_FAILURE_HORIZON_MS))
        .execute();
      return ids;
    });
  }

  /** failures under `key` after `since`, leaving out the rows `except` (the caller's own): how many, and the newest one's time */
  async authFailureSummary(key: string, since: number, except: number[] = []): Promise<{ count: number; last: number }> {
    let q = this.db
      .selectFrom('auth_failures')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')])
      .where('key', '=', key)
      .where('at', '>', since);
    if (except.length > 0) q = q.where('id', 'not in', except);
    const r = await q.executeTakeFirst();
    return { count: Number(r?.n ?? 0), last: Number(r?.last ?? 0) };
  }

  /** removes recorded attempts by id (an attempt that turned out not to be a failure) */
  async withdrawAuthFailures(ids: number[]): Promise<void> {
    if (ids.length > 0) await this.db.deleteFrom('auth_failures').where('id', 'in', ids).execute();
  }

  async forgetAuthFailures(key: string): Promise<void> {
    await this.db.deleteFrom('auth_failures').where('key', '=', key).execute();
  }

  // ── where accounts logged in from (login back-off spares these; throttle/login-throttle.ts) ──

  /** Has `account` logged in successfully from `address` (a client key) after `since`? */
  async isKnownLoginAddress(account: string, address: string, since: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('login_addresses')
      .select('last_ok_at')
      .where('account', '=', account)
      .where('address', '=', address)
      .where('last_ok_at', '>', since)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A successful login of `account` from `address`; addresses not used for `keepMs` are forgotten. */
  async rememberLoginAddress(account: string, address: string, at: number, keepMs: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('login_addresses')
        .values({ account, address, last_ok_at: at })
        .onConflict((oc) => oc.columns(['account', 'address']).doUpdateSet({ last_ok_at: at }))
        .execute();
      await trx
        .deleteFrom('login_addresses')
        .where('last_ok_at', '<', at - keepMs)
        .execute();
    });
  }

  /**
   * Moves a leased message to its next state, records per-recipient results and an audit event,
   * and releases the lease. Returns false (and changes nothing) if this node no longer holds the
   * lease — another node took the message over, so its result must not be written. After a
   * delivery the next hop has the message, and until its result is durable a crash makes it go
   * out again (docs/delivery.md, "Exactly once"): see commitResult for how soon that is.
   */
  async transition(
    m: Pick<MessageRow, 'id' | 'tenant_id'>,
    node: string,
    change: StateChange,
    recipientResults: Array<{ address: string; state: RecipientRow['state']; response: string }> = [],
  ): Promise<boolean> {
    return this.commitResult(async (trx) => {
      const now = Date.now();
      const set: Record<string, unknown> = {
        state: change.state,
        due_at: change.dueAt,
        updated_at: now,
        locked_by: null,
        locked_until: null,
        ...(change.attempts !== undefined ? { attempts: change.attempts } : {}),
        ...(change.firstAttemptAt !== undefined ? { first_attempt_at: change.firstAttemptAt } : {}),
        ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
        ...(change.plan !== undefined ? { plan: JSON.stringify(change.plan) } : {}),
      };
      const updated = await transitionQuery(Object.keys(set)).execute(trx, this.kind, m.id, node, ...Object.values(set));
      if (Number(updated.numAffectedRows) !== 1) return false;
      for (const r of recipientResults) await Q.recipientResult.execute(trx, this.kind, r.state, r.response, now, m.id, r.address);
      await insertEvents(
        trx,
        this.kind,
        [change.event ?? []].flat().map((e) => ({ ...e, tenantId: m.tenant_id, messageId: m.id })),
      );
      return true;
    });
  }

  /**
   * Commits a delivery result. PostgreSQL takes writers side by side: its own transaction at once,
   * instead of queueing behind the group commit being written (on a loaded host that cut the time
   * from a delivery's 250 to its committed result from a mean of ~220–450 ms to ~90 ms). SQLite
   * has one writer: the next group commit, with the accepted messages on their way in — a result
   * that cut their batch short cost a commit of its own (and the other processes their page
   * caches) for a window ~2 ms shorter (docs/delivery.md, "Measured: duplicates per kill -9").
   */
  private async commitResult<T>(write: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    if (this.kind !== 'postgres') return this.groupCommit(write);
    let result: T;
    await this.dialect.groupTransaction(async (trx) => {
      result = await write(trx);
    });
    return result!;
  }

  /** Pending recipients of deferred mail within the scope, with when their message arrived (queue/queue-shape.ts). */
  async deferredRecipients(scope: TenantScope): Promise<Array<{ address: string; created_at: number }>> {
    let q = this.db
      .selectFrom('recipients')
      .innerJoin('messages', 'messages.id', 'recipients.message_id')
      .select(['recipients.address', 'messages.created_at'])
      .where('messages.state', '=', 'deferred')
      .where('recipients.state', '=', 'pending');
    if ('tenantId' in scope) q = q.where('messages.tenant_id', '=', scope.tenantId);
    return q.execute();
  }

  /** How many of the tenant's messages are in each state (every state, final ones too), in state-name order. */
  async tenantStateCounts(tenantId: string): Promise<Record<string, number>> {
    const rows = await sql<{ state: MessageState; n: number | string }>`
      SELECT state, COUNT(*) AS n FROM messages WHERE tenant_id = ${tenantId} GROUP BY state ORDER BY state`.execute(this.db);
    return Object.fromEntries(rows.rows.map((r) => [r.state, Number(r.n)]));
  }

  /** Queue depth per state, for /metrics and `message list`. */
  async stateCounts(): Promise<Array<{ tenant_id: string; state: MessageState; n: number }>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['tenant_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('state', 'not in', FINAL_MESSAGE_STATES)
      .groupBy(['tenant_id', 'state'])
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }
}

/**
 * The facts kept in messages.facts: the facts without the body text and HTML, which the stored
 * body holds already (keeping them twice doubled the bytes written per message, and escaping them
 * cost a fifth of the acceptance's CPU). mime/stored-facts.ts parses them back for its readers.
 * Facts of system mail may be partial.
 */
function storedFactsOf(facts: StoredFacts): StoredFacts {
  const { text: _text, html: _html, ...rest } = facts;
  return rest;
}

/** The first message of the tenant with this submission digest created since `since`, if any. */
async function firstWithDigest(db: Kysely<DB>, kind: string, tenantId: string, digest: string, since: number): Promise<string | null> {
  // Only equality terms, so the planner has one good index (messages_digest) to pick; with the
  // time range in SQL SQLite chose (tenant_id, created_at) and read every message of the window.
  const { rows } = await Q.withDigest.execute(db, kind, digest, tenantId);
  const first = rows.filter((r) => Number(r.created_at) >= since).sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  return first?.id ?? null;
}

async function insertMessageRows(trx: Kysely<DB>, kind: string, m: NewMessage): Promise<Message> {
  const now = Date.now();
  const facts = storedFactsOf(m.facts);
  const row: MessageRow = {
    id: m.id,
    tenant_id: m.tenantId,
    direction: m.direction,
    state: m.state,
    due_at: m.dueAt,
    created_at: now,
    updated_at: now,
    mail_from: m.mailFrom,
    recipients: JSON.stringify(m.recipients),
    header_from: m.headerFrom,
    subject: m.subject,
    message_id: m.messageId,
    size: m.size,
    facts: JSON.stringify(facts),
    plan: m.plan == null ? null : JSON.stringify(m.plan),
    submitted_by: m.submittedBy,
    attempts: 0,
    first_attempt_at: null,
    last_error: null,
    locked_by: m.lease?.node ?? null,
    locked_until: m.lease?.until ?? null,
    digest: m.digest ?? null,
    body_purged_at: null,
  };
  await Q.insertMessage.execute(trx, kind, ...MESSAGE_COLUMNS.map((c) => row[c]));
  await insertBody(trx, kind, m.id, m.body);
  for (const address of m.recipients) await Q.insertRecipient.execute(trx, kind, m.id, address, now);
  await insertEvents(
    trx,
    kind,
    m.events.map((e) => ({ ...e, tenantId: m.tenantId, messageId: m.id })),
  );
  if (m.alsoWrite) await m.alsoWrite(trx);
  // the Message decodeMessage would read back, from what was written (no JSON parsed again)
  return { ...row, recipients: m.recipients, facts, plan: m.plan ?? {} };
}

// ── the statements every message runs, compiled once (see prepared.ts) ─────────────────────────

const MESSAGE_COLUMNS = [
  'id',
  'tenant_id',
  'direction',
  'state',
  'due_at',
  'created_at',
  'updated_at',
  'mail_from',
  'recipients',
  'header_from',
  'subject',
  'message_id',
  'size',
  'facts',
  'plan',
  'submitted_by',
  'attempts',
  'first_attempt_at',
  'last_error',
  'locked_by',
  'locked_until',
  'digest',
] as const satisfies ReadonlyArray<keyof MessageRow>;

const Q = {
  findDomain: new Prepared(1, (db, domain: string) => db.selectFrom('domains').selectAll().where('domain', '=', domain)),
  tenantDomains: new Prepared(1, (db, tenantId: string) =>
    db.selectFrom('domains').selectAll().where('tenant_id', '=', tenantId).orderBy('domain'),
  ),
  userByEmail: new Prepared(1, (db, email: string) => db.selectFrom('users').selectAll().where('email', '=', email)),
  withDigest: new Prepared(2, (db, digest: string, tenantId: string) =>
    db.selectFrom('messages').select(['id', 'created_at']).where('digest', '=', digest).where('tenant_id', '=', tenantId),
  ),
  insertMessage: new Prepared(MESSAGE_COLUMNS.length, (db, ...v: unknown[]) =>
    // biome-ignore lint/suspicious/noExplicitAny: placeholders, one per column: Prepared binds the typed values per call
    db.insertInto('messages').values(Object.fromEntries(MESSAGE_COLUMNS.map((c, i) => [c, v[i]])) as any),
  ),
  insertRecipient: new Prepared(3, (db, id: string, address: string, now: number) =>
    db.insertInto('recipients').values({ message_id: id, address, state: 'pending', attempts: 0, last_response: null, updated_at: now }),
  ),
  recipientResult: new Prepared(5, (db, state: string, response: string, now: number, id: string, address: string) =>
    db
      .updateTable('recipients')
      .set((eb) => ({ state: state as RecipientRow['state'], last_response: response, updated_at: now, attempts: eb('attempts', '+', 1) }))
      .where('message_id', '=', id)
      .where('address', '=', address),
  ),
};

/** The lease-checked message update of transition(), one compiled form per set of columns. */
const transitionForms = preparedPerShape((key: string) => {
  const columns = key.split(',');
  return new Prepared(2 + columns.length, (db, id, node, ...values) =>
    db
      .updateTable('messages')
      // biome-ignore lint/suspicious/noExplicitAny: placeholders, one per column: Prepared binds the typed values per call
      .set(Object.fromEntries(columns.map((c, i) => [c, values[i]])) as any)
      .where('id', '=', id as string)
      .where('locked_by', '=', node as string),
  );
});
function transitionQuery(columns: string[]): Prepared<unknown[], unknown> {
  return transitionForms(columns.join(','));
}

/**
 * One audit event, in `db` (a transaction's, for writes that must commit together). An event that
 * webhooks report (src/store/webhook-events.ts) enqueues their deliveries in the same transaction.
 */
export async function insertEvent(db: Kysely<DB>, kind: string, e: EventInput): Promise<void> {
  await insertEvents(db, kind, [e]);
}

/** Audit events that are written together (a message's, at its acceptance): one INSERT for up to EVENTS_PER_INSERT of them, in order. */
async function insertEvents(db: Kysely<DB>, kind: string, events: EventInput[]): Promise<void> {
  const rows = events.map(eventRow);
  for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
    const some = rows.slice(i, i + EVENTS_PER_INSERT);
    await insertEventRows(some.length).execute(
      db,
      kind,
      ...some.flatMap((r) => [r.tenant_id, r.message_id, r.at, r.actor, r.type, r.data]),
    );
  }
  for (const [i, e] of events.entries()) await enqueueForAudit(db, kind, { ...e, at: rows[i]!.at });
}

const EVENTS_PER_INSERT = 4;
const EVENT_COLUMNS = 6;
/** the INSERT of n events (n ≤ EVENTS_PER_INSERT), compiled once each (see prepared.ts) */
const insertEventRows = preparedPerShape(
  (n: number) =>
    new Prepared(n * EVENT_COLUMNS, (db, ...v: unknown[]) =>
      db.insertInto('events').values(
        Array.from({ length: n }, (_, i) => {
          const [tenant_id, message_id, at, actor, type, data] = v.slice(i * EVENT_COLUMNS, (i + 1) * EVENT_COLUMNS);
          return { tenant_id, message_id, at, actor, type, data } as Insertable<EventTable>;
        }),
      ),
    ),
);

function eventRow(e: EventInput) {
  return {
    tenant_id: e.tenantId,
    message_id: e.messageId,
    at: Date.now(),
    actor: e.actor,
    type: e.type,
    data: JSON.stringify(e.data ?? {}),
  };
}
