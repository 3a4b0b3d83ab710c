// Builds the external sandbox from the configuration (config key `sandbox`): the adapter of its
// kind and the hold timings, handed to createInboundModule by main.ts. No `sandbox` = none.
import type { Config } from '../../config/schema.ts';
import type { SandboxOptions } from './sandbox-api.ts';
import { CapeSandbox } from './cape.ts';
import { HttpSandbox } from './http.ts';

export function sandboxFromConfig(config: Pick<Config, 'sandbox'>): SandboxOptions | undefined {
  const c = config.sandbox;
  if (!c) return undefined;
  const remote = { url: c.url, ...(c.token ? { token: c.token } : {}) };
  return {
    sandbox: c.kind === 'cape' ? new CapeSandbox({ ...remote, maliciousAt: c.maliciousAt }) : new HttpSandbox(remote),
    submit: c.submit,
    waitMs: c.waitMs,
    repollMs: c.repollMs,
    giveUpMs: c.giveUpMs,
  };
}
