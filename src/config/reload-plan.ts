// What a reload (SIGHUP, `sekisho reload`) may change in a running gateway. A freshly loaded,
// valid configuration is compared with the running one; settings that only a full restart can
// change keep their running value and are named, so the log says exactly what did not apply.
import type { Config } from './schema.ts';

/** bound or opened once per start: the listeners, the database, the data directory, the process count */
export const RESTART_ONLY = [
  'listenHost',
  'submissionPort',
  'inboundPort',
  'httpPort',
  'databaseUrl',
  'dataDir',
  'secretsKeyFile',
  'processes',
] as const satisfies ReadonlyArray<keyof Config>;

/** what one process (`processes: 1`) changes in place: the TLS pair and the log level */
export const IN_PLACE = ['tlsCert', 'tlsKey', 'logLevel'] as const satisfies ReadonlyArray<keyof Config>;

/** decides only the first start (the demo tenant): never reported as changed */
const START_ONLY: ReadonlyArray<keyof Config> = ['demoTenant'];

export interface ReloadPlan {
  /** the configuration to run: the fresh one, with the running value of every setting that could not change */
  config: Config;
  /** settings that differ and are applied */
  applied: string[];
  /** settings that differ but keep their running value until a restart */
  needsRestart: string[];
}

export function planReload(running: Config, fresh: Config, applicable: (key: keyof Config) => boolean): ReloadPlan {
  const config = { ...fresh, demoTenant: running.demoTenant } as Config;
  const applied: string[] = [];
  const needsRestart: string[] = [];
  const keys = new Set([...Object.keys(running), ...Object.keys(fresh)] as Array<keyof Config>);
  for (const key of keys) {
    if (START_ONLY.includes(key) || JSON.stringify(running[key]) === JSON.stringify(fresh[key])) continue;
    if (applicable(key)) applied.push(key);
    else {
      needsRestart.push(key);
      (config as Record<string, unknown>)[key] = running[key];
      if (running[key] === undefined) delete (config as Record<string, unknown>)[key];
    }
  }
  return { config, applied: applied.sort(), needsRestart: needsRestart.sort() };
}

/** with several processes every setting but the restart-only ones applies: each process is replaced */
export const replacedProcessesApply = (key: keyof Config): boolean => !(RESTART_ONLY as ReadonlyArray<string>).includes(key);
/** with one process only the TLS pair and the log level apply */
export const oneProcessApplies = (key: keyof Config): boolean => (IN_PLACE as ReadonlyArray<string>).includes(key);
