// /api/quarantine: quarantined inbound mail. Admins see the tenant's; other people only mail
// addressed to them, and may release their own copy only when the tenant allows self-release and
// the mail is spam (release-class.ts); otherwise they ask an admin (request-release), and admins
// answer the requests (/api/quarantine/requests). Preview is decoded text, never HTML. The inbound
// area's services do the work and the audit.
import {
  adminOnlyRefusal,
  releaseRefusal,
  deleteQuarantined,
  previewQuarantined,
  releaseForRecipient,
  releaseQuarantined,
} from '../../inbound/quarantine.ts';
import { getSettings } from '../../inbound/tenant-settings.ts';
import { RELEASE_CLASSES, reasonLabels, type ReleaseClass } from '../../inbound/release-class.ts';
import { decideReleaseRequest, listReleaseRequests, requestOf, requestRelease, type RequestDeps } from '../../inbound/release-requests.ts';
import type { ScopedStore } from './scoped-store.ts';
import { defineRoute, errorBody, HttpError, idParams, type RouteCtx, type RouteSpec } from './route.ts';
import { queryRange } from './query-dates.ts';
import { anyObject, bool, int, list, nullable, num, object, okSchema, oneOfStrings, str, strList } from './schema-kit.ts';

/** The console's page of quarantined mail. */
const QUARANTINE_PAGE = 50;

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
  /** why it is quarantined, as the class that decides who may release it */
  releaseClass: oneOfStrings(RELEASE_CLASSES),
  /** the policy rule that quarantined it, when a rule did */
  rule: nullable(str),
  /** the real reason in words (ウイルス検出 / Virus detected, 迷惑メール スコア 12.3 / Spam score 12.3) */
  reasonLabel: object({ ja: str, en: str }),
  /** only an admin may release it; a recipient asks (request-release) */
  adminOnly: bool,
  /** the From display name, decoded (RFC 2047); '' when it has none */
  fromName: str,
  /** the From address */
  fromAddress: str,
};
const requestSchema = object({
  id: str,
  messageId: str,
  recipient: str,
  requestedAt: num,
  state: oneOfStrings(['pending', 'released', 'refused']),
  decidedBy: nullable(str),
  decidedAt: nullable(num),
  note: nullable(str),
});
const requestItemSchema = object({
  ...(requestSchema.properties as Record<string, Record<string, unknown>>),
  subject: str,
  from: str,
  receivedAt: num,
  releaseClass: oneOfStrings(RELEASE_CLASSES),
  reasonLabel: object({ ja: str, en: str }),
});
const listItemSchema = object({
  ...itemFields,
  /** the viewer's own release request for it, if they made one (not listed for admins) */
  myRequest: nullable(oneOfStrings(['pending', 'released', 'refused'])),
  /** whether this viewer may release it (releaseRefusal: admins every class; others spam with self-release on) */
  mayRelease: bool,
});

const bulkBody = {
  type: 'object',
  required: ['ids'],
  additionalProperties: false,
  properties: { ids: { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'string', maxLength: 64 } } },
};
/** Each message of a bulk action on its own: done, or why not (the code and message a single action would answer). */
const bulkResult = object({
  results: list(object({ id: str, ok: bool, status: int, code: nullable(str), error: nullable(str) })),
  done: int,
  failed: int,
});

