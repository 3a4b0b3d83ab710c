// /api/dashboard (admins): per day held / released / discarded / blocked (and more) counted from
// the audit trail, the rules that matched most and the top senders, over the last N days.
import { defineRoute, type RouteSpec } from './route.ts';
import { int, list, object, str } from './schema-kit.ts';

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
          tz: { type: 'string', maxLength: 64 },
          tenant: { type: 'string' },
        },
      },
      response: object({
        /** day as YYYY-MM-DD in `tz` */
        days: list(object({ day: str, held: int, released: int, discarded: int, blocked: int, quarantined: int })),
        topRules: list(object({ rule: str, count: int })),
        topSenders: list(object({ sender: str, count: int })),
      }),
    },
    async handler(req, ctx) {
      const { days = 14, tz } = req.query as { days?: number; tz?: string };
      const scoped = await ctx.scoped();
      const since = Date.now() - days * DAY;
      const events = await scoped.eventsSince(since, [...Object.keys(COUNTED), 'policy.matched']);
      let fmt: Intl.DateTimeFormat;
      try {
        fmt = new Intl.DateTimeFormat('en-CA', { timeZone: tz || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
      } catch {
        fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
      }
      const perDay = new Map<string, Record<string, number>>();
      for (let t = since + DAY; t <= Date.now(); t += DAY)
        perDay.set(fmt.format(t), { held: 0, released: 0, discarded: 0, blocked: 0, quarantined: 0 });
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
