// The data layer every console/API query goes through. A ScopedStore is bound to one principal
// and one tenant: every query it runs carries `tenant_id = <that tenant>`, and for the role
// `user` also "my own mail only" (submitted by the user, or outbound with the user as envelope
// sender — an outsider can put anyone's address on inbound mail, so that never counts). Approvers see
// their own mail plus the messages assigned to them for approval. Routes reach tenant data only
// through it — its own queries, and services it runs with this tenant (`scope`, `ofTenant`,
// `withUser`, `withMessage`) — so a route never picks the tenant. Still on the raw store, checked
// by test/structure/raw-store.test.ts: login and TOTP (no tenant yet), the operator's views across
// tenants, and the outbound actions and release requests, whose actor carries the tenant.
import type { AuditEventType } from '../../audit/event-groups.ts';
import { countAudit, searchAudit, type AuditFilter } from '../../store/audit-search.ts';
import type { AuditRow } from '../../audit/audit-row.ts';
import { tenantTimeZone } from '../../users/tenant-profile.ts';
import { DEFAULT_TIME_ZONE } from '../../util/zoned-time.ts';
import type { AuditEvent, Message, RecipientRow, Store, Tenant, User } from '../../store/store.ts';
import type { Principal } from '../session/auth.ts';
import { outboundStateOf } from '../../outbound/outbound-state.ts';
import { ServiceError } from '../../util/service-error.ts';
import { attachmentOfRow, messageViewOfRow, type MessageView } from '../../mime/message-view.ts';
import { searchMessageRows, type MessagePage, type MessageSearch } from '../../store/message-search.ts';
import { tenantScope, type TenantScope } from '../../store/tenant-scope.ts';
import {
  deleteMessage,
  listQueue,
  retryNow,
  type ControlResult,
  type QueueFilter,
  type RetryTarget,
} from '../../delivery/queue-control.ts';
import { downloadStatus, withdrawFiles, type DownloadStatus } from '../../attachments/control.ts';
import type { BlobStore } from '../../blob/blob-store.ts';
import { findUser } from '../../users/people.ts';
import { attachmentDetails, type AttachmentDetails } from '../../attachments/details.ts';
import { countQuarantine, listQuarantine, type QuarantineFilter, type QuarantineItem } from '../../inbound/quarantine.ts';

export class ScopedStore {
  constructor(
    readonly raw: Store,
    readonly principal: Principal,
    readonly tenant: Tenant,
  ) {}

  get tenantId(): string {
    return this.tenant.id;
  }

  /** The scope the services take (src/store/tenant-scope.ts): always this one tenant. */
  get scope(): TenantScope {
    return tenantScope(this.tenant.id);
  }

  /** The tenant's time zone (users/tenant-profile.ts). */
  get timeZone(): string {
    return tenantTimeZone(this.tenant);
  }

  /** May this principal see everything in the tenant? */
  get isAdmin(): boolean {
    return this.principal.role === 'admin' || this.principal.role === 'operator';
  }

  /** Keyset-paginated search, newest first, with the total (src/store/message-search.ts); users see their own mail. */
  async searchMessages(s: MessageSearch): Promise<MessagePage> {
    return searchMessageRows(this.raw.db, { tenantId: this.tenantId, ...(this.isAdmin ? {} : { ownMailOf: this.principal.email }) }, s);
  }

  /** One message if this principal may see it (404 otherwise — existence is not revealed). */
  async message(id: string): Promise<Message> {
    const m = await this.raw.message(id, this.scope);
    if (!m || !this.canSee(m)) throw new ServiceError('no_such_record', `no message with id ${id}`);
    return m;
  }

  private canSee(m: Message): boolean {
    if (this.isAdmin) return true;
    const me = this.principal.email;
    if (m.submitted_by === me || (m.direction === 'outbound' && m.mail_from === me)) return true;
    if (m.direction === 'inbound' && this.principal.role !== 'user') return false;
    if (m.direction === 'inbound') return m.recipients.includes(me);
    const { state } = outboundStateOf(m);
    return (state?.stages ?? []).some((st) => (st.approvers ?? []).includes(me));
  }

  async timeline(id: string): Promise<AuditEvent[]> {
    await this.message(id);
    return this.raw.db
      .selectFrom('events')
      .selectAll()
      .where('message_id', '=', id)
      .where('tenant_id', '=', this.tenantId)
      .orderBy('id')
      .execute();
  }

  async recipients(id: string): Promise<RecipientRow[]> {
    await this.message(id);
    return this.raw.recipients(id);
  }

  /** The message as a person deciding on it sees it (src/mime/message-view.ts); 404 when its body is gone. */
  async view(id: string): Promise<MessageView> {
    const m = await this.message(id);
    const view = await messageViewOfRow(this.raw, m);
    if (!view) throw new ServiceError('no_such_record', `the body of message ${id} is no longer stored`);
    return view;
  }

