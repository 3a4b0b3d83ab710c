// `sekisho start`: every role in one process. Prints where each listener is (port 0 = a free
// port, printed here) and, on a first start, the demo accounts. SIGTERM/SIGINT drain and exit 0.
import { loadConfig } from '../config/load.ts';
import { createLogger } from '../util/logger.ts';
import { startSekisho } from '../main.ts';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const running = await startSekisho(config, logger);
  // Handlers go in before the ports are printed: whoever reads them may signal at once.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'draining: no new connections; finishing open transactions and deliveries');
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
  const { submission, inbound, http } = running.ports;
  const host = config.listenHost;
  const lines = [
    `Sekisho is running (${running.store.kind === 'postgres' ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`,
    `  submission (STARTTLS + AUTH)  smtp://${host}:${submission}`,
    `  inbound (MX)                  smtp://${host}:${inbound}`,
    `  console, API, health          http://${host}:${http}/  (health: /healthz, metrics: /metrics)`,
    `  outbound delivery             ${config.relay ? `via smart host ${redactUrl(config.relay)}` : 'by MX lookup'}`,
  ];
  if (running.demo) {
    lines.push('', `Demo tenant "${running.demo.tenant}" created (domain ${running.demo.domain}). These passwords are shown only once:`);
    for (const a of running.demo.accounts) lines.push(`  ${a.role.padEnd(6)} ${a.email}  password: ${a.password}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  logger.info({ ports: running.ports, node: config.nodeName }, 'ready');

}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
