// /api/dashboard (admins): per day held / released / discarded / blocked (and more) counted from
// the audit trail, the rules that matched most and the top senders, over the last N days — whole
// days from midnight in the tenant's time zone.
import { defineRoute, type RouteSpec } from './route.ts';
import { int, list, object, str } from './schema-kit.ts';
import { dayInZone, dayStartInZone, isTimeZone } from '../../util/zoned-time.ts';

const DAY = 86_400_000;
const COUNTED: Record<string, string> = {
  held: 'held',
  awaiting_approval: 'held',
  awaiting_confirmation: 'held',
  released: 'released',
  approved: 'released',
  confirmed: 'released',
  discarded: 'discarded',
  rejected: 'discarded',
  cancelled: 'discarded',
  'policy.blocked': 'blocked',
  quarantined: 'quarantined',
};

export const dashboardRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/dashboard',
    summary: 'Counts per day (held, released, discarded, blocked, quarantined), top rules, top senders',
    tag: 'dashboard',
    access: 'admin',
    schema: {
      querystring: {
        type: 'object',
        properties: {
          days: { type: 'integer', minimum: 1, maximum: 90, default: 14 },
          /** a zone to count days in instead of the tenant's own (users/tenant-profile.ts) */
          tz: { type: 'string', maxLength: 64 },
          tenant: { type: 'string' },
        },
      },
      response: object({
        /** day as YYYY-MM-DD in the tenant's time zone (or `tz`) */
        days: list(object({ day: str, held: int, released: int, discarded: int, blocked: int, quarantined: int })),
        topRules: list(object({ rule: str, count: int })),
        topSenders: list(object({ sender: str, count: int })),
      }),
    },
    async handler(req, ctx) {
      const { days = 14, tz } = req.query as { days?: number; tz?: string };
      const scoped = await ctx.scoped();
      const zone = tz && isTimeZone(tz) ? tz : scoped.timeZone;
      const now = Date.now();
      // whole days in the zone: from its midnight `days - 1` days ago up to now
      const since = dayStartInZone(now - (days - 1) * DAY, zone);
      const events = await scoped.eventsSince(since, [...Object.keys(COUNTED), 'policy.matched']);
      const fmt = { format: (ms: number) => dayInZone(ms, zone) };
      const perDay = new Map<string, Record<string, number>>();
      const today = fmt.format(now);
      for (let i = 0, t = since + DAY / 2; i <= days; i++, t += DAY) {
        const day = i === days ? today : fmt.format(t);
        perDay.set(day, { held: 0, released: 0, discarded: 0, blocked: 0, quarantined: 0 });
        if (day === today) break;
      }
      const rules = new Map<string, number>();
      for (const e of events) {
        const day = fmt.format(Number(e.at));
        if (e.type === 'policy.matched') {
          const data = JSON.parse(e.data) as { matchedRules?: string[] };
          for (const r of data.matchedRules ?? []) rules.set(r, (rules.get(r) ?? 0) + 1);
          continue;
        }
        const bucket = COUNTED[e.type]!;
        const row = perDay.get(day) ?? { held: 0, released: 0, discarded: 0, blocked: 0, quarantined: 0 };
        row[bucket] = (row[bucket] ?? 0) + 1;
        perDay.set(day, row);
        if (e.type === 'policy.blocked') {
          const rule = (JSON.parse(e.data) as { rule?: string }).rule;
          if (rule) rules.set(rule, (rules.get(rule) ?? 0) + 1);
        }
      }
      return {
        days: [...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, counts]) => ({ day, ...counts })),
        topRules: [...rules.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10)
          .map(([rule, count]) => ({ rule, count })),
        topSenders: await scoped.topSenders(since),
      };
    },
  }),
];
