// GET /api/tenants: the operator's (MSP's) overview of every tenant — domains, users, mail today,
// mail waiting for a person (held/confirm/approve), quarantined, and the last delivery error —
// in a handful of grouped queries whatever the number of tenants. Operators only; "today" is the
// calendar day in Asia/Tokyo (the default tenant time zone).
import type { Store } from '../../store/store.ts';
import { STAGE_WAIT_STATES } from '../../store/message-state.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import { bool, int, list, nullable, num, object, str, strList } from './schema-kit.ts';

const DAY_MS = 86_400_000;
const TOKYO_OFFSET_MS = 9 * 3600_000;

/** Midnight at the start of `now`'s day in Asia/Tokyo (no daylight saving there). */
export function tokyoDayStart(now: number): number {
  return Math.floor((now + TOKYO_OFFSET_MS) / DAY_MS) * DAY_MS - TOKYO_OFFSET_MS;
}

export interface TenantOverview {
  id: string;
  name: string;
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
  const tenants = await db.selectFrom('tenants').select(['id', 'name', 'disabled_at']).orderBy('name').execute();
  const domains = await db.selectFrom('domains').select(['tenant_id', 'domain']).orderBy('domain').execute();
  const count = (q: ReturnType<typeof db.selectFrom<'messages'>>) =>
    q
      .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('tenant_id')
      .execute();
  const users = countBy(
    await db
      .selectFrom('users')
      .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('tenant_id')
      .execute(),
  );
  const today = countBy(await count(db.selectFrom('messages').where('created_at', '>=', tokyoDayStart(now))));
  const waiting = countBy(await count(db.selectFrom('messages').where('state', 'in', [...STAGE_WAIT_STATES])));
  const quarantined = countBy(await count(db.selectFrom('messages').where('state', '=', 'quarantined')));
  const lastError = new Map(
    (
      await db
        .selectFrom('messages')
        .select(['tenant_id', (eb) => eb.fn.max('updated_at').as('at')])
        .where('last_error', 'is not', null)
        .groupBy('tenant_id')
        .execute()
    ).map((r) => [r.tenant_id, Number(r.at)]),
  );
  return tenants.map((t) => ({
    id: t.id,
    name: t.name,
    disabled: t.disabled_at != null,
    domains: domains.filter((d) => d.tenant_id === t.id).map((d) => d.domain),
    users: users.get(t.id) ?? 0,
    mailToday: today.get(t.id) ?? 0,
    waiting: waiting.get(t.id) ?? 0,
    quarantined: quarantined.get(t.id) ?? 0,
    lastErrorAt: lastError.get(t.id) ?? null,
  }));
}

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
];
