// /api/webhooks: the tenant's webhooks (docs/webhooks.md) for its admins — list, add (the answer
// carries the secret, this once), turn on or off, remove, send a test event — and the latest
// delivery attempts. The actions themselves, and their audit events, are src/webhooks/webhooks.ts.
import { WEBHOOK_EVENTS } from '../../store/webhook-events.ts';
import { addWebhook, listDeliveries, listWebhooks, removeWebhook, setWebhookEnabled, testWebhook } from '../../webhooks/webhooks.ts';
import { defineRoute, type RouteSpec } from './route.ts';
import { bool, int, list, nullable, num, object, okSchema, oneOfStrings, str } from './schema-kit.ts';

const webhook = {
  id: str,
  url: str,
  events: list(oneOfStrings(WEBHOOK_EVENTS)),
  enabled: bool,
  createdAt: num,
  createdBy: str,
};
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } };

export const webhookRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/webhooks',
    summary: 'The tenant’s webhooks, and the events one may ask for',
    tag: 'webhooks',
    access: 'admin',
    schema: { response: object({ items: list(object(webhook)), events: list(oneOfStrings(WEBHOOK_EVENTS)) }) },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      return { items: await scoped.ofTenant(listWebhooks), events: [...WEBHOOK_EVENTS] };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/webhooks',
    summary: 'Add a webhook; the answer holds its signing secret, which is never shown again',
    tag: 'webhooks',
    access: 'admin',
    schema: {
      body: {
        type: 'object',
        required: ['url', 'events'],
        properties: {
          url: { type: 'string', minLength: 1, maxLength: 2000 },
          events: { type: 'array', items: { type: 'string', maxLength: 40 }, maxItems: 20 },
        },
        additionalProperties: false,
      },
      response: object({ ...webhook, secret: str }),
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      return scoped.ofTenant(addWebhook, req.body as { url: string; events: string[] }, scoped.principal.email);
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/webhooks/:id/enabled',
    summary: 'Turn a webhook on or off (an off one gets no events; those waiting go when it is on again)',
    tag: 'webhooks',
    access: 'admin',
    schema: {
      params: idParams,
      body: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } }, additionalProperties: false },
      response: okSchema,
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      await scoped.ofTenant(setWebhookEnabled, id, (req.body as { enabled: boolean }).enabled, scoped.principal.email);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/webhooks/:id',
    summary: 'Remove a webhook and its deliveries (those not yet sent are dropped)',
    tag: 'webhooks',
    access: 'admin',
    schema: { params: idParams, response: okSchema },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      await scoped.ofTenant(removeWebhook, (req.params as { id: string }).id, scoped.principal.email);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/webhooks/:id/test',
    summary: 'Queue a test event for this webhook; its delivery shows among the attempts',
    tag: 'webhooks',
    access: 'admin',
    schema: { params: idParams, response: object({ eventId: str }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      return { eventId: await scoped.ofTenant(testWebhook, (req.params as { id: string }).id, scoped.principal.email) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/webhooks/deliveries',
    summary: 'The latest 50 deliveries of the tenant’s webhooks (or of one: ?webhook=), newest first',
    tag: 'webhooks',
    access: 'admin',
    schema: {
      querystring: {
        type: 'object',
        properties: { webhook: { type: 'string', maxLength: 64 }, tenant: { type: 'string', maxLength: 200 } },
        additionalProperties: false,
      },
      response: object({
        items: list(
          object({
            id: int,
            webhookId: str,
            eventId: str,
            type: str,
            state: oneOfStrings(['pending', 'delivered', 'failed']),
            attempts: int,
            createdAt: num,
            lastAttemptAt: nullable(num),
            nextAttemptAt: nullable(num),
            lastStatus: nullable(int),
            lastError: nullable(str),
          }),
        ),
      }),
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { webhook: webhookId } = req.query as { webhook?: string };
      return { items: await scoped.ofTenant(listDeliveries, webhookId ? { webhookId } : {}) };
    },
  }),
];
