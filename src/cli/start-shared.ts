// What `sekisho start` does the same with one process or several: the lines that say where each
// listener is (and the demo accounts, once), draining on SIGTERM/SIGINT — also for a stop that
// came while the process was still warming up or opening its ports, or while the primary prepared
// the database (PendingStop).
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { closeAnalysisPool } from '../analysis/pool.ts';
import type { Config } from '../config/schema.ts';
import type { RunningSekisho } from '../main.ts';
import type { DemoCredentials } from '../demo-tenant.ts';

/** A start that failed: the analysis threads stop before the error reaches the exit (see closeAnalysisPool). */
export async function afterFailedStart(err: unknown): Promise<never> {
  await closeAnalysisPool();
  throw err;
}

/**
 * A stop noted from the start of `sekisho start` until the drain handlers take over: SIGTERM, SIGINT
 * and, in a process the primary started, the primary's exit. Without it a signal that came while
 * the process warmed up or opened its ports, or while the primary migrated the schema, would end it
 * at once (by the signal, not exit 0); with it the warm-up ends early (warm-up.ts), a stop during
 * the opening drains as soon as the ports are open, and the primary exits 0 once its migrations are
 * done. `noted` hears of the first stop; `done` puts the default handling back (drainOnSignals and
 * the primary call it once their own handlers are in).
 */
export interface PendingStop {
  readonly by: string | null;
  done(): void;
}

export function notePendingStop(noted?: (why: string) => void): PendingStop {
  const state = { by: null as string | null, done };
  const on = (why: string) => () => {
    if (state.by !== null) return;
    state.by = why;
    noted?.(why);
  };
  const handlers = { SIGTERM: on('SIGTERM'), SIGINT: on('SIGINT'), disconnect: on('primary exited') };
  process.on('SIGTERM', handlers.SIGTERM);
  process.on('SIGINT', handlers.SIGINT);
  if (cluster.isWorker) process.on('disconnect', handlers.disconnect);
  function done(): void {
    process.off('SIGTERM', handlers.SIGTERM);
    process.off('SIGINT', handlers.SIGINT);
    process.off('disconnect', handlers.disconnect);
  }
  return state;
}

/**
 * SIGTERM/SIGINT (and `also`, e.g. the primary going away): stop accepting, finish, exit 0. A stop
 * `pending` noted before (during the start) drains at once.
 */
export function drainOnSignals(
  running: RunningSekisho,
  logger: Logger,
  pending: PendingStop,
  also?: (shutdown: (why: string) => void) => void,
  /** after a clean stop, before the exit (the pid file goes) */
  stopped?: () => void,
): void {
  let draining = false;
  const shutdown = (why: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal: why }, 'draining: no new connections; finishing open transactions and deliveries');
    running.stop().then(
      () => {
        stopped?.();
        logger.info('stopped');
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  also?.(shutdown);
  pending.done();
  if (pending.by) shutdown(pending.by);
}

/** A stop that came before anything listened (during `what`): there is nothing to drain; exit 0 as a drained stop does. */
export function stopBeforeListening(logger: Logger, why: string, what = 'the warm-up'): never {
  logger.info({ signal: why }, `stopped during ${what}, before the ports opened`);
  process.exit(0);
}

export function readyLines(
  config: Config,
  ports: RunningSekisho['ports'],
  storeKind: 'sqlite' | 'postgres',
  demo: DemoCredentials | null,
  processes: number,
  /** stdout is a terminal: the demo passwords may be shown (never into a log or a pipe) */
  terminal = process.stdout.isTTY === true,
): string {
  const host = config.listenHost;
  const lines = [
    `Sekisho is running ` +
      `(${storeKind === 'postgres' ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}${processes > 1 ? `, ${processes} processes` : ''})`,
    `  submission (STARTTLS + AUTH)  smtp://${host}:${ports.submission}`,
    `  inbound (MX)                  smtp://${host}:${ports.inbound}`,
    `  console, API, health          http://${host}:${ports.http}/  (health: /healthz, metrics: /metrics)`,
    `  outbound delivery             ${config.relay ? `via smart host ${redactUrl(config.relay)}` : 'by MX lookup'}`,
  ];
  if (demo) lines.push('', ...demoLines(demo, terminal));
  return lines.join('\n') + '\n';
}

/** What a newcomer needs about the demo tenant; its passwords only when a person reads them on a terminal. */
export function demoLines(demo: DemoCredentials, terminal: boolean): string[] {
  const lines = [`Demo tenant "${demo.tenant}" created (domain ${demo.domain}): this is a first start without a configuration file.`];
  if (terminal) {
    lines.push('These passwords are shown only once, here:');
    for (const a of demo.accounts) lines.push(`  ${a.role.padEnd(6)} ${a.email}  password: ${a.password}`);
  } else {
    lines.push('Its passwords are shown only on a terminal, never into a log. Give an account a password with:');
    for (const a of demo.accounts) lines.push(`  sekisho user set ${a.email} --password-stdin`);
  }
  lines.push(`Remove the demo tenant when you no longer need it: sekisho tenant delete ${demo.tenant} --purge`);
  return lines;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
