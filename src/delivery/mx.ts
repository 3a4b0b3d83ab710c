// Where to deliver mail for a domain (RFC 5321 section 5.1): its MX hosts in preference order
// (shuffled among equal preferences), else the domain itself (implicit MX). Each target comes
// with its addresses, resolved through the same resolver, so SEKISHO_DNS_SERVERS is honoured
// end to end. Failures are typed: permanent (NXDOMAIN, null MX, no address) vs temporary
// (SERVFAIL, timeout), each with an SMTP reply code and an RFC 3463 enhanced status code.
import { Resolver } from 'node:dns/promises';

export interface DeliveryTarget {
  /** the MX host name (or the domain itself for an implicit MX) */
  host: string;
  /** its IPv4 addresses, then its IPv6 addresses, as the resolver returned them */
  addresses: string[];
  port: number;
  preference: number;
  /** true when the domain has no MX and its own A/AAAA records are used */
  implicit: boolean;
}

/** The subset of node:dns/promises Resolver this module uses (a real Resolver fits). */
export interface DnsLookup {
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface ResolveTargetsOptions {
  /** the port to deliver to on each MX host: 25 on the internet; tests use a sink's port */
  mxPort?: number;
  /** randomness for shuffling equal preferences; tests pass a fixed function */
  random?: () => number;
}

/** A routing failure in the shape the queue records: SMTP code, enhanced code, temporary flag. */
export class DeliveryRoutingError extends Error {
  constructor(
    readonly code: number,
    readonly enhanced: string,
    readonly temporary: boolean,
    text: string,
  ) {
    super(text);
    this.name = 'DeliveryRoutingError';
  }
  /** the reply as it goes into a DSN's Diagnostic-Code and the audit trail */
  get response(): string {
    return `${this.code} ${this.enhanced} ${this.message}`;
  }
}

export async function resolveDeliveryTargets(
  domain: string,
  resolver: DnsLookup,
  options: ResolveTargetsOptions = {},
): Promise<DeliveryTarget[]> {
  const port = options.mxPort ?? 25;
  const random = options.random ?? Math.random;
  const name = domain.toLowerCase().replace(/\.$/, '');
  const mx = await lookupMx(name, resolver);
  if (mx === null) return [await implicitTarget(name, resolver, port)];
  const real = mx.filter((r) => !isNullExchange(r.exchange));
  if (real.length === 0) {
    // RFC 7505: a null MX says the domain accepts no mail at all.
    throw new DeliveryRoutingError(556, '5.1.10', false, `${name} does not accept mail (null MX)`);
  }
  const ordered = orderByPreference(real, random);
  const targets: DeliveryTarget[] = [];
  // one MX host that fails temporarily makes the whole result temporary: it may come back.
  let temporaryFailure: unknown = null;
  let permanentFailure: unknown = null;
  for (const r of ordered) {
    const host = r.exchange.toLowerCase().replace(/\.$/, '');
    try {
      const addresses = await hostAddresses(host, resolver);
      if (addresses.length > 0) targets.push({ host, addresses, port, preference: r.priority, implicit: false });
    } catch (err) {
      if (dnsCode(err) === 'ENOTFOUND') permanentFailure = err;
      else temporaryFailure = err;
    }
  }
  if (targets.length > 0) return targets;
  if (temporaryFailure) throw toRoutingError(temporaryFailure, `looking up the MX hosts of ${name}`);
  if (permanentFailure) throw new DeliveryRoutingError(550, '5.4.4', false, `the MX hosts of ${name} do not exist`);
  throw new DeliveryRoutingError(550, '5.4.4', false, `none of the MX hosts of ${name} has an address`);
}

/** The MX records, or null when the domain exists but has none (fall back to implicit MX). */
async function lookupMx(name: string, resolver: DnsLookup): Promise<{ exchange: string; priority: number }[] | null> {
  try {
    const records = await resolver.resolveMx(name);
    return records.length > 0 ? records : null;
  } catch (err) {
    if (dnsCode(err) === 'ENODATA') return null;
    throw toRoutingError(err, `looking up MX of ${name}`);
  }
}

async function implicitTarget(name: string, resolver: DnsLookup, port: number): Promise<DeliveryTarget> {
  let addresses: string[];
  try {
    addresses = await hostAddresses(name, resolver);
  } catch (err) {
    throw toRoutingError(err, `looking up the address of ${name} (no MX)`);
  }
  if (addresses.length === 0) throw new DeliveryRoutingError(550, '5.4.4', false, `${name} has neither MX nor address records`);
  return { host: name, addresses, port, preference: 0, implicit: true };
}

/**
 * A host's IPv4 then IPv6 addresses. NODATA for one family is normal; NXDOMAIN yields none;
 * a temporary failure of both families is thrown so the caller can defer.
 */
async function hostAddresses(host: string, resolver: DnsLookup): Promise<string[]> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (addresses.length > 0) return addresses;
  const temporary = [v4, v6].find((r) => r.status === 'rejected' && !isNoSuchData(r.reason));
  if (temporary && temporary.status === 'rejected') throw temporary.reason;
  const nx = [v4, v6].some((r) => r.status === 'rejected' && dnsCode(r.reason) === 'ENOTFOUND');
  if (nx) throw Object.assign(new Error(`${host}: no such domain`), { code: 'ENOTFOUND' });
  return [];
}

