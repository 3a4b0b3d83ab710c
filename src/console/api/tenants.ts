// GET /api/tenants: the operator's (MSP's) overview of every tenant — domains, users, mail today,
// mail waiting for a person (held/confirm/approve), quarantined, and the last delivery error —
// in a handful of grouped queries whatever the number of tenants. Operators only; "today" is the
// calendar day in each tenant's own time zone (one grouped count per zone in use). And
// /api/tenant/profile: a tenant's time zone and display name, read by its people, changed by its
// admins (operators: ?tenant=), audited as tenant.profile.
import type { Store } from '../../store/store.ts';
import { STAGE_WAIT_STATES } from '../../store/schema/message-state.ts';
import { lastErrorAtPerTenant, messagesPerTenant } from '../../store/message-counts.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import { bool, int, list, nullable, num, object, str, strList } from './schema-kit.ts';
import { setTenantProfile, tenantProfile, tenantTimeZone } from '../../users/tenant-profile.ts';
import { dayStartInZone } from '../../util/zoned-time.ts';

export interface TenantOverview {
  id: string;
  name: string;
  /** the company name people see (null: show the name) */
  displayName: string | null;
  timeZone: string;
  disabled: boolean;
  domains: string[];
  users: number;
  mailToday: number;
  waiting: number;
  quarantined: number;
  /** when a message of the tenant last had a delivery error (the text stays on the message page) */
  lastErrorAt: number | null;
}

const countBy = (rows: Array<{ tenant_id: string; n: number | string | bigint }>) => new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));

export async function tenantOverview(store: Store, now = Date.now()): Promise<TenantOverview[]> {
  const db = store.db;
  const tenants = await db.selectFrom('tenants').select(['id', 'name', 'disabled_at', 'settings']).orderBy('name').execute();
  const domains = await db.selectFrom('domains').select(['tenant_id', 'domain']).orderBy('domain').execute();
  const users = countBy(
    await db
      .selectFrom('users')
      .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('tenant_id')
      .execute(),
  );
  const byZone = new Map<string, string[]>();
  for (const t of tenants) {
    const zone = tenantTimeZone(t);
    byZone.set(zone, [...(byZone.get(zone) ?? []), t.id]);
  }
  const today = new Map<string, number>();
  for (const [zone, ids] of byZone) {
    for (const [id, n] of await messagesPerTenant(db, { tenantIds: ids, since: dayStartInZone(now, zone) })) today.set(id, n);
  }
  const waiting = await messagesPerTenant(db, { states: STAGE_WAIT_STATES });
  const quarantined = await messagesPerTenant(db, { states: ['quarantined'] });
  const lastError = await lastErrorAtPerTenant(db);
  return tenants.map((t) => ({
    id: t.id,
    name: t.name,
    displayName: tenantProfile(t).displayName,
    timeZone: tenantTimeZone(t),
    disabled: t.disabled_at != null,
    domains: domains.filter((d) => d.tenant_id === t.id).map((d) => d.domain),
    users: users.get(t.id) ?? 0,
    mailToday: today.get(t.id) ?? 0,
    waiting: waiting.get(t.id) ?? 0,
    quarantined: quarantined.get(t.id) ?? 0,
    lastErrorAt: lastError.get(t.id) ?? null,
  }));
}

const profileSchema = object({ timeZone: str, displayName: nullable(str) });
const tenantQuery = { type: 'object', properties: { tenant: { type: 'string', maxLength: 200 } }, additionalProperties: false } as const;

export const tenantRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/tenants',
    summary: 'Operators: every tenant with its domains, users, mail today, mail waiting for a person, quarantined and last delivery error',
    tag: 'tenants',
    access: 'admin',
    schema: {
      response: object({
        items: list(
          object({
            id: str,
            name: str,
            displayName: nullable(str),
            timeZone: str,
            disabled: bool,
            domains: strList,
            users: int,
            mailToday: int,
            waiting: int,
            quarantined: int,
            lastErrorAt: nullable(num),
          }),
        ),
      }),
    },
    async handler(_req, ctx) {
      if (ctx.principal!.role !== 'operator') throw new HttpError(403, 'operators only', { code: 'forbidden' });
      return { items: await tenantOverview(ctx.deps.store) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/tenant/profile',
    summary: 'The tenant’s time zone (IANA name) and display name',
    tag: 'tenants',
    access: 'any',
    schema: { querystring: tenantQuery, response: profileSchema },
    async handler(_req, ctx) {
      return tenantProfile((await ctx.scoped()).tenant);
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/tenant/profile',
    summary:
      'Set the tenant’s time zone (every time its people see is shown in it) and display name; 400 invalid_time_zone ' +
      'for a name that is not an IANA zone',
    tag: 'tenants',
    access: 'admin',
    schema: {
      querystring: tenantQuery,
      body: {
        type: 'object',
        properties: {
          /** IANA zone, e.g. Asia/Tokyo, Europe/Berlin */
          timeZone: { type: 'string', minLength: 1, maxLength: 64 },
          /** the company name people see; "" or null = the tenant's name */
          displayName: { type: ['string', 'null'], maxLength: 200 },
        },
        additionalProperties: false,
      },
      response: profileSchema,
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      scoped.requireAdmin();
      return setTenantProfile(
        ctx.deps.store,
        scoped.tenant,
        req.body as { timeZone?: string; displayName?: string | null },
        scoped.principal.email,
      );
    },
  }),
];
