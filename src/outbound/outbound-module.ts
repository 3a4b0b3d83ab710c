// The outbound feature module: its hooks into the pipeline (see ../pipeline.ts), listed in main.ts.
// Accept-time policy decision (decide.ts), timers of waiting mail (handlers.ts), rewrites before
// delivery (prepare.ts) and the sender/approver pages (pages.ts). Services for people acting are
// in actions.ts, the policy in force in policy-service.ts.
import type { ModuleContext, ModuleFactory } from '../pipeline/pipeline.ts';
import { createDecider } from './decide.ts';
import { outboundHandlers } from './handlers.ts';
import { createPreparer } from './prepare.ts';
import { registerPages } from './pages.ts';
import type { OutboundEnv } from './stage-engine.ts';

/** What the action services (actions.ts) need; the console builds one from its own ModuleContext. */
export function outboundEnv(ctx: ModuleContext): OutboundEnv {
  return {
    store: ctx.store,
    hostname: ctx.config.hostname,
    publicUrl: ctx.config.publicUrl,
    logger: ctx.logger,
    wake: ctx.wake,
    inspectionBudget: { maxBytes: ctx.config.inspectionBudgetBytes, maxMs: ctx.config.inspectionBudgetMs },
  };
}

export const outboundModule: ModuleFactory = (ctx) => {
  const env = outboundEnv(ctx);
  return {
    name: 'outbound',
    decideOutbound: createDecider(env),
    handlers: outboundHandlers(env),
    prepareDelivery: createPreparer(ctx.store),
    registerHttp: (app) => registerPages(app, env),
  };
};
