// `sekisho start` with `processes` > 1, for hosts with several cores: a primary prepares what
// must happen once (schema, demo tenant, TLS pair), then runs that many identical processes with
// every role, each given the configuration over IPC (so all run the one the primary validated).
// They share the listening sockets and the database like nodes of a cluster: each delivers what
// it accepted, claims due work atomically, and a dead one's leases pass to the others. The
// primary restarts a process that dies, on SIGTERM drains them all, and on SIGHUP reloads by
// replacing them one at a time: the new process listens before the old one drains, so no port
// closes and no SMTP transaction is cut.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { replacedProcessesApply } from '../config/reload-plan.ts';
import { openStore } from '../store/open-store.ts';
import { ensureDemoTenant, type DemoCredentials } from '../demo-tenant.ts';
import { loadOrCreateTls } from '../smtp/tls.ts';
import { startSekisho, type RunningSekisho } from '../main.ts';
import { warmUp } from './warm-up.ts';
import { serveClusterMetrics } from '../metrics/metrics-cluster.ts';
import { createLogger } from '../util/logger.ts';
import { afterFailedStart, drainOnSignals, notePendingStop, readyLines, stopBeforeListening } from './start-shared.ts';
import { Reloader } from './reload.ts';
import { removePidFile, writePidFile } from './gateway-files.ts';

type Ports = RunningSekisho['ports'];

interface Ready {
  type: 'sekisho:ready';
  ports: Ports;
}
/** a starting process asks; the primary answers with the configuration to run */
const CONFIG_REQUEST = 'sekisho:config-request';
interface ConfigAnswer {
  type: 'sekisho:config';
  config: Config;
}

/** how long a replacement may take to listen before a reload gives up on it */
const READY_TIMEOUT_MS = 120_000;

/** `processes: auto` is one per core the OS lets this process use. */
export function processCount(setting: Config['processes']): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

export async function startPrimary(config: Config, logger: Logger, processes: number): Promise<void> {
  // A stop while the schema migrates (which may wait for another node's migrations) lets them
  // finish, then exits 0 before any process starts: a signal must not end a migration half-way.
  const pending = notePendingStop((why) =>
    logger.info({ signal: why }, 'stop noted: the database preparation (schema migrations) finishes first'),
  );
  const { demo, storeKind } = await prepareOnce(config);
  if (pending.by) stopBeforeListening(logger, pending.by, 'the database preparation');
  pending.done();
  // Each process accepts from the shared sockets itself; the kernel wakes whichever is free. The
  // default (the primary accepts and passes each connection on) costs the primary CPU per
  // connection, which is what one-connection-per-message clients are made of. Node's own
  // NODE_CLUSTER_SCHED_POLICY=rr still selects that default.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  serveClusterMetrics();
  const supervisor = new Supervisor(logger, processes, config);
  const reloader = new Reloader(config, logger, { applicable: replacedProcessesApply, apply: (c) => supervisor.replaceAll(c) });
  let started = false;
  process.once('SIGTERM', () => supervisor.stop('SIGTERM'));
  process.once('SIGINT', () => supervisor.stop('SIGINT'));
  process.on('SIGHUP', () => (started ? reloader.reload() : logger.warn('SIGHUP while starting: nothing to reload yet')));
  const ports = await supervisor.start();
  started = true;
  writePidFile(config.dataDir);
  process.stdout.write(readyLines(config, ports, storeKind, demo, processes));
  logger.info({ ports, processes, pids: supervisor.pids() }, 'ready');
}

