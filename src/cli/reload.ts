// Reloading a running gateway on SIGHUP (sent by `sekisho reload`, `systemctl reload` or a
// certbot deploy hook): the configuration is loaded and validated again, and the TLS pair it
// names checked, before anything changes. A bad one is refused with one line and the running
// configuration stays. What applies depends on the gateway (a ReloadTarget): one process changes
// the TLS pair and log level in place; several are replaced one by one (start-processes.ts).
// Restart-only settings keep their running value and the line names them. The outcome also goes
// to <dataDir>/sekisho.reload for `sekisho reload` to print.
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { planReload } from '../config/reload-plan.ts';
import { loadCheckedTls, tlsFilesOf } from '../smtp/tls.ts';
import { writeReloadOutcome } from './gateway-files.ts';

export interface ReloadTarget {
  /** which changed settings this gateway can apply without a restart */
  applicable(key: keyof Config): boolean;
  /** runs `config` from now on; throws when it could not */
  apply(config: Config): Promise<void>;
}

export class Reloader {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private current: Config,
    private readonly logger: Logger,
    private readonly target: ReloadTarget,
  ) {}

  /** one reload at a time; a SIGHUP during one runs another after it, with the file as it is then */
  reload(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.once().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.reload();
      }
    });
  }

  private async once(): Promise<void> {
    let fresh: Config;
    try {
      fresh = loadConfig();
    } catch (err) {
      return this.refuse((err as Error).message);
    }
    const plan = planReload(this.current, fresh, (key) => this.target.applicable(key));
    try {
      await loadCheckedTls(tlsFilesOf(plan.config));
    } catch (err) {
      return this.refuse(`TLS certificate and key: ${firstLine(err)}`);
    }
    try {
      await this.target.apply(plan.config);
    } catch (err) {
      return this.refuse(firstLine(err));
    }
    this.current = plan.config;
    this.logger.level = plan.config.logLevel;
    const changed = plan.applied.length ? `; changed: ${plan.applied.join(', ')}` : '';
    const restart = plan.needsRestart.length ? `; needs a restart: ${plan.needsRestart.join(', ')}` : '';
    const line = `reload: configuration and TLS certificate and key reloaded${changed}${restart}`;
    this.logger[restart ? 'warn' : 'info']({ applied: plan.applied, needsRestart: plan.needsRestart }, line);
    writeReloadOutcome(this.current.dataDir, { ok: true, line });
  }

  private refuse(why: string): void {
    const line = `reload refused, the running configuration stays: ${why}`;
    this.logger.error(line);
    writeReloadOutcome(this.current.dataDir, { ok: false, line });
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
