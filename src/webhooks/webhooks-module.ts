// The webhooks area as a module of the gateway: it only runs the sender loop (sender.ts); events are
// enqueued by the store as audit events are written (src/store/webhook-events.ts), and the API has
// its own routes.
import type { ModuleFactory } from '../pipeline/pipeline.ts';
import { parseDuration } from '../util/duration.ts';
import { startWebhookSender } from './sender.ts';

export const webhooksModule: ModuleFactory = ({ config, store, logger, node }) => {
  const sender = startWebhookSender(
    store,
    node,
    {
      retryBaseMs: parseDuration(config.webhookRetryBase, 'webhookRetryBase'),
      maxAttempts: config.webhookMaxAttempts,
      allowPrivateTargets: config.webhookAllowPrivateTargets,
      pollMs: config.webhookPollMs,
    },
    logger,
  );
  return { name: 'webhooks', stop: () => sender.stop() };
};
