// /api/domains and /api/dkim: the tenant's domains with their inbound route (where accepted
// inbound mail goes), and the DKIM TXT records to publish. Listing never creates anything; keys
// for domains that have none are made by POST /api/dkim/keys (audited by the delivery area).
import { dkimTxtRecord } from '../../delivery/dkim.ts';
import { ensureDkimKey } from '../../delivery/dkim-keys.ts';
import { tenantDkimKeys } from './scoped-store.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import { list, nullable, num, object, okSchema, str, strList } from './schema-kit.ts';

export const domainRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/domains',
    summary: 'Domains of the tenant and their inbound routes',
    tag: 'domains',
    access: 'admin',
    schema: { response: object({ items: list(object({ domain: str, inboundRoute: nullable(str), createdAt: num })) }) },
    async handler(_req, ctx) {
      const rows = await (await ctx.scoped()).domains();
      return { items: rows.map((d) => ({ domain: d.domain, inboundRoute: d.inbound_route, createdAt: Number(d.created_at) })) };
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/domains/:domain/route',
    summary: 'Set the inbound route (smtp://host:port of the tenant’s own mail server; null = none)',
    tag: 'domains',
    access: 'admin',
    schema: {
      params: { type: 'object', required: ['domain'], properties: { domain: { type: 'string', maxLength: 253 } } },
      body: {
        type: 'object',
        required: ['route'],
        properties: { route: { type: ['string', 'null'], maxLength: 500 } },
        additionalProperties: false,
      },
      response: okSchema,
    },
    async handler(req, ctx) {
      const route = (req.body as { route: string | null }).route || null;
      if (route !== null && !/^smtp:\/\/[a-z0-9.\-[\]:]+(:\d+)?$/i.test(route))
        throw new HttpError(400, 'route must look like smtp://host:port');
      await (await ctx.scoped()).setInboundRoute((req.params as { domain: string }).domain, route);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/dkim',
    summary: 'DKIM TXT records to publish, one per domain that has a key; domains without a key are listed in `missing`',
    tag: 'domains',
    access: 'admin',
    schema: {
      response: object({
        records: list(object({ domain: str, selector: str, createdAt: num, name: str, value: str, zoneLine: str })),
        missing: strList,
      }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const [keys, domains] = await Promise.all([tenantDkimKeys(scoped), scoped.domains()]);
      const have = new Set(keys.map((k) => k.domain));
      return {
        records: keys.map((k) => ({
          domain: k.domain,
          selector: k.selector,
          createdAt: Number(k.created_at),
          ...dkimTxtRecord(k.domain, k.selector, k.public_key),
        })),
        missing: domains.map((d) => d.domain).filter((d) => !have.has(d)),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/dkim/keys',
    summary: 'Create DKIM keys for every domain of the tenant that has none',
    tag: 'domains',
    access: 'admin',
    schema: { response: okSchema },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      for (const d of await scoped.domains()) await scoped.ofTenant(ensureDkimKey, d.domain, scoped.principal.email);
      return { ok: true };
    },
  }),
];
