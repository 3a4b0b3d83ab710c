// `sekisho tenant add NAME --domain D [--domain D…] [--inbound-route smtp://host:port]`
import { CliError } from './cli-error.ts';
import { withStore } from './context.ts';
import { DOMAIN_RE } from '../util/address.ts';
import { routeProblem } from '../users/tenants.ts';

export async function tenantAddCommand(name: string, opts: { domain: string[]; inboundRoute?: string }): Promise<void> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name))
    throw new CliError(`tenant name "${name}": use letters, digits, '.', '_' or '-' (max 63)`);
  const domains = (opts.domain ?? []).map((d) => d.toLowerCase());
  if (domains.length === 0) throw new CliError('give at least one --domain');
  for (const d of domains) if (!DOMAIN_RE.test(d)) throw new CliError(`--domain "${d}" is not a domain name`);
  if (opts.inboundRoute) validateRoute(opts.inboundRoute);
  await withStore(async (store) => {
    if (await store.tenantByName(name)) throw new CliError(`tenant "${name}" exists already`);
    for (const d of domains) {
      const owner = await store.findDomain(d);
      if (owner) throw new CliError(`domain ${d} belongs to another tenant already`);
    }
    await store.createTenant({ name, domains, inboundRoute: opts.inboundRoute ?? null });
    process.stdout.write(`tenant ${name} added with ${domains.join(', ')}\n`);
  });
}

export function validateRoute(route: string): void {
  const problem = routeProblem(route);
  if (problem) throw new CliError(`--inbound-route: ${problem}`);
}
