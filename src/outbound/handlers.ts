// What happens when a waiting message's time comes (the worker claimed its due_at row):
// held/auto → next stage or delivery; held/discard → discarded; held/manual → the sender never
// released it within the hold time plus 72 hours → discarded; confirmation and approval
// time-outs follow their onTimeout (deliver → next stage or delivery; discard → discarded).
import type { Message } from '../store/store.ts';
import type { Lease, StateHandlers } from '../queue/worker.ts';
import { outboundStateOf, STAGE_STATE } from './outbound-state.ts';
import { finish, moveOn, type OutboundEnv } from './stage-engine.ts';

export function outboundHandlers(env: OutboundEnv): StateHandlers {
  const handler = async (m: Message, lease: Lease) => {
    const { whole, state } = outboundStateOf(m);
    const stage = state?.stages[state.stage];
    if (!state || !stage || STAGE_STATE[stage.type] !== m.state) {
      // No stage to time out (e.g. a plan written by an older version): deliver rather than strand it.
      await env.store.transition(m, lease.node, {
        state: 'queued',
        dueAt: Date.now(),
        event: { actor: 'system', type: 'stage.missing', data: { state: m.state } },
      });
      env.wake?.();
      return;
    }
    const outcome = stage.type === 'hold' ? (stage.release === 'auto' ? 'deliver' : 'discard') : (stage.onTimeout ?? 'discard');
    const why = stage.type === 'hold' ? `hold.${stage.release}` : `${stage.type}.timeout`;
    if (outcome === 'deliver') {
      await moveOn(env, m, lease.node, whole, state, {
        actor: 'system',
        type: stage.type === 'hold' ? 'hold.ended' : `${stage.type}.timeout`,
        data: { rule: stage.rule, outcome },
      });
      return;
    }
    const reason =
      stage.type === 'hold'
        ? stage.release === 'manual'
          ? 'not released by the sender in time / 送信者による送信操作がありませんでした'
          : 'hold time ended (discard after hold) / 保留時間経過後に破棄'
        : stage.type === 'confirm'
          ? 'not confirmed in time / 期限までに送信確認がありませんでした'
          : 'not approved in time / 期限までに承認されませんでした';
    await finish(
      env,
      m,
      lease.node,
      whole,
      state,
      'discarded',
      { actor: 'system', type: 'discarded', data: { rule: stage.rule, why, reason } },
      { kind: 'discarded', facts: { reason } },
    );
  };
  return { held: handler, awaiting_confirmation: handler, awaiting_approval: handler };
}
