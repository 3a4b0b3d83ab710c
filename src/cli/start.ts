// `sekisho start`: every role in one process; with `processes` > 1 a primary that prepares the
// database once and runs that many identical processes sharing the ports (start-processes.ts).
// Prints where each listener is (port 0 = a free port, printed here) and, on a first start, the
// demo accounts. SIGTERM/SIGINT drain and exit 0; SIGHUP reloads (reload.ts). <dataDir>/sekisho.pid
// names the process to signal while it runs.
import cluster from 'node:cluster';
import { loadConfig } from '../config/load.ts';
import { oneProcessApplies } from '../config/reload-plan.ts';
import { createLogger } from '../util/logger.ts';
import { startSekisho } from '../main.ts';
import { processCount, startPrimary, startWorker } from './start-processes.ts';
import { afterFailedStart, drainOnSignals, notePendingStop, readyLines, stopBeforeListening } from './start-shared.ts';
import { Reloader } from './reload.ts';
import { removePidFile, writePidFile } from './gateway-files.ts';
import { warmUp } from './warm-up.ts';

export async function startCommand(): Promise<void> {
  // a process the primary started runs the configuration the primary validated and sends it
  if (cluster.isWorker) return startWorker();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const processes = processCount(config.processes);
  if (processes > 1) return startPrimary(config, logger, processes);
  const pending = notePendingStop();
  const warm = await warmUp(config, logger, pending);
  if (warm.stoppedBy) stopBeforeListening(logger, warm.stoppedBy);
  const running = await startSekisho(config, logger).catch(afterFailedStart);
  // Handlers go in before the ports are printed: whoever reads them may signal at once.
  drainOnSignals(running, logger, pending, undefined, () => removePidFile(config.dataDir));
  // one process cannot hand its sockets to a successor: the TLS pair and the log level change in place
  const reloader = new Reloader(config, logger, { applicable: oneProcessApplies, apply: (c) => running.reloadTls(c) });
  process.on('SIGHUP', () => reloader.reload());
  writePidFile(config.dataDir);
  process.stdout.write(readyLines(config, running.ports, running.store.kind, running.demo, 1));
  logger.info({ ports: running.ports, node: config.nodeName }, 'ready');
}