/** Runs `one` for each id in turn; a failure is that message's answer, not the whole request's. */
async function eachMessage(ids: string[], one: (id: string) => Promise<void>) {
  const results = [];
  for (const id of ids) {
    try {
      await one(id);
      results.push({ id, ok: true, status: 200, code: null, error: null });
    } catch (err) {
      const { status, body } = errorBody(err);
      results.push({ id, ok: false, status, code: (body.code as string | undefined) ?? null, error: String(body.error) });
    }
  }
  return { results, done: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
}

/**
 * The one release of the console (single and bulk): visible to the viewer, allowed by
 * releaseRefusal; an admin releases it for everyone it is held for, anyone else their own copy.
 * Audited per message as quarantine.released with the person (the inbound service writes it).
 */
async function releaseOne(ctx: RouteCtx, scoped: ScopedStore, id: string, selfRelease: boolean): Promise<void> {
  // the preview's class is the message's (releaseClassOfMessage), read once with the visibility check
  const cls = (await visible(scoped, id)).releaseClass;
  const refusal = releaseRefusal(scoped, selfRelease, cls);
  if (refusal === 'self_release_off') throw new HttpError(403, 'self-release is off for this tenant; ask an admin');
  if (refusal === 'admin_only') throw adminOnlyRefusal(cls);
  if (scoped.isAdmin) await scoped.ofTenant(releaseQuarantined, id, scoped.principal.email, ctx.deps.wake);
  else await scoped.ofTenant(releaseForRecipient, id, scoped.principal.email, scoped.principal.email, ctx.deps.wake);
}

function requestDeps(ctx: {
  deps: { store: RequestDeps['store']; config: { hostname: string; publicUrl: string }; wake: () => void };
}): RequestDeps {
  return { store: ctx.deps.store, hostname: ctx.deps.config.hostname, publicUrl: ctx.deps.config.publicUrl, wake: ctx.deps.wake };
}
const previewSchema = object({
  ...itemFields,
  headers: list(object({ key: str, value: str })),
  text: str,
  attachments: list(object({ filename: str, contentType: str, size: int })),
  auth: anyObject,
  authDetails: strList,
});

async function visible(scoped: ScopedStore, id: string) {
  const item = await scoped.ofTenant(previewQuarantined, id);
  if (!scoped.isAdmin && !item.recipients.includes(scoped.principal.email)) throw new HttpError(404, `no quarantined message ${id}`);
  return item;
}

export const quarantineRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/quarantine',
    summary:
      'Quarantined inbound mail (admins: the tenant; others: addressed to them), newest first, a page at a time: ' +
      'pass `next` as `before` for the following page; `total` counts every page',
    tag: 'quarantine',
    access: 'any',
    schema: {
      querystring: {
        type: 'object',
        properties: {
          search: { type: 'string', maxLength: 200, description: 'substring of From (name or address), envelope sender or subject' },
          reason: oneOfStrings(RELEASE_CLASSES),
          recipient: { type: 'string', maxLength: 320, description: 'substring of a recipient address' },
          from: { type: 'string', description: 'received from: ISO date or epoch ms, inclusive' },
          to: { type: 'string', description: 'received before: ISO date or epoch ms, exclusive' },
          limit: { type: 'integer', minimum: 1, maximum: 500, description: 'page size (default 50)' },
          before: { type: 'string', maxLength: 64, description: 'cursor: the `next` of the previous page' },
          tenant: { type: 'string' },
        },
      },
      response: object({
        items: list(listItemSchema),
        /** the cursor of the following page (pass as `before`); null on the last page */
        next: nullable(str),
        /** the mail that passes the filters, on every page */
        total: int,
        selfRelease: bool,
        /** the reason classes a list can be filtered by, each in words (release-class.ts's label) */
        reasons: list(object({ value: oneOfStrings(RELEASE_CLASSES), label: object({ ja: str, en: str }) })),
      }),
    },
    async handler(req, ctx) {
      const q = req.query as {
        search?: string;
        reason?: ReleaseClass;
        recipient?: string;
        from?: string;
        to?: string;
        limit?: number;
        before?: string;
      };
      const scoped = await ctx.scoped();
      const range = queryRange(q);
      const filter = {
        search: q.search || undefined,
        reason: q.reason,
        recipientContains: q.recipient || undefined,
        since: range.from,
        until: range.to,
      };
      const limit = q.limit ?? QUARANTINE_PAGE;
      // one more than the page tells whether another follows
      const found = await scoped.quarantine({ ...filter, beforeId: q.before || undefined, limit: limit + 1 });
      const items = found.slice(0, limit);
      const next = found.length > limit ? items[items.length - 1]!.id : null;
      const total = await scoped.countQuarantine(filter);
      const { selfRelease } = await scoped.ofTenant(getSettings);
      const withRequests = await Promise.all(
        items.map(async (i) => ({
          ...i,
          myRequest: scoped.isAdmin ? null : ((await scoped.ofTenant(requestOf, i.id, scoped.principal.email))?.state ?? null),
          mayRelease: releaseRefusal(scoped, selfRelease, i.releaseClass) === null,
        })),
      );
      const reasons = RELEASE_CLASSES.map((value) => ({ value, label: reasonLabels({ releaseClass: value, score: null }) }));
      return { items: withRequests, next, total, selfRelease, reasons };
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
    summary: 'Release to the recipient (others than admins: spam only, with self-release on; 403 admin_only otherwise)',
    tag: 'quarantine',
    access: 'any',
    schema: { params: idParams, response: okSchema },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      await releaseOne(ctx, scoped, id, (await scoped.ofTenant(getSettings)).selfRelease);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/bulk-release',
    summary: 'Release several messages, each as the single release would (same rules, audited per message); answers each',
    tag: 'quarantine',
    access: 'any',
    schema: { body: bulkBody, response: bulkResult },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { ids } = req.body as { ids: string[] };
      const { selfRelease } = await scoped.ofTenant(getSettings);
      return eachMessage(ids, (id) => releaseOne(ctx, scoped, id, selfRelease));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/bulk-delete',
    summary: 'Delete several quarantined messages (admins), each audited as the single delete; answers each',
    tag: 'quarantine',
    access: 'admin',
    schema: { body: bulkBody, response: bulkResult },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { ids } = req.body as { ids: string[] };
      return eachMessage(ids, (id) => scoped.ofTenant(deleteQuarantined, id, scoped.principal.email));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/:id/request-release',
    summary: "Ask the tenant's admins to release the caller's copy (解除を依頼); asking again changes nothing",
    tag: 'quarantine',
    access: 'any',
    schema: { params: idParams, response: object({ request: requestSchema, created: bool }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      await visible(scoped, id);
      const email = scoped.principal.email;
      return requestRelease(requestDeps(ctx), scoped.tenantId, id, email, email);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/quarantine/requests',
    summary: 'Pending release requests of the tenant (admins), oldest first',
    tag: 'quarantine',
    access: 'admin',
    schema: {
      querystring: { type: 'object', properties: { tenant: { type: 'string' } } },
      response: object({ items: list(requestItemSchema) }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      return { items: await scoped.ofTenant(listReleaseRequests) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/requests/:id/release',
    summary: "Release a request: the requester's copy is delivered (admins)",
    tag: 'quarantine',
    access: 'admin',
    schema: { params: idParams, response: object({ request: requestSchema }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      return { request: await decideReleaseRequest(requestDeps(ctx), scoped.tenantId, id, 'release', scoped.principal.email) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/quarantine/requests/:id/refuse',
    summary: 'Refuse a request: the mail stays quarantined and the requester is told by mail (admins)',
    tag: 'quarantine',
    access: 'admin',
    schema: {
      params: idParams,
      body: { type: 'object', properties: { note: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
      response: object({ request: requestSchema }),
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      const note = (req.body as { note?: string } | undefined)?.note;
      return { request: await decideReleaseRequest(requestDeps(ctx), scoped.tenantId, id, 'refuse', scoped.principal.email, note) };
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
      await scoped.ofTenant(deleteQuarantined, (req.params as { id: string }).id, scoped.principal.email);
      return { ok: true };
    },
  }),
];
