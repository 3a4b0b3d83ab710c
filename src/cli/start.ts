// `sekisho start`: every role in one process; with `processes` > 1 a primary that prepares the
// database once and runs that many identical processes sharing the ports (start-processes.ts).
// Prints where each listener is (port 0 = a free port, printed here) and, on a first start, the
// demo accounts. SIGTERM/SIGINT drain and exit 0.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger } from '../util/logger.ts';
import { startSekisho, type RunningSekisho } from '../main.ts';
import type { DemoCredentials } from '../demo-tenant.ts';
import { processCount, startPrimary, startWorker } from './start-processes.ts';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const processes = processCount(config.processes);
  if (processes > 1) return cluster.isPrimary ? startPrimary(config, logger, processes) : startWorker(config, logger);
  const running = await startSekisho(config, logger);
  // Handlers go in before the ports are printed: whoever reads them may signal at once.
  drainOnSignals(running, logger);
  process.stdout.write(readyLines(config, running.ports, running.store.kind, running.demo, 1));
  logger.info({ ports: running.ports, node: config.nodeName }, 'ready');
}

/** SIGTERM/SIGINT (and `also`, e.g. the primary going away): stop accepting, finish, exit 0. */
export function drainOnSignals(running: RunningSekisho, logger: Logger, also?: (shutdown: (why: string) => void) => void): void {
  let draining = false;
  const shutdown = (why: string) => {
    if (draining) return;
    draining = true;
    logger.info({ signal: why }, 'draining: no new connections; finishing open transactions and deliveries');
    running.stop().then(
      () => {
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
}

export function readyLines(config: Config, ports: RunningSekisho['ports'], storeKind: 'sqlite' | 'postgres', demo: DemoCredentials | null, processes: number): string {
  const host = config.listenHost;
  const lines = [
    `Sekisho is running (${storeKind === 'postgres' ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}${processes > 1 ? `, ${processes} processes` : ''})`,
    `  submission (STARTTLS + AUTH)  smtp://${host}:${ports.submission}`,
    `  inbound (MX)                  smtp://${host}:${ports.inbound}`,
    `  console, API, health          http://${host}:${ports.http}/  (health: /healthz, metrics: /metrics)`,
    `  outbound delivery             ${config.relay ? `via smart host ${redactUrl(config.relay)}` : 'by MX lookup'}`,
  ];
  if (demo) {
    lines.push('', `Demo tenant "${demo.tenant}" created (domain ${demo.domain}). These passwords are shown only once:`);
    for (const a of demo.accounts) lines.push(`  ${a.role.padEnd(6)} ${a.email}  password: ${a.password}`);
  }
  return lines.join('\n') + '\n';
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
