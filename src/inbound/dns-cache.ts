// The resolver mailauth uses for SPF, DKIM, DMARC and ARC, with one answer cache per process:
// answers are kept for their TTL (at most an hour), "no such name" and "no such record" for the
// SOA's negative TTL (RFC 2308) or a minute without one, failures (SERVFAIL, timeouts) never.
// The cache is bounded (least recently used answers go first), and concurrent look-ups of the
// same name share one query. Every message otherwise asked again for the same sender's SPF, DKIM
// key and _dmarc record (5.76 queries per message in issue 23's mix).
import type { DnsResolve } from './auth.ts';
import { createResolver } from '../delivery/mx.ts';
import { BoundedMap } from '../util/bounded-map.ts';
import {
  DnsQueryError,
  QUERY_TYPES,
  queryDns,
  serversOrSystem,
  type DnsValue,
  type QueryOptions,
  type QueryType,
} from '../util/dns-query.ts';

export interface DnsCacheOptions {
  /** per-try timeout in ms */
  timeoutMs: number;
  /** rounds over the servers */
  tries: number;
  /** answers kept at most (default 10,000: about 5 MB with DKIM keys) */
  maxEntries?: number;
  /** longest time in seconds an answer is kept, whatever its TTL (default 3,600) */
  maxTtl?: number;
  /** seconds a negative answer without an SOA is kept (default 60) */
  negativeTtl?: number;
  /** the clock, in ms (tests) */
  now?: () => number;
}

export interface DnsCacheStats {
  /** look-ups asked of the resolver */
  lookups: number;
  /** of those, answered from the cache (or by joining a query under way) */
  hits: number;
  /** answers held now */
  entries: number;
}

export interface CachingResolver {
  resolve: DnsResolve;
  /** when the cached answer to this question stops being used (ms), or undefined if none is held */
  expiresAt(name: string, rrtype: string): number | undefined;
  stats(): DnsCacheStats;
}

interface Entry {
  expiresAt: number;
  value?: DnsValue;
  /** a negative answer: ENOTFOUND or ENODATA */
  negative?: { code: string; syscall: string };
}

const isQueryType = (t: string): t is QueryType => (QUERY_TYPES as readonly string[]).includes(t);

export function createCachingResolver(servers: string[], options: DnsCacheOptions): CachingResolver {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxTtl = options.maxTtl ?? 3600;
  const now = options.now ?? Date.now;
  const query: QueryOptions = { timeoutMs: options.timeoutMs, tries: options.tries, negativeTtl: options.negativeTtl ?? 60 };
  const addresses = serversOrSystem(servers);
  // other record types (none that mailauth asks for today) go to node:dns, uncached
  let other: ReturnType<typeof createResolver> | null = null;
  const entries = new BoundedMap<string, Entry>(maxEntries); // least recently used forgotten first
  const underWay = new Map<string, Promise<Entry>>();
  const stats = { lookups: 0, hits: 0 };

  const remember = (key: string, entry: Entry) => {
    if (entry.expiresAt > now()) entries.set(key, entry);
  };

  const fetchEntry = async (name: string, type: QueryType): Promise<Entry> => {
    try {
      const answer = await queryDns(name, type, addresses, query);
      return { expiresAt: now() + 1000 * Math.min(answer.ttl, maxTtl), value: answer.value };
    } catch (err) {
      if (err instanceof DnsQueryError && err.ttl !== undefined)
        return { expiresAt: now() + 1000 * Math.min(err.ttl, maxTtl), negative: { code: err.code, syscall: err.syscall } };
      throw err;
    }
  };

  const resolve: DnsResolve = async (name, rrtype) => {
    const type = typeOf(rrtype);
    if (!isQueryType(type)) {
      other ??= createResolver(servers, { timeoutMs: options.timeoutMs, tries: options.tries });
      return other.resolve(name, type as 'TXT');
    }
    stats.lookups++;
    const key = keyOf(name, type);
    let entry = entries.use(key);
    if (entry && entry.expiresAt > now()) stats.hits++;
    else {
      let pending = underWay.get(key);
      if (pending) stats.hits++;
      else {
        pending = fetchEntry(name, type).finally(() => underWay.delete(key));
        underWay.set(key, pending);
        pending.then((e) => remember(key, e)).catch(() => {});
      }
      entry = await pending;
    }
    if (entry.negative) throw new DnsQueryError(entry.negative.code, entry.negative.syscall, name);
    return copyOf(entry.value!);
  };

  const expiresAt = (name: string, rrtype: string) => {
    const at = entries.get(keyOf(name, typeOf(rrtype)))?.expiresAt;
    return at !== undefined && at > now() ? at : undefined;
  };
  return { resolve, expiresAt, stats: () => ({ ...stats, entries: entries.size }) };
}

/** mailauth asks with 'TXT', 'txt' or no type (A) */
const typeOf = (rrtype: string | undefined) => String(rrtype ?? 'A').toUpperCase();
const keyOf = (name: string, type: string) => `${type} ${name.toLowerCase().replace(/\.$/, '')}`;

/** callers get their own arrays: what one of them changes must not change the cached answer */
function copyOf(value: DnsValue): DnsValue {
  return value.map((v) => (Array.isArray(v) ? [...v] : typeof v === 'object' ? { ...v } : v)) as DnsValue;
}