  /** One attached file (approvers and admins), audited as attachment.viewed. */
  async attachment(id: string, index: number): Promise<{ filename: string; contentType: string; content: Uint8Array }> {
    this.requireApprover();
    const m = await this.message(id);
    const file = await attachmentOfRow(this.raw, m, index);
    if (!file) throw new ServiceError('no_such_record', `message ${id} has no attachment ${index}`);
    await this.audit('attachment.viewed', { index, filename: file.filename, via: 'console' }, id);
    return file;
  }

  /** Who downloaded a message's files (src/attachments/control.ts), if this principal may see the message. */
  async downloadStatus(id: string): Promise<DownloadStatus> {
    await this.message(id);
    return downloadStatus(this.raw, this.scope, id);
  }

  /** Withdraws one file or all files of a message this principal may see; the files withdrawn now. */
  async withdrawFiles(blobs: BlobStore, id: string, file: number | undefined): Promise<number> {
    await this.message(id);
    return withdrawFiles(this.raw, blobs, this.scope, id, { file, actor: this.principal.email });
  }

  /** The tenant's queue (src/delivery/queue-control.ts). */
  queue(filter: QueueFilter): Promise<Message[]> {
    return listQueue(this.raw, this.scope, filter);
  }

  /** Makes the tenant's waiting messages due now, audited with this principal. */
  retryNow(target: RetryTarget): Promise<ControlResult> {
    return retryNow(this.raw, this.scope, target, this.principal.email);
  }

  /** Deletes a waiting or parked message of the tenant, audited with this principal. */
  deleteQueued(id: string, reason: string | undefined): Promise<ControlResult> {
    return deleteMessage(this.raw, this.scope, { id, ...(reason ? { reason } : {}) }, this.principal.email);
  }

  /** A user of this tenant (ServiceError no_such_user otherwise). */
  user(email: string): Promise<User> {
    return findUser(this.raw, this.scope, email);
  }

  /**
   * Runs a service of this tenant, `fn(store, tenantId, ...args)`: the route names the service and
   * its arguments but never holds the raw store or picks the tenant.
   */
  ofTenant<A extends unknown[], R>(fn: (store: Store, tenantId: string, ...args: A) => R, ...args: A): R {
    return fn(this.raw, this.tenantId, ...args);
  }

  /** Runs a service on one user of this tenant (found by `user`), `fn(store, user, ...args)`. */
  withUser<A extends unknown[], R>(user: User, fn: (store: Store, user: User, ...args: A) => R, ...args: A): R {
    if (user.tenant_id !== this.tenantId) throw new ServiceError('no_such_user', `no user ${user.email} in this tenant`);
    return fn(this.raw, user, ...args);
  }

  /** Runs a service on a message of this tenant (one `message` returned), `fn(store, m, ...args)`. */
  withMessage<A extends unknown[], R>(m: Message, fn: (store: Store, m: Message, ...args: A) => R, ...args: A): R {
    if (m.tenant_id !== this.tenantId) throw new ServiceError('no_such_record', `no message with id ${m.id}`);
    return fn(this.raw, m, ...args);
  }

  /** Adds users to this tenant (admins), audited with this principal; the rows are checked by the caller. */
  createUsers(users: Parameters<Store['createUsers']>[1]): ReturnType<Store['createUsers']> {
    this.requireAdmin();
    return this.raw.createUsers(this.tenantId, users, this.principal.email);
  }

  /** ZIP password and download facts of a message this principal may see (src/attachments/details.ts). */
  async attachmentDetails(id: string): Promise<AttachmentDetails> {
    await this.message(id);
    return attachmentDetails(this.raw, id);
  }

  /** The tenant's quarantined mail, newest first (src/inbound/quarantine.ts); users see what is held for them. */
  quarantine(f: Omit<QuarantineFilter, 'tenantId' | 'recipient'>): Promise<QuarantineItem[]> {
    return listQuarantine(this.raw, this.quarantineFilter(f));
  }

  /** How many quarantined messages `quarantine` would list without its page limit. */
  countQuarantine(f: Omit<QuarantineFilter, 'tenantId' | 'recipient' | 'beforeId' | 'limit'>): Promise<number> {
    return countQuarantine(this.raw, this.quarantineFilter(f));
  }

  private quarantineFilter<F extends object>(f: F): F & { tenantId: string; recipient?: string } {
    return { ...f, tenantId: this.tenantId, ...(this.isAdmin ? {} : { recipient: this.principal.email }) };
  }

  requireAdmin(): void {
    if (!this.isAdmin) throw new ServiceError('needs_role', 'this needs the admin role');
  }

  requireApprover(): void {
    if (!this.isAdmin && this.principal.role !== 'approver') throw new ServiceError('needs_role', 'this needs the approver or admin role');
  }

  async users() {
    this.requireAdmin();
    return this.raw.db
      .selectFrom('users')
      .select(['id', 'email', 'role', 'approver_email', 'language', 'created_at'])
      .where('tenant_id', '=', this.tenantId)
      .orderBy('email')
      .execute();
  }

