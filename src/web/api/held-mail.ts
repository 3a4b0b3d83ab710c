// /api/held: the caller's waiting mail (held, to confirm, awaiting approval) and the sender's
// buttons — 今すぐ送信 (release), 送信取り消し (cancel), 送信確認 (confirm). The outbound area's
// services (src/outbound/actions.ts) do the work and the audit; the scoped store first makes sure
// the message is one this caller may see at all (other tenants' ids are simply not found).
import { cancel, confirm, release, waitingFor, type Actor } from '../../outbound/actions.ts';
import type { ScopedStore } from '../../console/scoped-store.ts';
import { defineRoute, idParams, type RouteCtx, type RouteSpec } from './route.ts';
import { messageFields, messageView } from './message-view.ts';
import { list, object, oneOfStrings, str } from './schema-kit.ts';
import { MESSAGE_STATES } from '../../store/message-state.ts';

/** What an action answers: the message and its state afterwards. */
export const actionResultSchema = object({ id: str, state: oneOfStrings(MESSAGE_STATES) });

export function actorOf(scoped: ScopedStore): Actor & { tenantId: string } {
  const p = scoped.principal;
  // an operator acts as an admin of the tenant it named
  return { email: p.email, role: p.role === 'operator' ? 'admin' : p.role, tenantId: scoped.tenantId };
}

function action(name: 'release' | 'cancel' | 'confirm', summary: string, fn: typeof release): RouteSpec {
  return defineRoute({
    method: 'POST',
    url: `/api/messages/:id/${name}`,
    summary,
    tag: 'held mail',
    access: 'any',
    schema: { params: idParams, response: actionResultSchema },
    async handler(req, ctx: RouteCtx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      await scoped.message(id);
      return fn(ctx.deps.outbound, id, actorOf(scoped));
    },
  });
}

export const heldMailRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/held',
    summary: 'Mail waiting for the caller: own held / to-confirm mail, approvals assigned (admins: all waiting mail of the tenant)',
    tag: 'held mail',
    access: 'any',
    schema: {
      response: object({ items: list(object({ ...messageFields, myRole: oneOfStrings(['sender', 'approver', 'admin']) })) }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const rows = await waitingFor({ store: ctx.deps.store }, actorOf(scoped));
      return { items: rows.map((m) => ({ ...messageView(m), myRole: m.role })) };
    },
  }),
  action('release', '今すぐ送信: end a hold now', release),
  action('cancel', '送信取り消し: withdraw a waiting message; it is never sent', cancel),
  action('confirm', '送信確認: the sender confirms recipients and attachments', confirm),
];
