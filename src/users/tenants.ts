// Tenants and their domains over their lifetime: list and show a tenant, disable and enable it, add
// and remove a domain. One function per action, called by the CLI (and the API where it offers the
// action); each change is audited. A disabled tenant keeps everything it holds, but its users
// cannot log in (SMTP AUTH, console) and mail for its domains is refused with 5.7.x (see
// accept/acceptor.ts); enabling it restores all of that.
import { sql } from 'kysely';
import type { Domain, Store, Tenant } from '../store/store.ts';
import { ServiceError } from '../util/service-error.ts';
import { tenantProfile } from './tenant-profile.ts';
import { DOMAIN_RE } from '../util/address.ts';

export async function findTenant(store: Store, name: string): Promise<Tenant> {
  const tenant = await store.tenantByName(name);
  if (!tenant) throw new ServiceError('no_such_record', `no tenant named "${name}" (see: sekisho tenant list)`);
  return tenant;
}

/** An inbound route smtp://host[:port] (smtps:// too), or the reason it is not one. */
export function routeProblem(route: string): string | null {
  let u: URL;
  try {
    u = new URL(route);
  } catch {
    return `"${route}" is not a URL like smtp://mail.example.co.jp:25`;
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') return 'the inbound route must start with smtp:// or smtps://';
  if (!u.hostname) return `"${route}" has no host`;
  return null;
}

export interface TenantSummary {
  name: string;
  id: string;
  /** the company name people see; null = the name */
  displayName: string | null;
  /** IANA zone every time shown to the tenant is in */
  timeZone: string;
  createdAt: number;
  disabled: boolean;
  disabledAt: number | null;
  domains: Array<{ domain: string; inboundRoute: string | null }>;
  users: { admin: number; approver: number; user: number; disabled: number };
  messages: Record<string, number>;
}

export async function tenantSummary(store: Store, tenant: Tenant): Promise<TenantSummary> {
  const domains = await store.db.selectFrom('domains').selectAll().where('tenant_id', '=', tenant.id).orderBy('domain').execute();
  const users = await store.db.selectFrom('users').select(['role', 'disabled_at']).where('tenant_id', '=', tenant.id).execute();
  const messages = await store.tenantStateCounts(tenant.id);
  const count = (role: string) => users.filter((u) => u.role === role).length;
  return {
    name: tenant.name,
    id: tenant.id,
    ...tenantProfile(tenant),
    createdAt: Number(tenant.created_at),
    disabled: tenant.disabled_at != null,
    disabledAt: tenant.disabled_at == null ? null : Number(tenant.disabled_at),
    domains: domains.map((d) => ({ domain: d.domain, inboundRoute: d.inbound_route })),
    users: {
      admin: count('admin'),
      approver: count('approver'),
      user: count('user'),
      disabled: users.filter((u) => u.disabled_at != null).length,
    },
    messages,
  };
}

/** Every tenant with its summary, by name. */
export async function listTenantSummaries(store: Store): Promise<TenantSummary[]> {
  const out: TenantSummary[] = [];
  for (const t of await store.listTenants()) out.push(await tenantSummary(store, t));
  return out;
}

/** Disables (or enables) the tenant; false when it already was. Its users' console sessions end. */
export async function setTenantDisabled(store: Store, tenant: Tenant, disabled: boolean, actor: string): Promise<boolean> {
  if ((tenant.disabled_at != null) === disabled) return false;
  await store.db
    .updateTable('tenants')
    .set({ disabled_at: disabled ? Date.now() : null })
    .where('id', '=', tenant.id)
    .execute();
  if (disabled) {
    await sql`DELETE FROM console_sessions WHERE email IN (SELECT email FROM users WHERE tenant_id = ${tenant.id})`.execute(store.db);
  }
  store.directory.forget();
  await store.appendEvent({
    tenantId: tenant.id,
    messageId: null,
    actor,
    type: disabled ? 'tenant.disabled' : 'tenant.enabled',
    data: { name: tenant.name },
  });
  return true;
}

/** Adds a mail domain to the tenant; inbound mail for it is accepted once it has a route. */
export async function addDomain(
  store: Store,
  tenant: Tenant,
  domainName: string,
  inboundRoute: string | null,
  actor: string,
): Promise<Domain> {
  const domain = domainName.trim().toLowerCase();
  if (!DOMAIN_RE.test(domain)) throw new ServiceError('bad_request', `"${domainName}" is not a domain name`);
  if (inboundRoute) {
    const problem = routeProblem(inboundRoute);
    if (problem) throw new ServiceError('bad_request', problem);
  }
  const owner = await store.db.selectFrom('domains').selectAll().where('domain', '=', domain).executeTakeFirst();
  if (owner) {
    const other = owner.tenant_id === tenant.id ? 'this tenant' : 'another tenant';
    throw new ServiceError('conflict', `domain ${domain} belongs to ${other} already`);
  }
  const row: Domain = { domain, tenant_id: tenant.id, inbound_route: inboundRoute || null, created_at: Date.now() };
  await store.db.insertInto('domains').values(row).execute();
  store.directory.forget();
  await store.appendEvent({
    tenantId: tenant.id,
    messageId: null,
    actor,
    type: 'domain.added',
    data: { domain, inboundRoute: row.inbound_route },
  });
  return row;
}

/**
 * Removes a domain: mail for it is refused from then on (550 5.7.1, like any domain this gateway
 * does not serve). Refused while users have addresses in it, and for a tenant's last domain.
 * Its DKIM key goes with it; mail already accepted stays.
 */
export async function removeDomain(store: Store, domainName: string, actor: string): Promise<Domain> {
  const domain = domainName.trim().toLowerCase();
  const row = await store.db.selectFrom('domains').selectAll().where('domain', '=', domain).executeTakeFirst();
  if (!row) throw new ServiceError('no_such_record', `no domain ${domain} (see: sekisho domain list)`);
  const users = await store.db
    .selectFrom('users')
    .select('email')
    .where('tenant_id', '=', row.tenant_id)
    .where('email', 'like', `%@${domain}`)
    .execute();
  if (users.length) {
    throw new ServiceError('conflict', `${users.length} user(s) have addresses in ${domain} (${users[0]!.email}…): delete them first`);
  }
  const siblings = await store.db.selectFrom('domains').select('domain').where('tenant_id', '=', row.tenant_id).execute();
  if (siblings.length <= 1) throw new ServiceError('conflict', `${domain} is the tenant's only domain (delete the tenant instead)`);
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('dkim_keys').where('domain', '=', domain).execute();
    await trx.deleteFrom('domains').where('domain', '=', domain).execute();
  });
  store.directory.forget();
  await store.appendEvent({ tenantId: row.tenant_id, messageId: null, actor, type: 'domain.removed', data: { domain } });
  return row;
}

/** Every domain with its tenant's name, by domain. */
export async function listDomains(store: Store): Promise<Array<{ domain: string; tenant: string; inboundRoute: string | null }>> {
  const rows = await store.db
    .selectFrom('domains')
    .innerJoin('tenants', 'tenants.id', 'domains.tenant_id')
    .select(['domains.domain', 'tenants.name', 'domains.inbound_route'])
    .orderBy('domains.domain')
    .execute();
  return rows.map((r) => ({ domain: r.domain, tenant: r.name, inboundRoute: r.inbound_route }));
}
