// /api/held: the caller's waiting mail (held, to confirm, awaiting approval) and the sender's
// buttons — 今すぐ送信 (release), 送信取り消し (cancel), 送信確認 (confirm). The outbound area's
// services (src/outbound/actions.ts) do the work and the audit; the scoped store first makes sure
// the message is one this caller may see at all (other tenants' ids are simply not found).
// 送信確認 is a mis-sending check: GET …/confirmation gives the sheet to tick, and the confirm POST
// must carry the ticked recipients (those with needsTick) and attachments (refused with code
// not_ticked otherwise).
import { cancel, confirm, release, waitingFor, type Actor } from '../../outbound/actions.ts';
import { ServiceError } from '../../util/service-error.ts';
import { confirmationSheet } from '../../outbound/confirmation.ts';
import { describeNextStep, nextStepOf } from '../../outbound/next-step.ts';
import { outboundStateOf } from '../../outbound/outbound-state.ts';
import { messageViewOfRow } from '../../mime/message-view.ts';
import type { ScopedStore } from './scoped-store.ts';
import { defineRoute, idParams, type RouteCtx, type RouteSpec } from './route.ts';
import { messageFields, messageView } from './message-view.ts';
import { bool, int, list, object, oneOfStrings, str } from './schema-kit.ts';
import { MESSAGE_STATES } from '../../store/schema/message-state.ts';

const confirmationSchema = object({
  /** whose ticks are asked for: every recipient's, or (confirm applyTo: external) the external ones' */
  applyTo: oneOfStrings(['all', 'external']),
  recipients: list(
    object({ address: str, field: oneOfStrings(['to', 'cc', 'bcc']), domain: str, external: bool, firstContact: bool, needsTick: bool }),
  ),
  attachments: list(object({ index: int, filename: str, size: int, contentType: str })),
  /** where the mail is and what happens at the deadline, in both languages */
  nextStep: object({ ja: str, en: str }),
});

/** What the sender ticked on the sheet. */
const ticksBody = {
  type: 'object',
  required: ['recipients', 'attachments'],
  additionalProperties: false,
  properties: {
    recipients: { type: 'array', maxItems: 5000, items: { type: 'string', maxLength: 512 } },
    attachments: { type: 'array', maxItems: 5000, items: { type: 'integer', minimum: 0 } },
  },
};

/** What an action answers: the message and its state afterwards. */
export const actionResultSchema = object({ id: str, state: oneOfStrings(MESSAGE_STATES) });

export function actorOf(scoped: ScopedStore): Actor {
  const p = scoped.principal;
  // an operator acts as an admin of the tenant it named
  return { email: p.email, role: p.role === 'operator' ? 'admin' : p.role, scope: scoped.scope };
}

function action(name: 'release' | 'cancel', summary: string, fn: typeof release): RouteSpec {
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
  defineRoute({
    method: 'GET',
    url: '/api/messages/:id/confirmation',
    summary:
      '送信確認: the sheet to tick — every recipient (To/Cc/Bcc, 社外, 初めての宛先) and attachment — and what happens at the deadline',
    tag: 'held mail',
    access: 'any',
    schema: { params: idParams, response: confirmationSchema },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      const m = await scoped.message(id);
      const { state } = outboundStateOf(m);
      if (m.state !== 'awaiting_confirmation')
        throw new ServiceError('wrong_state', `message ${id} is ${m.state}, not awaiting_confirmation`);
      const sheet = await scoped.withMessage(m, async (store, msg) =>
        confirmationSheet(store, msg, state, await messageViewOfRow(store, msg)),
      );
      const step = nextStepOf(m.state, state);
      return {
        ...sheet,
        nextStep: { ja: describeNextStep('ja', step, scoped.timeZone), en: describeNextStep('en', step, scoped.timeZone) },
      };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/messages/:id/confirm',
    summary: '送信確認: send after ticking every recipient and attachment (422 not_ticked unless all are ticked)',
    tag: 'held mail',
    access: 'any',
    schema: { params: idParams, body: ticksBody, response: actionResultSchema },
    async handler(req, ctx: RouteCtx) {
      const { id } = req.params as { id: string };
      const body = req.body as { recipients: string[]; attachments: number[] };
      const scoped = await ctx.scoped();
      await scoped.message(id);
      return confirm(ctx.deps.outbound, id, actorOf(scoped), body);
    },
  }),
];
