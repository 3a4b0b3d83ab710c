// /api/quarantine: quarantined inbound mail. Admins see the tenant's; other people only mail
// addressed to them, and may release their own copy only when the tenant allows self-release.
// Preview is decoded text, never HTML. The inbound area's services do the work and the audit.
import {
  adminOnlyRelease,
  deleteQuarantined,
  listQuarantine,
  previewQuarantined,
  releaseForRecipient,
  releaseQuarantined,
} from '../../inbound/quarantine.ts';
import { getSettings } from '../../inbound/tenant-settings.ts';
import type { ScopedStore } from '../../console/scoped-store.ts';
import { defineRoute, HttpError, idParams, type RouteSpec } from './route.ts';
import { anyObject, bool, int, list, nullable, num, object, okSchema, str, strList } from './schema-kit.ts';

const itemFields = {
  id: str,
  tenantId: str,
  receivedAt: num,
  /** the From: header as written (display name and address) */
  from: str,
  mailFrom: str,
  recipients: strList,
  subject: str,
  score: nullable(num),
  reason: str,
  symbols: list(object({ name: str, score: num, detail: str }, ['detail'])),
  purgeAt: nullable(num),
};
const previewSchema = object({
  ...itemFields,
  headers: list(object({ key: str, value: str })),
  text: str,
  attachments: list(object({ filename: str, contentType: str, size: int })),
  auth: anyObject,
  authDetails: strList,
});

async function visible(scoped: ScopedStore, id: string) {
  const item = await previewQuarantined(scoped.raw, scoped.tenantId, id);
  if (!scoped.isAdmin && !item.recipients.includes(scoped.principal.email)) throw new HttpError(404, `no quarantined message ${id}`);
  return item;
}

export const quarantineRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/quarantine',
    summary: 'Quarantined inbound mail (admins: the tenant; others: addressed to them)',
    tag: 'quarantine',
    access: 'any',
    schema: {
      querystring: {
        type: 'object',
        properties: {
          search: { type: 'string', maxLength: 200 },
          limit: { type: 'integer', minimum: 1, maximum: 500 },
          tenant: { type: 'string' },
        },
      },
      response: object({ items: list(object(itemFields)), selfRelease: bool }),
    },
    async handler(req, ctx) {
      const q = req.query as { search?: string; limit?: number };
      const scoped = await ctx.scoped();
      const items = await listQuarantine(ctx.deps.store, {
        tenantId: scoped.tenantId,
        search: q.search,
        limit: q.limit ?? 100,
        recipient: scoped.isAdmin ? undefined : scoped.principal.email,
      });
      return { items, selfRelease: (await getSettings(ctx.deps.store, scoped.tenantId)).selfRelease };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/quarantine/:id',
    summary: 'Preview: headers, decoded text, attachments, authentication results',
    tag: 'quarantine',
    access: 'any',
    schema: { params: idParams, response: previewSchema },
    async handler(req, ctx) {
      return visible(await ctx.scoped(), (req.params as { id: string }).id);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/:id/release',
    summary: 'Release to the recipient (others than admins only with self-release on)',
    tag: 'quarantine',
    access: 'any',
    schema: { params: idParams, response: okSchema },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      await visible(scoped, id);
      if (!scoped.isAdmin && !(await getSettings(ctx.deps.store, scoped.tenantId)).selfRelease)
        throw new HttpError(403, 'self-release is off for this tenant; ask an admin');
      if (!scoped.isAdmin && adminOnlyRelease((await ctx.deps.store.message(id, scoped.tenantId))!))
        throw new HttpError(403, 'only an admin can release this message: its MIME structure could not be parsed');
      // an admin releases it for everyone it is held for; anyone else their own copy only
      if (scoped.isAdmin) await releaseQuarantined(ctx.deps.store, scoped.tenantId, id, scoped.principal.email, ctx.deps.wake);
      else await releaseForRecipient(ctx.deps.store, scoped.tenantId, id, scoped.principal.email, scoped.principal.email, ctx.deps.wake);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/quarantine/:id',
    summary: 'Delete a quarantined message (admins)',
    tag: 'quarantine',
    access: 'admin',
    schema: { params: idParams, response: okSchema },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      await deleteQuarantined(ctx.deps.store, scoped.tenantId, (req.params as { id: string }).id, scoped.principal.email);
      return { ok: true };
    },
  }),
];
