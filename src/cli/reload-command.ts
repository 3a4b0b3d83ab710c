// `sekisho reload`: asks the running gateway (the pid in <dataDir>/sekisho.pid, found through the
// same configuration as `start`) to reload, as SIGHUP does, waits for its outcome in
// <dataDir>/sekisho.reload and prints that line: exit 0 when it reloaded, 1 when it refused (a bad
// configuration or TLS pair: the running one stays) or did not answer in time. A configuration
// that does not even load here is refused without signalling.
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { CliError } from './cli-error.ts';
import { pidFileOf, readPid, readReloadOutcome, type ReloadOutcome } from './gateway-files.ts';

export async function reloadCommand(opts: { wait: string }): Promise<void> {
  const waitSeconds = Number(opts.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new CliError(`--wait must be a number of seconds, not "${opts.wait}"`);
  const { dataDir } = configOrRefuse();
  const pid = readPid(dataDir);
  if (pid === null)
    throw new CliError(`no running gateway: ${pidFileOf(dataDir)} does not exist (is \`sekisho start\` running with this configuration?)`);
  const before = readReloadOutcome(dataDir)?.at ?? 0;
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ESRCH'
        ? `no running gateway: process ${pid} in ${pidFileOf(dataDir)} does not exist`
        : `cannot signal process ${pid}: ${code}`,
    );
  }
  const outcome = await waitForOutcome(dataDir, before, waitSeconds * 1000);
  if (!outcome) throw new CliError(`sent SIGHUP to process ${pid}; no outcome within ${waitSeconds} s: its log will have it`);
  if (!outcome.ok) throw new CliError(outcome.line);
  process.stdout.write(`${outcome.line}\n`);
}

/** a configuration that does not load here would be refused there too: it is not sent */
function configOrRefuse(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`reload refused, the running configuration stays (not signalled): ${err.message}`);
    throw err;
  }
}

async function waitForOutcome(dataDir: string, after: number, ms: number): Promise<ReloadOutcome | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const outcome = readReloadOutcome(dataDir);
    if (outcome && outcome.at > after) return outcome;
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}
