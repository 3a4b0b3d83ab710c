// What `sekisho start` does the same with one process or several: the lines that say where each
// listener is (and the demo accounts, once), draining on SIGTERM/SIGINT, reloading TLS on SIGHUP.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { RunningSekisho } from '../main.ts';
import type { DemoCredentials } from '../demo-tenant.ts';

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

/** SIGHUP (`systemctl reload`): a renewed TLS certificate is used from the next connection on. */
export function reloadOnHangup(running: RunningSekisho, logger: Logger): void {
  process.on('SIGHUP', () => {
    running.reloadTls().then(
      () => logger.info('SIGHUP: TLS certificate and key reloaded'),
      (err) => logger.error({ err }, 'SIGHUP: TLS certificate and key not reloaded; the previous pair stays in use'),
    );
  });
}

export function readyLines(
  config: Config,
  ports: RunningSekisho['ports'],
  storeKind: 'sqlite' | 'postgres',
  demo: DemoCredentials | null,
  processes: number,
): string {
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
