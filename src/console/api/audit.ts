// /api/audit (admins: their tenant; operators: one tenant via ?tenant=, or all tenants): the audit
// log filtered by event group, user, recipient, date range and free text, newest first with a
// keyset cursor; `format=csv` answers the whole filtered log as a CSV file for Excel (see
// src/audit/audit-csv.ts), in the viewer's language and the tenant's time zone.
import { AUDIT_GROUPS, groupOf, type AuditGroup } from '../../audit/event-groups.ts';
import type { AuditFilter } from '../../store/audit-search.ts';
import type { AuditRow } from '../../audit/audit-row.ts';
import { csvHeader, csvRow } from '../../audit/audit-csv.ts';
import { serverWords, viewerLang } from '../../audit/catalogue.ts';
import { auditLogFor } from './scoped-store.ts';
import { defineRoute, type RouteSpec } from './route.ts';
import { queryTime } from './query-dates.ts';
import { anyObject, int, list, nullable, object, oneOfStrings, str } from './schema-kit.ts';
import { decodeRecipients } from '../../store/message.ts';

/** The most rows one CSV export writes; a filter narrows a bigger log. */
export const CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 1000;

const auditQuery = {
  type: 'object',
  properties: {
    type: { ...oneOfStrings(AUDIT_GROUPS), description: 'event group' },
    user: { type: 'string', maxLength: 320, description: 'part of the acting address' },
    recipient: { type: 'string', maxLength: 320 },
    from: { type: 'string', maxLength: 40, description: 'ISO date or epoch ms, inclusive' },
    to: { type: 'string', maxLength: 40, description: 'ISO date or epoch ms, exclusive' },
    q: { type: 'string', maxLength: 500, description: 'free text: actor, event data, subject' },
    before: { type: 'integer', minimum: 1, description: 'cursor: the `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
    lang: { type: 'string', enum: ['ja', 'en'], description: 'CSV language (else Accept-Language)' },
    tenant: { type: 'string', description: 'operators: tenant name or id (all tenants when absent)' },
  },
};

const itemSchema = object({
  id: int,
  at: int,
  type: str,
  group: nullable(oneOfStrings(AUDIT_GROUPS)),
  actor: str,
  messageId: nullable(str),
  subject: nullable(str),
  recipients: list(str),
  tenant: nullable(str),
  data: anyObject,
});

type Query = Record<string, string | undefined> & { before?: number; limit?: number };

function filterOf(q: Query): AuditFilter {
  return {
    group: q.type as AuditGroup | undefined,
    user: q.user || undefined,
    recipient: q.recipient || undefined,
    q: q.q || undefined,
    from: queryTime('from', q.from),
    to: queryTime('to', q.to),
    before: q.before,
    limit: q.limit,
  };
}

function objectOf(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function itemOf(r: AuditRow) {
  const data = objectOf(r.data);
  const recipients = r.recipients ? decodeRecipients(r.recipients) : data.recipients;
  return {
    id: r.id,
    at: r.at,
    type: r.type,
    group: groupOf(r.type),
    actor: r.actor,
    messageId: r.messageId,
    subject: r.subject ?? (typeof data.subject === 'string' ? data.subject : null),
    recipients: Array.isArray(recipients) ? recipients.filter((x): x is string => typeof x === 'string') : [],
    tenant: r.tenantName,
    data,
  };
}

export const auditRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/audit',
    summary: 'The audit log, newest first (pass `next` as `before`); format=csv: the whole filtered log as CSV',
    tag: 'audit',
    access: 'admin',
    schema: {
      querystring: auditQuery,
      response: object({ items: list(itemSchema), next: nullable(int), total: int }),
    },
    async handler(req, ctx, reply) {
      const q = req.query as Query;
      const filter = filterOf(q);
      const log = await auditLogFor(
        ctx.deps.store,
        ctx.principal!,
        (req.headers['x-sekisho-tenant'] as string | undefined) ?? (q.tenant || undefined),
      );
      if (q.format !== 'csv') {
        const page = await log.read(filter);
        return { items: page.items.map(itemOf), next: page.next, total: page.total ?? 0 };
      }
      const t = serverWords(viewerLang(q.lang, req.headers['accept-language']));
      const chunks = [csvHeader(t)];
      let before = filter.before;
      for (let written = 0; written < CSV_MAX_ROWS; ) {
        const page = await log.read({ ...filter, before, limit: CSV_PAGE }, false);
        for (const row of page.items) chunks.push(csvRow(t, row, log.zoneOf(row.tenantId)));
        written += page.items.length;
        if (page.next === null) break;
        before = page.next;
      }
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sekisho-audit-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(chunks.join(''));
    },
  }),
];