/** Sorted by preference, shuffled (Fisher–Yates) within each preference for load spreading. */
export function orderByPreference<T extends { priority: number }>(records: T[], random: () => number = Math.random): T[] {
  const groups = new Map<number, T[]>();
  for (const r of records) groups.set(r.priority, [...(groups.get(r.priority) ?? []), r]);
  const out: T[] = [];
  for (const pref of [...groups.keys()].sort((a, b) => a - b)) {
    const group = [...groups.get(pref)!];
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j]!, group[i]!];
    }
    out.push(...group);
  }
  return out;
}

function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

function dnsCode(err: unknown): string {
  return (err as { code?: string } | null)?.code ?? '';
}

function isNoSuchData(err: unknown): boolean {
  const code = dnsCode(err);
  return code === 'ENODATA' || code === 'ENOTFOUND';
}

/** NXDOMAIN is permanent (5.1.2); every other resolver failure is temporary (4.4.3). */
function toRoutingError(err: unknown, what: string): DeliveryRoutingError {
  if (err instanceof DeliveryRoutingError) return err;
  const code = dnsCode(err);
  if (code === 'ENOTFOUND') return new DeliveryRoutingError(550, '5.1.2', false, `${what}: domain not found (NXDOMAIN)`);
  const reason = code || (err as Error)?.message || String(err);
  return new DeliveryRoutingError(451, '4.4.3', true, `${what}: DNS temporarily failed (${reason})`);
}

export interface ResolverOptions {
  /** per-try timeout in ms (node's default is 5 s, too long for a queue worker) */
  timeoutMs?: number;
  tries?: number;
}

/**
 * A node:dns Resolver pointed at the given servers ('ip', 'ip:port', '[v6]:port'), or at the
 * system's servers when the list is empty. The same object serves MX routing and mailauth.
 */
export function createResolver(servers: string[], options: ResolverOptions = {}): Resolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: options.tries ?? 2 });
  const list = servers.map((s) => s.trim()).filter(Boolean);
  if (list.length > 0) resolver.setServers(list);
  return resolver;
}

/** Parses SEKISHO_DNS_SERVERS ("127.0.0.1:5353,[::1]:53"); empty or unset → system resolver. */
export function parseDnsServers(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The resolver function mailauth takes (`resolver` option of authenticate/dkimVerify/spf):
 * resolve(name, rrtype) through our Resolver, so its look-ups use the configured servers too.
 */
// biome-ignore lint/suspicious/noExplicitAny: mailauth's resolver type differs per function (records of each rrtype)
export function mailauthResolver(resolver: Resolver): (name: string, rrtype: string) => Promise<any> {
  return (name, rrtype) => resolver.resolve(name, rrtype as 'TXT');
}
