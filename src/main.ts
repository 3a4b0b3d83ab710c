// Composition root: configuration → store → accept stage, SMTP listeners, HTTP, queue workers.
// `startSekisho` runs every role in one process and returns the bound ports and a stop() that
// drains (stop accepting, finish in-flight SMTP transactions and deliveries, close the store).
import { hostname as osHostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { createMetrics } from './metrics/metrics.ts';
import { Acceptor } from './accept/acceptor.ts';
import { SendLimiter, configSendLimits, notifySendLimit } from './accept/send-limits.ts';
import { GreetPass } from './smtp/greet-pass.ts';
import { ConnectionGate } from './smtp/connection-gate.ts';
import { createInboundServer, createSubmissionServer } from './smtp/listeners.ts';
import { loadCheckedTls, loadOrCreateTls, tlsFilesOf } from './smtp/tls.ts';
import { IpThrottle } from './throttle/ip-throttle.ts';
import { LoginThrottle } from './throttle/login-throttle.ts';
import { parseNetworks } from './util/cidr.ts';
import { createHttpServer } from './web/http-server.ts';
import { QueueWorker } from './queue/worker.ts';
import { createDeliverHandler } from './delivery/deliver-handler.ts';
import { GatewayDelivery } from './delivery/gateway-delivery.ts';
import { parseDuration } from './util/duration.ts';
import { parseRetrySchedule } from './delivery/retry-schedule.ts';
import { ensureDemoTenant, type DemoCredentials } from './demo-tenant.ts';
import type { ModuleFactory, SekishoModule } from './pipeline/pipeline.ts';
import { outboundModule } from './outbound/outbound-module.ts';
import { createInboundModule, inboundModule } from './inbound/inbound-module.ts';
import { sandboxFromConfig } from './inbound/sandbox/from-config.ts';
import { attachmentsModule } from './attachments/attachments-module.ts';
import { consoleModule } from './console/console-module.ts';
import { createDeliveryModule } from './delivery/delivery-module.ts';
import { arcSealPreparer } from './inbound/arc-seal.ts';
import { retentionModule } from './retention/retention-module.ts';
import { webhooksModule } from './webhooks/webhooks-module.ts';
import { configureAnalysisPool } from './analysis/pool.ts';
import { applyPatches } from './patches/index.ts';
import { EngineHealth } from './inbound/engine-health.ts';

/**
 * The feature modules, in order. Each adds accept decisions, queue state handlers, delivery
 * rewrites and HTTP routes through the hooks in pipeline/pipeline.ts. Order matters for delivery
 * rewrites: policy rewrites, then attachment protection; delivery (DKIM signing) comes last.
 * Retention only runs its hourly purge, webhooks their sender (each on one node at a time).
 */
export const MODULES: ModuleFactory[] = [
  outboundModule,
  inboundModule,
  attachmentsModule,
  consoleModule,
  createDeliveryModule(({ store, config, logger }) =>
    arcSealPreparer({ store, authservId: config.hostname, enabled: config.arcSeal, logger }),
  ),
  retentionModule,
  webhooksModule,
];

export interface RunningSekisho {
  ports: { submission: number; inbound: number; http: number };
  store: Store;
  demo: DemoCredentials | null;
  worker: QueueWorker;
  /** a reload: the TLS certificate and key read again (a renewal; `tls` names other files), used
   *  from the next STARTTLS on; a pair that does not match throws and the one in use stays */
  reloadTls(tls?: Pick<Config, 'tlsCert' | 'tlsKey'>): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Ports of this process alone, even in a process of `processes` > 1: there Node's cluster makes
   * port 0 one port the primary shares among every process, so the warm-ups' private gateways
   * (src/cli/warm-up.ts) took each other's mail, and one that stopped first answered the other's
   * sessions with 421 (the warm-up failed, its process started cold). The real gateway shares its ports.
   */
  exclusivePorts?: boolean;
}

export async function startSekisho(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningSekisho> {
  applyPatches(); // first: a library version the patches were not written for stops the start here
  const node = config.nodeName ?? `${osHostname()}-${process.pid}`;
  const trustedNetworks = parseNetworks(config.trustedNetworks);
  const trustedProxies = parseNetworks(config.trustedProxies, 'trustedProxies');
  const retry = parseRetrySchedule({
    delays: config.retrySchedule,
    maxLifetime: config.maxQueueLifetime,
    delayWarning: config.delayWarningAfter,
  });
  // Parsing of large mail and the inbound analysis run on worker threads: start them now (they
  // load while the store opens), and listen only once they have loaded, below.
  const analysisLoaded = configureAnalysisPool({
    threads: config.analysisThreads === 'auto' ? undefined : config.analysisThreads,
    warm: true,
  });
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secretsKeyFile: config.secretsKeyFile });
  const demo = config.demoTenant ? await ensureDemoTenant(store, config.demoTenant) : null;
  const tls = await loadOrCreateTls(tlsFilesOf(config));
  const metrics = createMetrics(store);

  let worker: QueueWorker | null = null;
  const wake = () => worker?.wake();
  const modules: SekishoModule[] = [];
  // a configured external sandbox (config `sandbox`) joins the inbound module
  const sandbox = sandboxFromConfig(config);
  const factories = MODULES.map((f) => (f === inboundModule && sandbox ? createInboundModule({ sandbox }) : f));
  for (const factory of factories) modules.push(await factory({ config, store, logger, metrics, node, wake }));
  const delivery = new GatewayDelivery({
    store,
    relay: config.relay,
    hostname: config.hostname,
    dnsServers: config.dnsServers,
    mxPort: config.mxPort,
    maxConnections: config.deliveryConcurrency,
  });
  const preparers = modules.flatMap((m) => (m.prepareDelivery ? [m.prepareDelivery] : []));
  const deliver = createDeliverHandler({
    store,
    port: delivery,
    logger,
    metrics,
    retry,
    hostname: config.hostname,
    preparers,
  });
  worker = new QueueWorker({
    store,
    logger,
    node,
    concurrency: config.deliveryConcurrency,
    pollIntervalMs: config.pollIntervalMs,
    leaseMs: Math.round(config.leaseSeconds * 1000),
    handlers: Object.assign({ queued: deliver, deferred: deliver }, ...modules.map((m) => m.handlers ?? {})),
  });
  metrics.observeLine(() => worker?.lineLength ?? 0);
  const acceptor = new Acceptor({
    store,
    hostname: config.hostname,
    logger,
    metrics,
    onQueued: wake,
    localWorker: worker,
    duplicateWindowMs: parseDuration(config.duplicateWindow, 'duplicateWindow'),
    decideOutbound: modules.flatMap((m) => (m.decideOutbound ? [m.decideOutbound] : [])),
    decideInbound: modules.flatMap((m) => (m.decideInbound ? [m.decideInbound] : [])),
    sendLimiter: new SendLimiter({
      store,
      logger,
      defaults: configSendLimits(config),
      notify: (tenantId, hit) => notifySendLimit({ store, hostname: config.hostname, wake }, tenantId, hit),
    }),
  });
  const listenerDeps = {
    acceptor,
    logger,
    metrics,
    tls,
    hostname: config.hostname,
    maxMessageSize: config.maxMessageSize,
    maxRecipients: config.maxRecipients,
  };
  const submission = createSubmissionServer({
    ...listenerDeps,
    trustedNetworks,
    ...(config.submissionProxyProtocol ? { proxyFrom: trustedProxies } : {}),
    connectionGate: new ConnectionGate(
      { maxPerClient: config.submissionConnectionsPerClient, ratePerMinute: config.submissionConnectionRatePerMinute },
      trustedNetworks,
    ),
    authThrottle: new LoginThrottle(store, new IpThrottle(store, 'smtp-ip', config.authFailLimit, config.authFailWindowSeconds * 1000)),
  });
  const inbound = createInboundServer({
    ...listenerDeps,
    greetingDelayMs: config.inboundGreetDelayMs,
    greetPass: new GreetPass(config.inboundGreetPassHours * 3_600_000),
    ...(config.inboundProxyProtocol ? { proxyFrom: trustedProxies } : {}),
    connectionGate: new ConnectionGate({
      maxPerClient: config.inboundConnectionsPerClient,
      ratePerMinute: config.inboundConnectionRatePerMinute,
    }),
  });
  let listening = false;
  const engines = new EngineHealth(config);
  const http = createHttpServer({
    metrics,
    metricsAccess: { allow: parseNetworks(config.metricsAllow, 'metricsAllow'), token: config.metricsToken },
    publicUrl: config.publicUrl,
    trustedProxies: config.trustedProxies,
    health: async () => {
      try {
        const now = Date.now();
        const oldestDue = await store.oldestDueAt(now);
        // how long the longest-waiting due message has waited: a stuck queue shows here first
        const queueAgeSeconds = oldestDue === null ? 0 : Math.max(0, Math.round((now - oldestDue) / 1000));
        const engineStatus = await engines.status(now);
        const degraded = Object.values(engineStatus).some((e) => e.status === 'degraded');
        return {
          ok: listening,
          degraded,
          detail: { database: 'ok', listeners: listening ? 'ok' : 'starting', queueAgeSeconds, engines: engineStatus },
        };
      } catch {
        return { ok: false, detail: { database: 'unreachable' } };
      }
    },
  });

  for (const m of modules) await m.registerHttp?.(http);

  /** What start opened, released in this order by stop() and by a start that cannot listen. */
  const release = async () => {
    listening = false;
    // Stop accepting; smtp-server.close waits for open sessions (up to its close timeout).
    await Promise.all([closeListening(submission), closeListening(inbound)]);
    await worker!.stop(); // nothing to wait for when the start failed before the worker ran
    for (const m of modules) await m.stop?.();
    await http.close();
    await delivery.close();
    await store.close();
  };

  // Loading the threads' modules costs about as much CPU as the first few hundred messages; paid
  // before the ports open, it no longer slows them (docs/delivery.md, "Cold start").
  await analysisLoaded;
  let submissionPort: number;
  let inboundPort: number;
  try {
    const exclusive = options.exclusivePorts === true;
    submissionPort = await listen(submission, { port: config.submissionPort, host: config.listenHost, exclusive });
    inboundPort = await listen(inbound, { port: config.inboundPort, host: config.listenHost, exclusive });
    await http.listen({ port: config.httpPort, host: config.listenHost, exclusive });
  } catch (err) {
    // A start that cannot listen releases what it opened before the caller exits or tries again.
    await release();
    throw err;
  }
  const httpPort = (http.server.address() as AddressInfo).port;
  listening = true;
  worker.start();
  const runningWorker = worker;

  let stopping: Promise<void> | null = null;
  return {
    ports: { submission: submissionPort, inbound: inboundPort, http: httpPort },
    store,
    demo,
    worker: runningWorker,
    async reloadTls(files = config) {
      // throws before either listener is touched: the pair in use stays
      const fresh = await loadCheckedTls(tlsFilesOf({ ...config, tlsCert: files.tlsCert, tlsKey: files.tlsKey }));
      for (const server of [submission, inbound]) server.updateSecureContext(fresh);
    },
    stop() {
      stopping ??= release();
      return stopping;
    },
  };
}

function listen(server: SMTPServer, at: { port: number; host: string; exclusive: boolean }): Promise<number> {
  const { port, host } = at;
  return new Promise((resolve, reject) => {
    const s = netServerOf(server);
    // A port already in use is a start-up error with one line, not a crash with a stack trace.
    const fail = (err: NodeJS.ErrnoException) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`));
    s.once('error', fail);
    server.listen(at, () => {
      s.off('error', fail);
      resolve((s.address() as AddressInfo).port);
    });
  });
}

function closeSmtp(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Closes a listener that may never have started listening (a failed start). */
function closeListening(server: SMTPServer): Promise<void> {
  return netServerOf(server).listening ? closeSmtp(server) : Promise.resolve();
}

/** The net.Server inside smtp-server, which its types do not declare. */
function netServerOf(server: SMTPServer): Server {
  return (server as unknown as { server: Server }).server;
}
