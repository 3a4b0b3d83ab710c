// `sekisho start` with `processes` > 1, for hosts with several cores: a primary prepares what
// must happen once (schema, demo tenant, TLS pair), then runs that many identical processes with
// every role. They share the listening sockets and the database like nodes of a cluster: each
// delivers what it accepted, claims due work atomically, and a dead one's leases pass to the
// others. The primary restarts a process that dies, and on SIGTERM drains them all.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { openStore } from '../store/open-store.ts';
import { ensureDemoTenant, type DemoCredentials } from '../demo-tenant.ts';
import { loadOrCreateTls } from '../smtp/tls.ts';
import { startSekisho, type RunningSekisho } from '../main.ts';
import { serveClusterMetrics } from '../metrics-cluster.ts';
import { drainOnSignals, readyLines } from './start.ts';

type Ports = RunningSekisho['ports'];

interface Ready {
  type: 'sekisho:ready';
  ports: Ports;
}

/** `processes: auto` is one per core the OS lets this process use. */
export function processCount(setting: Config['processes']): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

export async function startPrimary(config: Config, logger: Logger, processes: number): Promise<void> {
  const { demo, storeKind } = await prepareOnce(config);
  // Each process accepts from the shared sockets itself; the kernel wakes whichever is free. The
  // default (the primary accepts and passes each connection on) costs the primary CPU per
  // connection, which is what one-connection-per-message clients are made of. Node's own
  // NODE_CLUSTER_SCHED_POLICY=rr still selects that default.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  serveClusterMetrics();

  const workers = new Map<number, Worker>();
  let stopping = false;
  let started = false;
  const ready = new Map<number, Ports>();
  const serving = new WeakSet<Worker>();
  let startFailed: (err: Error) => void = () => {};
  let allReady: (ports: Ports) => void = () => {};
  const starting = new Promise<Ports>((resolve, reject) => {
    allReady = resolve;
    startFailed = reject;
  });

  let bound: Ports | null = null;
  let pinPorts = false;
  const fork = (slot: number) => {
    // A replacement joins the sockets the others listen on. If none is left (every process died
    // at once), cluster has closed them; with port 0 in the settings a new "free port" would
    // differ from the one printed, so from then on processes bind the ports first printed.
    if (bound && ![...workers.values()].some((w) => serving.has(w) && !w.isDead())) pinPorts = true;
    const worker = cluster.fork(pinPorts && bound ? { SEKISHO_SUBMISSION_PORT: String(bound.submission), SEKISHO_INBOUND_PORT: String(bound.inbound), SEKISHO_HTTP_PORT: String(bound.http) } : undefined);
    workers.set(slot, worker);
    worker.on('message', (m: Partial<Ready>) => {
      if (m?.type !== 'sekisho:ready' || !m.ports) return;
      ready.set(slot, m.ports);
      serving.add(worker);
      if (started) logger.info({ process: slot + 1, pid: worker.process.pid }, 'replacement process serving');
      else if (ready.size === processes) allReady(m.ports);
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (!started) return startFailed(new Error(`process ${slot + 1} of ${processes} exited during start (${signal ?? `code ${code}`})`));
      // Like Postfix's master: a process that dies is replaced; what it held is retried by the
      // others once its leases expire. The pause keeps a process that cannot start from spinning.
      logger.error({ process: slot + 1, pid: worker.process.pid, code, signal }, 'a Sekisho process exited; starting another in its place');
      setTimeout(() => stopping || fork(slot), 1000);
    });
  };

  const stopAll = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: why }, 'draining every process');
    // What counts is how the running processes end. One that died before (its replacement not
    // yet started) was reported then; one still starting has nothing to drain, SIGTERM ends it.
    const running = [...workers.values()].filter((w) => !w.isDead());
    const exits = running.map((w) => new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(serving.has(w) ? code : 0))));
    for (const w of running) w.process.kill('SIGTERM');
    void Promise.all(exits).then((codes) => {
      logger.info({ exitCodes: codes }, 'stopped');
      process.exit(codes.every((c) => c === 0) ? 0 : 1);
    });
  };
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));

  for (let slot = 0; slot < processes; slot++) fork(slot);
  let ports: Ports;
  try {
    ports = await starting;
  } catch (err) {
    stopAll('start failed');
    throw err;
  }
  started = true;
  bound = ports;
  const differing = [...ready.values()].find((p) => p.submission !== ports.submission || p.inbound !== ports.inbound || p.http !== ports.http);
  if (differing) throw new Error(`the processes did not bind the same ports (${JSON.stringify(ports)} and ${JSON.stringify(differing)})`);
  process.stdout.write(readyLines(config, ports, storeKind, demo, processes));
  logger.info({ ports, processes, pids: [...workers.values()].map((w) => w.process.pid) }, 'ready');
}

/** In each process the primary started: every role, reporting its ports to the primary. */
export async function startWorker(config: Config, logger: Logger): Promise<void> {
  const nodeName = config.nodeName ? `${config.nodeName}-${cluster.worker!.id}` : undefined;
  const running = await startSekisho({ ...config, demoTenant: false, nodeName }, logger);
  // A primary that is killed cannot drain its processes; they notice the closed channel and drain.
  drainOnSignals(running, logger, (shutdown) => process.once('disconnect', () => shutdown('primary exited')));
  process.send!({ type: 'sekisho:ready', ports: running.ports } satisfies Ready);
}

/**
 * Schema migrations, the demo tenant (whose passwords are printed once, by the primary) and the
 * generated TLS pair: done before any process starts, so that N processes do not race for them.
 */
async function prepareOnce(config: Config): Promise<{ demo: DemoCredentials | null; storeKind: 'sqlite' | 'postgres' }> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const demo = config.demoTenant ? await ensureDemoTenant(store) : null;
    await loadOrCreateTls({ dataDir: config.dataDir, hostname: config.hostname, certFile: config.tlsCert, keyFile: config.tlsKey });
    return { demo, storeKind: store.kind };
  } finally {
    await store.close();
  }
}
