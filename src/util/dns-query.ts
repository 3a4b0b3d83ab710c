// One DNS question to recursive servers, answered in the shapes node:dns's resolve() gives and with
// the time the answer may be kept: node:dns (c-ares) tells no TTL for TXT or MX records, and a cache
// that honours TTLs needs them. UDP with EDNS0 (1232-byte answers), TCP when the answer is
// truncated, each try on the next server; failures carry node:dns's error codes (ENOTFOUND,
// ENODATA, ESERVFAIL, ETIMEOUT, …), which mailauth reads. Negative answers may be kept for the
// SOA's minimum capped by the SOA's own TTL (RFC 2308 section 5), or `negativeTtl` without an SOA.
import dgram from 'node:dgram';
import { getServers } from 'node:dns';
import { isIPv6 } from 'node:net';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { dnsNameProblem, MAX_DOMAIN_OCTETS } from './dns-name.ts';

/** a resource record as dns-packet decodes it (its own types leave the common fields out of OPT) */
interface DecodedRecord {
  type: string;
  name: string;
  ttl?: number;
  class?: string;
  data?: unknown;
}

/** the record types answered here; any other goes to node:dns (see dns-cache.ts) */
export const QUERY_TYPES = ['A', 'AAAA', 'TXT', 'MX', 'PTR', 'CNAME', 'NS'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** what node:dns's resolve(name, type) returns for that type */
export type DnsValue = string[] | string[][] | { exchange: string; priority: number }[];

export interface DnsAnswer {
  value: DnsValue;
  /** seconds the answer may be cached: the smallest TTL of the records it is made of */
  ttl: number;
}

export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface QueryOptions {
  /** per-try timeout in ms */
  timeoutMs: number;
  /** rounds over the servers, each asked in turn */
  tries: number;
  /** kept-for seconds of a negative answer that carries no SOA */
  negativeTtl: number;
}

/**
 * An error as node:dns makes it: code, syscall "queryTxt", hostname; `ttl` set on cacheable negative
 * answers. It carries no stack trace: it reports an answer, not a fault in the code, and about two
 * "no such name" answers per inbound message (DMARC's tree walk) are thrown from the DNS cache,
 * where capturing the stack was most of what a cached negative answer cost.
 */
export class DnsQueryError extends Error {
  readonly errno = undefined;
  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly hostname: string,
    readonly ttl?: number,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`${syscall} ${code} ${hostname}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

const EDNS_PAYLOAD = 1232; // the DNS flag day 2020 size: no IP fragmentation
const RCODE_ERRORS: Record<string, string> = {
  SERVFAIL: 'ESERVFAIL',
  REFUSED: 'EREFUSED',
  FORMERR: 'EFORMERR',
  NOTIMP: 'ENOTIMP',
};

/** Parses 'ip', 'ip:port', '[v6]:port' and bare IPv6 ('::1'), as node:dns's setServers takes them. */
export function parseServer(text: string): DnsServerAddress {
  const s = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (isIPv6(s)) return { host: s, port: 53 };
  const [host, port] = s.split(':');
  return { host: host!, port: Number(port ?? 53) };
}

/** The configured servers, or the system's (from /etc/resolv.conf, as node:dns reads it). */
export function serversOrSystem(servers: string[]): DnsServerAddress[] {
  const list = servers.map((s) => s.trim()).filter(Boolean);
  return (list.length > 0 ? list : getServers()).map(parseServer);
}

export async function queryDns(name: string, type: QueryType, servers: DnsServerAddress[], options: QueryOptions): Promise<DnsAnswer> {
  const syscall = `query${type[0]}${type.slice(1).toLowerCase()}`;
  // a name that cannot exist has no records: no packet is sent, and nothing is kept (no TTL)
  if (!canBeQueried(name)) throw new DnsQueryError('ENOTFOUND', syscall, name.slice(0, MAX_DOMAIN_OCTETS + 1));
  let last: DnsQueryError = new DnsQueryError('ECONNREFUSED', syscall, name);
  // like c-ares: `tries` rounds over all the servers
  for (let attempt = 0; attempt < Math.max(1, options.tries) * servers.length; attempt++) {
    const server = servers[attempt % servers.length];
    if (!server) break;
    try {
      let response = await exchangeUdp(server, name, type, options.timeoutMs);
      if ((response.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) response = await exchangeTcp(server, name, type, options.timeoutMs);
      return toAnswer(response, name, type, syscall, options.negativeTtl);
    } catch (err) {
      if (!(err instanceof DnsQueryError)) throw err;
      // NXDOMAIN and NODATA are answers, not failures: no other server is asked
      if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') throw err;
      last = new DnsQueryError(err.code, syscall, name);
    }
  }
  throw last;
}

/**
 * Whether `name` can be asked at all: ASCII (an IDN travels as A-labels) and within DNS's limits.
 * A DMARC or DKIM name built from a hostile From or d= can be tens of kilobytes long.
 */
function canBeQueried(name: string): boolean {
  // the length first: dnsNameProblem returns before reading a name over 253 octets
  return dnsNameProblem(name) === null && !/[^\x00-\x7f]/.test(name);
}

function question(name: string, type: QueryType): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: randomInt(0, 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, flags: 0 }],
  } as dnsPacket.Packet);
}

/** the response answers our question: same id, same name and type (case-insensitively) */
function matches(response: DecodedPacket, query: Buffer, name: string, type: QueryType): boolean {
  const q = response.questions?.[0];
  return (
    response.type === 'response' &&
    response.id === query.readUInt16BE(0) &&
    !!q &&
    q.type === type &&
    q.name.toLowerCase().replace(/\.$/, '') === name.toLowerCase().replace(/\.$/, '')
  );
}

function decode(buf: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(buf);
  } catch {
    return null;
  }
}

function exchangeUdp(server: DnsServerAddress, name: string, type: QueryType, timeoutMs: number): Promise<DecodedPacket> {
  const query = question(name, type);
  return new Promise((resolve, reject) => {
    // a socket per question: a random source port, and nothing left over from an earlier answer
    const socket = dgram.createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    const done = (err: Error | null, response?: DecodedPacket) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(response!);
    };
    const timer = setTimeout(() => done(new DnsQueryError('ETIMEOUT', '', name)), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => done(new DnsQueryError(err.code ?? 'ECONNREFUSED', '', name)));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      const response = decode(msg);
      if (response && matches(response, query, name, type)) done(null, response);
    });
    socket.send(query, server.port, server.host);
  });
}

function exchangeTcp(server: DnsServerAddress, name: string, type: QueryType, timeoutMs: number): Promise<DecodedPacket> {
  const query = question(name, type);
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, server.host);
    let pending = Buffer.alloc(0);
    const done = (err: Error | null, response?: DecodedPacket) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(response!);
    };
    const timer = setTimeout(() => done(new DnsQueryError('ETIMEOUT', '', name)), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => done(new DnsQueryError(err.code ?? 'ECONNREFUSED', '', name)));
    socket.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 2 || pending.length < 2 + pending.readUInt16BE(0)) return;
      const response = decode(pending.subarray(2, 2 + pending.readUInt16BE(0)));
      if (response && matches(response, query, name, type)) done(null, response);
      else done(new DnsQueryError('EBADRESP', '', name));
    });
  });
}

function toAnswer(response: DecodedPacket, name: string, type: QueryType, syscall: string, negativeTtl: number): DnsAnswer {
  const rcode = (response as { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode === 'NXDOMAIN') throw new DnsQueryError('ENOTFOUND', syscall, name, negativeTtlOf(response, negativeTtl));
  if (rcode !== 'NOERROR') throw new DnsQueryError(RCODE_ERRORS[rcode] ?? 'EBADRESP', syscall, name);
  // a CNAME chain comes with its target's records: those of the type asked for are the answer,
  // and every record of the chain bounds how long it may be kept
  const answers = ((response.answers ?? []) as DecodedRecord[]).filter((a) => a.class === 'IN' || a.class === undefined);
  const records = answers.filter((a) => a.type === type);
  if (records.length === 0) throw new DnsQueryError('ENODATA', syscall, name, negativeTtlOf(response, negativeTtl));
  const chain = answers.filter((a) => a.type === type || a.type === 'CNAME');
  return { value: recordValue(records, type), ttl: Math.min(...chain.map((a) => a.ttl ?? 0)) };
}

/** RFC 2308 section 5: min(SOA TTL, SOA minimum) from the authority section, else the default */
function negativeTtlOf(response: DecodedPacket, fallback: number): number {
  const soa = ((response.authorities ?? []) as DecodedRecord[]).find((a) => a.type === 'SOA');
  return soa ? Math.min(soa.ttl ?? 0, (soa.data as { minimum: number }).minimum) : fallback;
}

function recordValue(records: DecodedRecord[], type: QueryType): DnsValue {
  switch (type) {
    case 'TXT':
      // as node:dns gives them: one array of character-strings per record, bytes read as latin1
      return records.map((r) => ([] as Array<Buffer | string>).concat(r.data as Buffer[]).map((b) => Buffer.from(b).toString('latin1')));
    case 'MX':
      return records.map((r) => {
        const d = r.data as { exchange: string; preference: number };
        return { exchange: d.exchange, priority: d.preference };
      });
    default:
      return records.map((r) => String(r.data));
  }
}
