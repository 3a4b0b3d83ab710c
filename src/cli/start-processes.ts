// `sekisho start` with `processes` > 1, for hosts with several cores: a primary prepares what
// must happen once (schema, demo tenant, TLS pair), then runs that many identical processes with
// every role. They share the listening sockets and the database like nodes of a cluster: each
// delivers what it accepted, claims due work atomically, and a dead one's leases pass to the
// others. The primary restarts a process that dies, on SIGTERM drains them all, and passes SIGHUP
// (reload the TLS certificate) on to each.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { openStore } from '../store/open-store.ts';
import { ensureDemoTenant, type DemoCredentials } from '../demo-tenant.ts';
import { loadOrCreateTls } from '../smtp/tls.ts';
import { startSekisho, type RunningSekisho } from '../main.ts';
import { serveClusterMetrics } from '../metrics-cluster.ts';
import { drainOnSignals, readyLines, reloadOnHangup } from './start-shared.ts';

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
  const supervisor = new Supervisor(logger, processes);
  process.once('SIGTERM', () => supervisor.stop('SIGTERM'));
  process.once('SIGINT', () => supervisor.stop('SIGINT'));
  process.on('SIGHUP', () => supervisor.signal('SIGHUP'));
  const ports = await supervisor.start();
  process.stdout.write(readyLines(config, ports, storeKind, demo, processes));
  logger.info({ ports, processes, pids: supervisor.pids() }, 'ready');
}

/** Keeps `count` Sekisho processes running, one per slot, until stop() drains them. */
class Supervisor {
  private readonly workers = new Map<number, Worker>();
  /** processes that reported ready (and so hold sessions to drain) */
  private readonly serving = new WeakSet<Worker>();
  /** the first processes' ports, once they all reported ready */
  private ports: Ports | null = null;
  private pinPorts = false;
  private stopping = false;
  private first: { ready: Map<number, Ports>; resolve: (p: Ports) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly count: number,
  ) {}

  async start(): Promise<Ports> {
    const ready = new Map<number, Ports>();
    const all = new Promise<Ports>((resolve, reject) => (this.first = { ready, resolve, reject }));
    for (let slot = 0; slot < this.count; slot++) this.fork(slot);
    let ports: Ports;
    try {
      ports = await all;
    } catch (err) {
      this.stop('start failed');
      throw err;
    }
    this.first = null;
    this.ports = ports;
    const differing = [...ready.values()].find(
      (p) => p.submission !== ports.submission || p.inbound !== ports.inbound || p.http !== ports.http,
    );
    if (differing) throw new Error(`the processes did not bind the same ports (${JSON.stringify(ports)} and ${JSON.stringify(differing)})`);
    return ports;
  }

  /** passes a signal on to every running process */
  signal(signal: NodeJS.Signals): void {
    for (const w of this.workers.values()) if (!w.isDead()) w.process.kill(signal);
  }

  pids(): Array<number | undefined> {
    return [...this.workers.values()].map((w) => w.process.pid);
  }

  stop(why: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info({ signal: why }, 'draining every process');
    // What counts is how the running processes end. One that died before (its replacement not
    // yet started) was reported then; one still starting has nothing to drain, SIGTERM ends it.
    const running = [...this.workers.values()].filter((w) => !w.isDead());
    const exits = running.map(
      (w) => new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(this.serving.has(w) ? code : 0))),
    );
    for (const w of running) w.process.kill('SIGTERM');
    void Promise.all(exits).then((codes) => {
      this.logger.info({ exitCodes: codes }, 'stopped');
      process.exit(codes.every((c) => c === 0) ? 0 : 1);
    });
  }

  private fork(slot: number): void {
    // A replacement joins the sockets the others listen on. If none is left (every process died
    // at once), cluster has closed them; with port 0 in the settings a new "free port" would
    // differ from the one printed, so from then on processes bind the ports first printed.
    if (this.ports && ![...this.workers.values()].some((w) => this.serving.has(w) && !w.isDead())) this.pinPorts = true;
    const p = this.pinPorts ? this.ports : null;
    const worker = cluster.fork(
      p
        ? { SEKISHO_SUBMISSION_PORT: String(p.submission), SEKISHO_INBOUND_PORT: String(p.inbound), SEKISHO_HTTP_PORT: String(p.http) }
        : undefined,
    );
    this.workers.set(slot, worker);
    worker.on('message', (m: Partial<Ready>) => {
      if (m?.type === 'sekisho:ready' && m.ports) this.onReady(slot, worker, m.ports);
    });
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal));
  }

  private onReady(slot: number, worker: Worker, ports: Ports): void {
    this.serving.add(worker);
    if (!this.first) return this.logger.info({ process: slot + 1, pid: worker.process.pid }, 'replacement process serving');
    this.first.ready.set(slot, ports);
    if (this.first.ready.size === this.count) this.first.resolve(ports);
  }

  private onExit(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    if (this.stopping) return;
    if (this.first)
      return this.first.reject(new Error(`process ${slot + 1} of ${this.count} exited during start (${signal ?? `code ${code}`})`));
    // Like Postfix's master: a process that dies is replaced; what it held is retried by the
    // others once its leases expire. The pause keeps a process that cannot start from spinning.
    this.logger.error(
      { process: slot + 1, pid: worker.process.pid, code, signal },
      'a Sekisho process exited; starting another in its place',
    );
    setTimeout(() => this.stopping || this.fork(slot), 1000);
  }
}

/** In each process the primary started: every role, reporting its ports to the primary. */
export async function startWorker(config: Config, logger: Logger): Promise<void> {
  const nodeName = config.nodeName ? `${config.nodeName}-${cluster.worker!.id}` : undefined;
  const running = await startSekisho({ ...config, demoTenant: false, nodeName }, logger);
  // A primary that is killed cannot drain its processes; they notice the closed channel and drain.
  drainOnSignals(running, logger, (shutdown) => process.once('disconnect', () => shutdown('primary exited')));
  reloadOnHangup(running, logger);
  process.send!({ type: 'sekisho:ready', ports: running.ports } satisfies Ready);
}

/**
 * Schema migrations, the demo tenant (whose passwords are printed once, by the primary) and the
 * generated TLS pair: done before any process starts, so that N processes do not race for them.
 */
async function prepareOnce(config: Config): Promise<{ demo: DemoCredentials | null; storeKind: 'sqlite' | 'postgres' }> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secretsKeyFile: config.secretsKeyFile });
  try {
    const demo = config.demoTenant ? await ensureDemoTenant(store, config.demoTenant) : null;
    await loadOrCreateTls({ dataDir: config.dataDir, hostname: config.hostname, certFile: config.tlsCert, keyFile: config.tlsKey });
    return { demo, storeKind: store.kind };
  } finally {
    await store.close();
  }
}
