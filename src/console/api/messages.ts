// /api/messages: search (sender, recipient, subject, date range, state, rule; keyset pagination
// by id, newest first), one message with its full audit timeline, recipients' delivery results
// and attachment protection facts, the decoded message view (preview) and its attached files.
// Users see their own mail only (the scoped store decides); admins their whole tenant.
import { defineRoute, idParams, type RouteSpec } from './route.ts';
import { messageFields, messageSchema, messageView } from './message-view.ts';
import { anyObject, bool, int, list, nullable, num, object, oneOfStrings, str, strList } from './schema-kit.ts';
import { MESSAGE_STATES, type MessageState } from '../../store/schema/message-state.ts';
import { currentPolicy } from '../../outbound/policy-service.ts';
import { queryRange } from './query-dates.ts';
import { sendAttachment } from '../../web/attachment-download.ts';

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
    notices: { type: 'boolean', default: false, description: "include Sekisho's own notices (left out by default)" },
    before: { type: 'string', maxLength: 64, description: 'cursor: the `next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    tenant: { type: 'string', description: 'operators: tenant name or id' },
  },
};

interface SearchQuery {
  sender?: string;
  recipient?: string;
  subject?: string;
  from?: string;
  to?: string;
  state?: MessageState;
  rule?: string;
  direction?: 'outbound' | 'inbound';
  notices?: boolean;
  before?: string;
  limit?: number;
}

const detailSchema = object({
  ...messageFields,
  deliveries: list(object({ address: str, state: str, attempts: int, lastResponse: nullable(str) })),
  timeline: list(object({ id: num, at: num, actor: str, type: str, data: anyObject })),
  attachments: object({
    zipPassword: nullable(str),
    downloads: list(object({ recipient: str, count: int, lastAt: nullable(str), lastIp: nullable(str), lastUserAgent: nullable(str) })),
  }),
});

const address = object({ name: str, address: str });

/** GET /api/messages/:id/preview: the one message view (src/mime/message-view.ts). */
const previewSchema = object({
  subject: str,
  from: nullable(address),
  to: list(address),
  cc: list(address),
  bcc: list(address),
  date: nullable(str),
  text: str,
  truncated: bool,
  html: nullable(str),
  attachments: list(object({ index: int, filename: str, size: int, contentType: str })),
  matchedRules: list(object({ rule: str, evidence: strList })),
  unparseable: nullable(str),
});

export const messageRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/messages',
    summary: 'Search messages, newest first; pass `next` as `before` for the following page',
    tag: 'messages',
    access: 'any',
    schema: {
      querystring: searchQuery,
      response: object({ items: list(messageSchema), next: nullable(str), total: int }),
    },
    async handler(req, ctx) {
      const q = req.query as SearchQuery;
      const scoped = await ctx.scoped();
      const { from: _from, to: _to, ...rest } = q;
      const r = await scoped.searchMessages({
        ...rest,
        ...queryRange(q),
        notices: q.notices === true,
      });
      return { items: r.items.map(messageView), next: r.next, total: r.total };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/messages/rules',
    summary: "The rule names a search can filter by: the rules of the tenant's policy in force, outbound then inbound",
    tag: 'messages',
    access: 'any',
    schema: {
      querystring: { type: 'object', properties: { tenant: { type: 'string' } } },
      response: object({ items: list(object({ name: str, direction: oneOfStrings(['outbound', 'inbound']) })) }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const { policy } = await scoped.ofTenant(currentPolicy);
      return {
        items: [
          ...policy.outbound.rules.map((r) => ({ name: r.name, direction: 'outbound' })),
          ...policy.inbound.rules.map((r) => ({ name: r.name, direction: 'inbound' })),
        ],
      };
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
      const [events, recipients, att] = await Promise.all([scoped.timeline(id), scoped.recipients(id), scoped.attachmentDetails(id)]);
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
    summary: 'The message decoded for reading: addresses, subject, date, body text, sanitized HTML, attached files, matched rules',
    tag: 'messages',
    access: 'any',
    schema: { params: idParams, response: previewSchema },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      return await scoped.view(id);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/messages/:id/attachments/:index',
    summary: 'One attached file of a message, as a download (approvers and admins; audited as attachment.viewed)',
    tag: 'messages',
    access: 'approver',
    schema: {
      params: {
        type: 'object',
        required: ['id', 'index'],
        properties: { id: { type: 'string', maxLength: 64 }, index: { type: 'integer', minimum: 0 } },
      },
      response: { type: 'string', format: 'binary' },
    },
    async handler(req, ctx, reply) {
      const { id, index } = req.params as { id: string; index: number };
      const scoped = await ctx.scoped();
      const file = await scoped.attachment(id, index);
      return sendAttachment(reply, file);
    },
  }),
];
