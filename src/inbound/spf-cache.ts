// SPF (mailauth's check_host) with results kept per client address and sender domain while every
// DNS answer the evaluation read is still in the resolver's cache (dns-cache.ts): evaluating again
// would give the same. Kept only when nothing else could change it: no record read holds a macro
// (%{s}, %{l}, %{h}… read the local part, HELO or clock), not temperror, and the result re-worded
// for another sender of the domain reads as mailauth's own (checked when it is stored).
import { createRequire } from 'node:module';
import { BoundedMap } from '../util/bounded-map.ts';
import type { CachingResolver } from './dns-cache.ts';

const require = createRequire(import.meta.url);
const { spf } = require('mailauth/lib/spf/index.js') as { spf: (opts: SpfQuery) => Promise<SpfResponse> };
const { formatAuthHeaderRow } = require('mailauth/lib/tools.js') as {
  formatAuthHeaderRow: (method: string, status: SpfStatus) => string;
};

export interface SpfQuery {
  /** envelope MAIL FROM ('' or undefined for the null sender: the HELO identity is checked) */
  sender: string | undefined;
  ip: string;
  /** as it goes into the result ("[192.0.2.1]" for an address literal) */
  helo: string;
  /** our host name, in the result's comment */
  mta: string;
  resolver: (name: string, rrtype: string) => Promise<unknown>;
}

interface SpfStatus {
  result: string;
  comment?: string | false;
  smtp?: { mailfrom?: string; helo?: string };
}

/** The parts of mailauth's SPF response that auth.ts reads. */
export interface SpfResponse {
  domain?: string;
  status?: SpfStatus;
  info?: string;
}

export type SpfCheck = (q: SpfQuery) => Promise<SpfResponse>;

/** mailauth's evaluation, nothing kept. */
export const evaluateSpf: SpfCheck = (q) => spf(q);

interface Kept {
  result: string;
  domain: string;
  /** the comment around the sender it named (the comment of "none" names none: one part) */
  comment: string[];
  expiresAt: number;
}

export interface SpfCacheStats {
  checks: number;
  hits: number;
  entries: number;
}

const KEPT_RESULTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror']);

/** An SpfCheck that keeps results (at most `maxEntries`, least recently used go first). */
export function createSpfCache(dns: CachingResolver, options: { maxEntries?: number; now?: () => number } = {}) {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const kept = new BoundedMap<string, Kept>(maxEntries);
  const stats = { checks: 0, hits: 0 };

  const check: SpfCheck = async (q) => {
    stats.checks++;
    const sender = senderOf(q);
    if (!sender) return spf(q);
    const key = `${q.mta}\n${q.ip}\n${sender.domain}`;
    const hit = kept.use(key);
    if (hit && hit.expiresAt > now()) {
      stats.hits++;
      return rendered(hit, sender.address, q.helo);
    }
    const read: Array<[string, string]> = [];
    let macro = false;
    const resolver = async (name: string, rrtype: string) => {
      read.push([name, rrtype]);
      const answer = await q.resolver(name, rrtype);
      if (String(rrtype).toUpperCase() === 'TXT' && JSON.stringify(answer).includes('%')) macro = true;
      return answer;
    };
    const response = await spf({ ...q, resolver });
    const entry = macro ? null : keepable(response, sender, q.helo, read, dns);
    if (entry) kept.set(key, entry);
    return response;
  };
  return { check, stats: (): SpfCacheStats => ({ ...stats, entries: kept.size }) };
}

/**
 * The sender mailauth evaluates and names (the null sender: postmaster@HELO) and its domain;
 * null for a domain mailauth would first convert to A-labels (not kept).
 */
function senderOf(q: SpfQuery): { address: string; domain: string } | null {
  let address = q.sender || `postmaster@${q.helo}`;
  const at = address.lastIndexOf('@');
  if (at < 0) address = `postmaster@${address}`;
  else if (at === 0) address = `postmaster${address}`;
  const domain =
    address
      .slice(address.lastIndexOf('@') + 1)
      .toLowerCase()
      .trim() || '-';
  return /[^\x00-\x7F]/.test(domain) ? null : { address, domain };
}

/** What to keep of a fresh evaluation, or null when it must be evaluated again next time. */
function keepable(
  response: SpfResponse,
  sender: { address: string; domain: string },
  helo: string,
  read: Array<[string, string]>,
  dns: CachingResolver,
): Kept | null {
  const result = response.status?.result ?? '';
  if (!KEPT_RESULTS.has(result) || response.domain !== sender.domain || read.length === 0) return null;
  let expiresAt = Infinity;
  for (const [name, type] of read) {
    const at = dns.expiresAt(name, type);
    if (at === undefined) return null; // a failed or uncached look-up: evaluate again
    expiresAt = Math.min(expiresAt, at);
  }
  const text = typeof response.status?.comment === 'string' ? response.status.comment : '';
  const comment = result === 'none' ? [text] : text.split(sender.address);
  if (result !== 'none' && comment.length !== 2) return null;
  const entry: Kept = { result, domain: sender.domain, comment, expiresAt };
  // rendered as mailauth renders it, or not kept (a mailauth whose wording changed keeps nothing)
  return rendered(entry, sender.address, helo).info === response.info ? entry : null;
}

function rendered(kept: Kept, sender: string, helo: string): SpfResponse {
  const status: SpfStatus = { result: kept.result, comment: kept.comment.join(sender), smtp: { mailfrom: sender, helo } };
  return { domain: kept.domain, status, info: formatAuthHeaderRow('spf', status) };
}
