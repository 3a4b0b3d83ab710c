// /api/queue: queue control for a tenant's admins (operators: the tenant they name), the same
// services as `sekisho message list/retry/delete` (src/delivery/queue-control.ts): list with
// filters, retry now (one message or every deferred one), delete. Every change is audited with
// the person; a message a node is delivering right now is left alone and reported as skipped.
import { defineRoute, HttpError, idParams, type RouteSpec } from './route.ts';
import { messageSchema, messageView } from './message-view.ts';
import { list, object, oneOfStrings, str, strList } from './schema-kit.ts';
import { MESSAGE_STATES, type MessageState } from '../../store/schema/message-state.ts';

const resultSchema = object({ changed: strList, skipped: list(object({ id: str, reason: str })) });

export const queueRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/queue',
    summary: 'Messages of the tenant by queue state (default: waiting for delivery), newest first',
    tag: 'queue',
    access: 'admin',
    schema: {
      querystring: {
        type: 'object',
        properties: {
          state: { ...oneOfStrings(MESSAGE_STATES), description: 'queued, deferred, held, … (default: queued and deferred)' },
          direction: { type: 'string', enum: ['outbound', 'inbound'] },
          since: { type: 'string', description: 'ISO date or epoch ms' },
          recipient: { type: 'string', maxLength: 320 },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          tenant: { type: 'string', description: 'operators: tenant name or id' },
        },
      },
      response: object({ items: list(messageSchema) }),
    },
    async handler(req, ctx) {
      const q = req.query as {
        state?: MessageState;
        direction?: 'outbound' | 'inbound';
        since?: string;
        recipient?: string;
        limit?: number;
      };
      const scoped = await ctx.scoped();
      const since = q.since === undefined || q.since === '' ? undefined : /^\d+$/.test(q.since) ? Number(q.since) : Date.parse(q.since);
      if (since !== undefined && Number.isNaN(since)) throw new HttpError(400, `since: not a date: ${q.since}`);
      const filter = { direction: q.direction, since, recipient: q.recipient, limit: q.limit ?? 100 };
      const rows = q.state
        ? await scoped.queue({ ...filter, state: q.state })
        : [...(await scoped.queue({ ...filter, state: 'queued' })), ...(await scoped.queue({ ...filter, state: 'deferred' }))]
            .sort((a, b) => (a.id < b.id ? 1 : -1))
            .slice(0, filter.limit);
      return { items: rows.map(messageView) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/queue/:id/retry',
    summary: 'Make a waiting (queued or deferred) message due now',
    tag: 'queue',
    access: 'admin',
    schema: { params: idParams, response: resultSchema },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      const result = await scoped.retryNow({ id });
      if (result.changed.length === 0 && result.skipped.length === 0) throw new HttpError(404, `no message ${id}`);
      ctx.deps.wake();
      return result;
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/queue/retry-deferred',
    summary: 'Make every deferred message of the tenant due now',
    tag: 'queue',
    access: 'admin',
    schema: { response: resultSchema },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const result = await scoped.retryNow({ allDeferred: true });
      ctx.deps.wake();
      return result;
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/queue/:id',
    summary: 'Delete a waiting or parked message (state becomes deleted; body and audit trail stay)',
    tag: 'queue',
    access: 'admin',
    schema: {
      params: idParams,
      querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 }, tenant: { type: 'string' } } },
      response: resultSchema,
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { id } = req.params as { id: string };
      const { reason } = req.query as { reason?: string };
      const result = await scoped.deleteQueued(id, reason);
      if (result.skipped[0]?.reason === 'no such message') throw new HttpError(404, `no message ${id}`);
      return result;
    },
  }),
];
