// /api/approvals: the approval queue of the caller (assigned approvals; admins every approval
// of the tenant) and 承認 / 却下 with a comment, through the outbound area's services.
import { approve, reject, waitingFor } from '../../outbound/actions.ts';
import { commentBody, defineRoute, idParams, type RouteSpec } from './route.ts';
import { actionResultSchema, actorOf } from './held-mail.ts';
import { messageSchema, messageView } from './message-view.ts';
import { list, object } from './schema-kit.ts';

function decide(name: 'approve' | 'reject', summary: string, fn: typeof approve): RouteSpec {
  return defineRoute({
    method: 'POST',
    url: `/api/approvals/:id/${name}`,
    summary,
    tag: 'approvals',
    access: 'any',
    schema: { params: idParams, body: commentBody, response: actionResultSchema },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const comment = (req.body as { comment?: string } | undefined)?.comment ?? '';
      const scoped = await ctx.scoped();
      await scoped.message(id);
      return fn(ctx.deps.outbound, id, actorOf(scoped), comment);
    },
  });
}

export const approvalRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/approvals',
    summary: 'Messages awaiting the caller’s approval',
    tag: 'approvals',
    access: 'any',
    schema: { response: object({ items: list(messageSchema) }) },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const rows = await waitingFor({ store: ctx.deps.store }, actorOf(scoped), 500);
      return { items: rows.filter((m) => m.state === 'awaiting_approval' && m.role !== 'sender').map(messageView) };
    },
  }),
  decide('approve', '承認: approve (optional comment)', approve),
  decide('reject', '却下: reject (optional comment); the message is discarded', reject),
];