/** Keeps `count` Sekisho processes running, one per slot, until stop() drains them. */
class Supervisor {
  /** the process serving each slot */
  private readonly workers = new Map<number, Worker>();
  /** every process not yet exited: serving, starting, or draining after a reload replaced it */
  private readonly live = new Set<Worker>();
  /** processes that reported ready (and so hold sessions to drain) */
  private readonly serving = new WeakSet<Worker>();
  /** processes a reload replaced, draining: SIGTERM was sent once (a second would kill them) */
  private readonly retiring = new WeakSet<Worker>();
  /** the first processes' ports, once they all reported ready */
  private ports: Ports | null = null;
  private pinPorts = false;
  private stopping = false;
  private startFailed: ((err: Error) => void) | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly count: number,
    /** what a process started from now on runs */
    private config: Config,
  ) {}

  async start(): Promise<Ports> {
    const failed = new Promise<never>((_, reject) => (this.startFailed = reject));
    const readies: Array<Promise<Ports>> = [];
    for (let slot = 0; slot < this.count; slot++) {
      const { worker, ready } = this.spawn(slot);
      this.workers.set(slot, worker);
      readies.push(ready);
    }
    let all: Ports[];
    try {
      all = await Promise.race([Promise.all(readies), failed]);
    } catch (err) {
      if (this.stopping) return untilStopped();
      this.stop('start failed');
      throw err;
    }
    // A stop (SIGTERM) during the start ends the processes still starting, and one that drains at
    // once closes the shared sockets another would have joined (its ports then differ): that is no
    // failed start; stop() exits 0 once every process has exited.
    if (this.stopping) return untilStopped();
    this.startFailed = null;
    const ports = all[0]!;
    this.ports = ports;
    const differing = all.find((p) => p.submission !== ports.submission || p.inbound !== ports.inbound || p.http !== ports.http);
    if (differing) throw new Error(`the processes did not bind the same ports (${JSON.stringify(ports)} and ${JSON.stringify(differing)})`);
    return ports;
  }

  /**
   * A reload: each slot in turn gets a new process running `config`; once it listens, the old one
   * drains (stops accepting, finishes its transactions and deliveries) and exits before the next
   * slot is replaced. A new process that does not start stops the reload there.
   */
  async replaceAll(config: Config): Promise<void> {
    const previous = this.config;
    this.config = config; // a process that dies from now on is restarted with the new settings
    for (let slot = 0; slot < this.count; slot++) {
      if (this.stopping) throw new Error('the gateway is stopping');
      const { worker, ready } = this.spawn(slot);
      try {
        await withTimeout(ready, READY_TIMEOUT_MS, 'a new process did not report ready');
      } catch (err) {
        if (!worker.isDead()) worker.process.kill('SIGKILL');
        if (slot === 0) this.config = previous;
        const done = slot === 0 ? '' : ` (${slot} of ${this.count} processes already run the new configuration)`;
        throw new Error(`a process with the new configuration did not start: ${(err as Error).message}${done}`);
      }
      const old = this.workers.get(slot);
      this.workers.set(slot, worker);
      if (old && !old.isDead()) await this.retire(old);
    }
    this.logger.info({ pids: this.pids() }, `every process replaced (${this.count})`);
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
    const running = [...this.live].filter((w) => !w.isDead());
    const exits = running.map(
      (w) => new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(this.serving.has(w) ? code : 0))),
    );
    for (const w of running) if (!this.retiring.has(w)) w.process.kill('SIGTERM');
    void Promise.all(exits).then((codes) => {
      removePidFile(this.config.dataDir);
      this.logger.info({ exitCodes: codes }, 'stopped');
      process.exit(codes.every((c) => c === 0) ? 0 : 1);
    });
  }

  /** SIGTERM (it drains) and its exit */
  private retire(worker: Worker): Promise<void> {
    this.retiring.add(worker);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.process.kill('SIGTERM');
    return exited;
  }

  /** a new process for `slot` with the current configuration; `ready` resolves with its ports once it listens */
  private spawn(slot: number): { worker: Worker; ready: Promise<Ports> } {
    // A new process joins the sockets the others listen on. If none is left (every process died
    // at once), cluster has closed them; with port 0 in the settings a new "free port" would
    // differ from the one printed, so from then on processes bind the ports first printed.
    if (this.ports && ![...this.live].some((w) => this.serving.has(w) && !w.isDead())) this.pinPorts = true;
    const p = this.pinPorts ? this.ports : null;
    const config: Config = p ? { ...this.config, submissionPort: p.submission, inboundPort: p.inbound, httpPort: p.http } : this.config;
    const worker = cluster.fork();
    this.live.add(worker);
    const ready = new Promise<Ports>((resolve, reject) => {
      worker.on('message', (m: { type?: string; ports?: Ports }) => {
        if (m?.type === CONFIG_REQUEST) worker.send({ type: 'sekisho:config', config } satisfies ConfigAnswer);
        else if (m?.type === 'sekisho:ready' && m.ports) {
          this.serving.add(worker);
          resolve(m.ports);
        }
      });
      worker.once('exit', (code, signal) => reject(new Error(`it exited (${signal ?? `code ${code}`})`)));
    });
    ready.catch(() => {}); // whoever spawned it decides what a failed start means
    worker.on('exit', (code, signal) => {
      this.live.delete(worker);
      this.onExit(slot, worker, code, signal);
    });
    return { worker, ready };
  }

  private onExit(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    if (this.stopping) return;
    if (!this.ports) {
      this.startFailed?.(new Error(`process ${slot + 1} of ${this.count} exited during start (${signal ?? `code ${code}`})`));
      return;
    }
    // a process a reload replaced, or a replacement that never served (the reload says so)
    if (this.workers.get(slot) !== worker) return;
    // Like Postfix's master: a process that dies is replaced; what it held is retried by the
    // others once its leases expire. The pause keeps a process that cannot start from spinning.
    this.logger.error(
      { process: slot + 1, pid: worker.process.pid, code, signal },
      'a Sekisho process exited; starting another in its place',
    );
    setTimeout(() => {
      if (this.stopping || this.workers.get(slot) !== worker) return;
      const next = this.spawn(slot);
      this.workers.set(slot, next.worker);
      next.ready.then(
        () => this.logger.info({ process: slot + 1, pid: next.worker.process.pid }, 'replacement process serving'),
        () => {},
      );
    }, 1000);
  }
}

/** What start() returns during a stop: nothing, ever; stop() ends the process. */
function untilStopped(): Promise<never> {
  return new Promise<never>(() => {});
}

/** In each process the primary started: every role, with the primary's configuration, reporting its ports. */
export async function startWorker(): Promise<void> {
  const config = await configFromPrimary();
  const logger = createLogger(config.logLevel);
  const nodeName = config.nodeName ? `${config.nodeName}-${cluster.worker!.id}` : undefined;
  const pending = notePendingStop();
  const warm = await warmUp(config, logger, pending);
  if (warm.stoppedBy) stopBeforeListening(logger, warm.stoppedBy);
  const running = await startSekisho({ ...config, demoTenant: false, nodeName }, logger).catch(afterFailedStart);
  // A primary that is killed cannot drain its processes; they notice the closed channel and drain.
  drainOnSignals(running, logger, pending, (shutdown) => process.once('disconnect', () => shutdown('primary exited')));
  // the primary reloads by replacing this process; a hang-up sent to the whole process group changes nothing here
  process.on('SIGHUP', () => {});
  process.send!({ type: 'sekisho:ready', ports: running.ports } satisfies Ready);
}

function configFromPrimary(): Promise<Config> {
  return new Promise((resolve) => {
    const gone = () => process.exit(1);
    const onMessage = (m: Partial<ConfigAnswer>) => {
      if (m?.type !== 'sekisho:config' || !m.config) return;
      process.off('message', onMessage);
      process.off('disconnect', gone);
      resolve(m.config);
    };
    process.on('message', onMessage);
    process.once('disconnect', gone);
    process.send!({ type: CONFIG_REQUEST });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
