// The inbound feature module: its hooks into the pipeline (see ../pipeline.ts), listed in main.ts.
// decideInbound authenticates, scores and lets the tenant policy decide (decide.ts); the
// `quarantined` handler purges mail whose retention ended (its due_at); prepareDelivery strips
// attachments and tags subjects; /q/TOKEN is the recipient's self-release page; a timer sends
// periodic quarantine digests for tenants that asked for them.
import type { ModuleFactory } from '../pipeline/pipeline.ts';
import { createCachingResolver } from './dns-cache.ts';
import { createSpfCache } from './spf-cache.ts';
import { decideInbound } from './decide.ts';
import { scannersFromConfig } from './scorers.ts';
import { prepareInbound } from './prepare.ts';
import { purgeQuarantined } from './quarantine.ts';
import { registerReleasePage } from './release-page.ts';
import { runDueDigests } from './digest.ts';
import { sandboxHandler } from './sandbox-hold.ts';
import type { SandboxOptions } from './sandbox/sandbox-api.ts';

const DIGEST_CHECK_MS = 5 * 60_000;

export interface InboundModuleOptions {
  /** an external sandbox next to the built-in analysis; held mail waits in held_for_sandbox */
  sandbox?: SandboxOptions;
}

/** The default module (built-in analysis only) is `inboundModule`; this adds an external sandbox. */
export const createInboundModule =
  (options: InboundModuleOptions = {}): ModuleFactory =>
  (ctx) => {
    const { config, store, logger } = ctx;
    const dns = createCachingResolver(config.dnsServers, { timeoutMs: 2000, tries: 2 });
    const resolver = dns.resolve;
    const spf = createSpfCache(dns).check;
    const scanners = scannersFromConfig(config);
    const digestDeps = { store, hostname: config.hostname, publicUrl: config.publicUrl, wake: ctx.wake };
    const timer = setInterval(() => {
      runDueDigests(digestDeps).catch((err) => logger.error({ err }, 'quarantine digest run failed'));
    }, DIGEST_CHECK_MS);
    timer.unref();
    return {
      name: 'inbound',
      decideInbound: (accept) =>
        decideInbound(
          {
            store,
            logger,
            hostname: config.hostname,
            resolver,
            spf,
            scanners,
            sandbox: options.sandbox,
            attachmentBudget: { maxBytes: config.analysisBudgetBytes, maxMs: config.analysisBudgetMs },
          },
          accept,
        ),
      handlers: {
        quarantined: async (message, lease) => {
          if (!(await purgeQuarantined(store, message, lease.node)))
            logger.warn({ id: message.id }, 'lease lost before the quarantine purge was recorded');
        },
        ...(options.sandbox ? { held_for_sandbox: sandboxHandler(store, options.sandbox, logger, ctx.wake) } : {}),
      },
      prepareDelivery: prepareInbound,
      registerHttp: (app) => registerReleasePage(app, { store, wake: ctx.wake, hostname: config.hostname, publicUrl: config.publicUrl }),
      stop: async () => clearInterval(timer),
    };
  };

export const inboundModule: ModuleFactory = createInboundModule();