  /** Each user's delegations (addresses they may send as besides their own), by user id. */
  async sendAsByUser(): Promise<Map<string, string[]>> {
    this.requireAdmin();
    const rows = await this.raw.db
      .selectFrom('user_send_as')
      .innerJoin('users', 'users.id', 'user_send_as.user_id')
      .select(['user_send_as.user_id', 'user_send_as.address'])
      .where('users.tenant_id', '=', this.tenantId)
      .orderBy('user_send_as.address')
      .execute();
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), r.address]);
    return out;
  }

  async domains() {
    return this.raw.db.selectFrom('domains').selectAll().where('tenant_id', '=', this.tenantId).orderBy('domain').execute();
  }

  async setInboundRoute(domain: string, route: string | null): Promise<void> {
    this.requireAdmin();
    const r = await this.raw.db
      .updateTable('domains')
      .set({ inbound_route: route })
      .where('tenant_id', '=', this.tenantId)
      .where('domain', '=', domain.toLowerCase())
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ServiceError('no_such_record', `no domain ${domain} in this tenant`);
    this.raw.directory.forget();
    await this.audit('domain.route_set', { domain: domain.toLowerCase(), route });
  }

  /** Tenant events since `since` (dashboard); only the columns the charts need. */
  async eventsSince(since: number, types: string[]) {
    this.requireAdmin();
    return this.raw.db
      .selectFrom('events')
      .select(['at', 'type', 'data', 'message_id'])
      .where('tenant_id', '=', this.tenantId)
      .where('at', '>=', since)
      .where('type', 'in', types)
      .orderBy('id')
      .limit(200_000)
      .execute();
  }

  async topSenders(since: number, limit = 10) {
    this.requireAdmin();
    return this.raw.topSenders(this.tenantId, since, limit);
  }

  /** The tenant's audit log (admins): one page, newest first, and how many events match in all. */
  async auditLog(f: AuditFilter, withTotal = true): Promise<AuditPage> {
    this.requireAdmin();
    return readAudit(this.raw, { tenantId: this.tenantId }, f, withTotal);
  }

  /** Appends an audit event on this tenant with the acting person. */
  audit(type: AuditEventType, data: Record<string, unknown>, messageId: string | null = null): Promise<void> {
    return this.raw.appendEvent({ tenantId: this.tenantId, messageId, actor: this.principal.email, type, data });
  }
}

/**
 * The scope for a request: tenant users are bound to their own tenant (any tenant they name is
 * ignored); an operator must name the tenant (X-Sekisho-Tenant header or ?tenant=, name or id).
 */
export async function scopedStore(store: Store, principal: Principal, requestedTenant?: string): Promise<ScopedStore> {
  let tenant: Tenant | undefined;
  if (principal.role === 'operator') {
    if (!requestedTenant) throw new ServiceError('bad_request', 'operators must name the tenant (X-Sekisho-Tenant header or ?tenant=)');
    tenant = (await store.tenantByName(requestedTenant)) ?? (await store.tenantById(requestedTenant));
    if (!tenant) throw new ServiceError('no_such_record', `no tenant ${requestedTenant}`);
  } else {
    tenant = await store.tenantById(principal.tenantId!);
    if (!tenant) throw new ServiceError('no_such_record', 'tenant gone');
  }
  return new ScopedStore(store, principal, tenant);
}

/**
 * The audit log a request may read: a tenant user's own tenant (admins only), an operator's named
 * tenant, or — an operator naming none — every tenant's. `zoneOf`: the zone a row's CSV time is in
 * (its tenant's).
 */
export async function auditLogFor(
  store: Store,
  principal: Principal,
  requestedTenant: string | undefined,
): Promise<{ read: (f: AuditFilter, withTotal?: boolean) => Promise<AuditPage>; zoneOf: (tenantId: string | null) => string }> {
  if (principal.role === 'operator' && !requestedTenant) {
    // every tenant's rows: each in its own tenant's zone (the offset in each time says which)
    const zones = new Map((await store.listTenants()).map((t) => [t.id, tenantTimeZone(t)]));
    return {
      read: (f, withTotal = true) => readAudit(store, { allTenants: true }, f, withTotal),
      zoneOf: (id) => (id && zones.get(id)) || DEFAULT_TIME_ZONE,
    };
  }
  const scoped = await scopedStore(store, principal, requestedTenant);
  scoped.requireAdmin();
  const zone = scoped.timeZone;
  return { read: (f, withTotal) => scoped.auditLog(f, withTotal), zoneOf: () => zone };
}

export interface AuditPage {
  items: AuditRow[];
  next: number | null;
  /** events the filter matches in all (null when not asked for: the CSV export's pages) */
  total: number | null;
}

async function readAudit(store: Store, scope: TenantScope, f: AuditFilter, withTotal: boolean): Promise<AuditPage> {
  const [page, total] = await Promise.all([searchAudit(store.db, scope, f), withTotal ? countAudit(store.db, scope, f) : null]);
  return { ...page, total };
}

/** DKIM keys of the tenant's domains (public parts only). */
export async function tenantDkimKeys(scoped: ScopedStore) {
  return scoped.raw.db
    .selectFrom('dkim_keys')
    .select(['domain', 'selector', 'public_key', 'created_at'])
    .where('tenant_id', '=', scoped.tenantId)
    .orderBy('domain')
    .execute();
}
