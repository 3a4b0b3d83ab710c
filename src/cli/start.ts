// `sekisho start`: every role in one process; with `processes` > 1 a primary that prepares the
// database once and runs that many identical processes sharing the ports (start-processes.ts).
// Prints where each listener is (port 0 = a free port, printed here) and, on a first start, the
// demo accounts. SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the TLS certificate.
import cluster from 'node:cluster';
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../util/logger.ts';
import { startSekisho } from '../main.ts';
import { processCount, startPrimary, startWorker } from './start-processes.ts';
import { drainOnSignals, readyLines, reloadOnHangup } from './start-shared.ts';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const processes = processCount(config.processes);
  if (processes > 1) return cluster.isPrimary ? startPrimary(config, logger, processes) : startWorker(config, logger);
  const running = await startSekisho(config, logger);
  // Handlers go in before the ports are printed: whoever reads them may signal at once.
  drainOnSignals(running, logger);
  reloadOnHangup(running, logger);
  process.stdout.write(readyLines(config, running.ports, running.store.kind, running.demo, 1));
  logger.info({ ports: running.ports, node: config.nodeName }, 'ready');
}
