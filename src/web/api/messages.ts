// /api/messages: search (sender, recipient, subject, date range, state, rule; keyset pagination
// by id, newest first), one message with its full audit timeline, recipients' delivery results
// and attachment protection facts, and a text preview. Users see their own mail only (the
// scoped store decides); admins their whole tenant.
import { attachmentDetails } from '../../attachments/details.ts';
import { defineRoute, idParams, type RouteSpec } from './route.ts';
import { messageFields, messageSchema, messageView } from './message-view.ts';
import { anyObject, int, list, nullable, num, object, oneOfStrings, str } from './schema-kit.ts';
import { MESSAGE_STATES } from '../../store/message-state.ts';

const searchQuery = {
  type: 'object',
  properties: {
    sender: { type: 'string', maxLength: 320 },
    recipient: { type: 'string', maxLength: 320 },
    subject: { type: 'string', maxLength: 500 },
    from: { type: 'string', description: 'ISO date or epoch ms, inclusive' },
    to: { type: 'string', description: 'ISO date or epoch ms, exclusive' },
    state: oneOfStrings(MESSAGE_STATES),
    rule: { type: 'string', maxLength: 200 },
    direction: { type: 'string', enum: ['outbound', 'inbound'] },
    before: { type: 'string', maxLength: 64, description: 'cursor: the `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    tenant: { type: 'string', description: 'operators: tenant name or id' },
  },
};

const detailSchema = object({
  ...messageFields,
  deliveries: list(object({ address: str, state: str, attempts: int, lastResponse: nullable(str) })),
  timeline: list(object({ id: num, at: num, actor: str, type: str, data: anyObject })),
  attachments: object({
    zipPassword: nullable(str),
    downloads: list(object({ recipient: str, count: int, lastAt: nullable(str), lastIp: nullable(str), lastUserAgent: nullable(str) })),
  }),
});

const time = (s: string | undefined) => (s === undefined || s === '' ? undefined : /^\d+$/.test(s) ? Number(s) : Date.parse(s));

export const messageRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/messages',
    summary: 'Search messages, newest first; pass `next` as `before` for the following page',
    tag: 'messages',
    access: 'any',
    schema: {
      querystring: searchQuery,
      response: object({ items: list(messageSchema), next: nullable(str) }),
    },
    async handler(req, ctx) {
      const q = req.query as Record<string, string | undefined> & { limit?: number };
      const scoped = await ctx.scoped();
      const r = await scoped.searchMessages({
        ...q,
        limit: q.limit,
        from: time(q.from),
        to: time(q.to),
        direction: q.direction as 'outbound' | 'inbound' | undefined,
      });
      return { items: r.items.map(messageView), next: r.next };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/messages/:id',
    summary: 'One message with recipients, audit timeline and attachment protection facts',
    tag: 'messages',
    access: 'any',
    schema: { params: idParams, response: detailSchema },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      const m = await scoped.message(id);
      const [events, recipients, att] = await Promise.all([
        scoped.timeline(id),
        scoped.recipients(id),
        attachmentDetails(ctx.deps.store, id),
      ]);
      return {
        ...messageView(m),
        deliveries: recipients.map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, lastResponse: r.last_response })),
        timeline: events.map((e) => ({ id: Number(e.id), at: Number(e.at), actor: e.actor, type: e.type, data: JSON.parse(e.data) })),
        attachments: {
          zipPassword: att.zipPassword ?? null,
          // link tokens stay out of the API: they are the recipients' secrets
          downloads: (att.downloads ?? []).map(({ token: _t, ...d }) => d),
        },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/messages/:id/preview',
    summary: 'The start of the stored message as text (the console shows it escaped)',
    tag: 'messages',
    access: 'any',
    schema: { params: idParams, response: object({ id: str, text: str }) },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      return { id, text: await scoped.preview(id) };
    },
  }),
];
