// A real authoritative DNS server for tests, on 127.0.0.1 over UDP and TCP (same random port),
// built on dns-packet. It answers from a record list that tests can replace at any time,
// NXDOMAIN for names it does not know, follows CNAMEs inside its own data, splits long TXT
// values into 255-byte strings, and truncates (TC) over UDP so resolvers retry over TCP.
// Faults (SERVFAIL, REFUSED, no answer at all) can be injected per name to test error paths.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Question } from 'dns-packet';

export type DnsRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR'; value: string; ttl?: number }
  /** value is the exchange host; '.' or '' is the RFC 7505 null MX */
  | { name: string; type: 'MX'; value: string; preference?: number; ttl?: number }
  /** a long string is split into 255-byte character-strings; an array gives them explicitly */
  | { name: string; type: 'TXT'; value: string | string[]; ttl?: number }
  /** the zone's SOA: negative answers for names at or under it carry it (RFC 2308), minimum = negative TTL */
  | { name: string; type: 'SOA'; minimum: number; ttl?: number };

/** servfail/refused answer with that rcode; timeout never answers (the resolver times out) */
export type DnsFault = 'servfail' | 'refused' | 'timeout';

export interface DnsServer {
  port: number;
  /** '127.0.0.1:PORT', the form node:dns setServers and SEKISHO_DNS_SERVERS take */
  address: string;
  /** replace the whole record list */
  set(records: DnsRecord[]): void;
  /** add records to the list */
  add(records: DnsRecord[]): void;
  /** make every query for a name fail; null removes the fault */
  setFault(name: string, fault: DnsFault | null): void;
  /** every question received, oldest first (name lower-cased, without trailing dot) */
  queries: { name: string; type: string; transport: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const PLAIN_UDP_LIMIT = 512;

export async function startDnsServer(records: DnsRecord[] = []): Promise<DnsServer> {
  let zone: DnsRecord[] = [...records];
  const faults = new Map<string, DnsFault>();
  const queries: DnsServer['queries'] = [];

  const answerQuery = (query: DecodedPacket, transport: 'udp' | 'tcp'): Buffer | null => {
    const question = query.questions?.[0];
    if (!question) return encodeResponse(query, RCODE.REFUSED, []);
    const name = normalizeName(question.name);
    queries.push({ name, type: question.type, transport });
    const fault = faults.get(name);
    if (fault === 'timeout') return null;
    if (fault) return encodeResponse(query, fault === 'servfail' ? RCODE.SERVFAIL : RCODE.REFUSED, []);
    const { rcode, answers } = lookup(zone, question);
    const response = encodeResponse(query, rcode, answers, 0, answers.length === 0 ? soaFor(zone, name) : []);
    if (transport === 'udp' && response.length > udpLimit(query)) {
      return encodeResponse(query, rcode, [], dnsPacket.TRUNCATED_RESPONSE);
    }
    return response;
  };

  const handleDatagram = (udp: dgram.Socket) =>
    udp.on('message', (msg, rinfo) => {
      const query = safeDecode(msg);
      if (!query) return;
      const response = answerQuery(query, 'udp');
      if (response) udp.send(response, rinfo.port, rinfo.address);
    });

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const query = safeDecode(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
        if (!query) continue;
        const response = answerQuery(query, 'tcp');
        if (!response) continue;
        const framed = Buffer.alloc(2 + response.length);
        framed.writeUInt16BE(response.length, 0);
        response.copy(framed, 2);
        socket.write(framed);
      }
    });
  });

  const { port, udp } = await listenOnSamePort(tcp);
  // A test's DNS server never keeps its process alive: a test that stops the gateway but not
  // the server (or forgets to) must still let the test file end.
  tcp.unref();
  udp.unref();
  handleDatagram(udp);
  return {
    port,
    address: `127.0.0.1:${port}`,
    queries,
    set(next) {
      zone = [...next];
    },
    add(more) {
      zone.push(...more);
    },
    setFault(name, fault) {
      if (fault) faults.set(normalizeName(name), fault);
      else faults.delete(normalizeName(name));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => tcp.close(() => r())), new Promise<void>((r) => udp.close(() => r()))]);
    },
  };
}

/** Finds the answers for one question: exact type, else a CNAME chain, else NODATA/NXDOMAIN. */
function lookup(zone: DnsRecord[], question: Question): { rcode: number; answers: Answer[] } {
  const answers: Answer[] = [];
  let name = normalizeName(question.name);
  for (let hops = 0; hops < 8; hops++) {
    const atName = zone.filter((r) => normalizeName(r.name) === name);
    if (atName.length === 0) return { rcode: hops === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, answers };
    const exact = atName.filter((r) => r.type === question.type);
    if (exact.length > 0 || question.type === 'CNAME') {
      answers.push(...exact.map(toAnswer));
      return { rcode: RCODE.NOERROR, answers };
    }
    const cname = atName.find((r) => r.type === 'CNAME');
    if (!cname) return { rcode: RCODE.NOERROR, answers };
    answers.push(toAnswer(cname));
    name = normalizeName((cname as { value: string }).value);
  }
  return { rcode: RCODE.SERVFAIL, answers: [] };
}

/** The SOA of the zone a name is in, for the authority section of a negative answer. */
function soaFor(zone: DnsRecord[], name: string): Answer[] {
  const soa = zone.find((r) => r.type === 'SOA' && (name === normalizeName(r.name) || name.endsWith(`.${normalizeName(r.name)}`)));
  return soa ? [toAnswer(soa)] : [];
}

function toAnswer(record: DnsRecord): Answer {
  const base = { name: normalizeName(record.name), ttl: record.ttl ?? 60, class: 'IN' as const };
  switch (record.type) {
    case 'SOA':
      return {
        ...base,
        type: 'SOA',
        data: {
          mname: `ns.${base.name}`,
          rname: `hostmaster.${base.name}`,
          serial: 1,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: record.minimum,
        },
      };
    case 'MX':
      return { ...base, type: 'MX', data: { preference: record.preference ?? 10, exchange: normalizeName(record.value) } };
    case 'TXT':
      return { ...base, type: 'TXT', data: txtStrings(record.value) };
    default:
      return { ...base, type: record.type, data: record.value } as Answer;
  }
}

/** A TXT value as DNS character-strings: each at most 255 bytes (RFC 1035 3.3.14). */
export function txtStrings(value: string | string[]): Buffer[] {
  const parts = Array.isArray(value) ? value : [value];
  const out: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    if (bytes.length === 0) out.push(bytes);
    for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  }
  return out;
}

function encodeResponse(query: DecodedPacket, rcode: number, answers: Answer[], extraFlags = 0, authorities: Answer[] = []): Buffer {
  const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | extraFlags | rcode,
    questions: query.questions,
    answers,
    authorities,
  });
}

/** The UDP payload the client accepts: its EDNS0 size, else the plain 512 bytes. */
function udpLimit(query: DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(PLAIN_UDP_LIMIT, opt?.udpPayloadSize ?? PLAIN_UDP_LIMIT);
}

function safeDecode(buf: Buffer): DecodedPacket | null {
  try {
    return dnsPacket.decode(buf);
  } catch {
    return null;
  }
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Binds TCP to a free port, then UDP to the same number; retries if UDP's is taken. */
async function listenOnSamePort(tcp: net.Server): Promise<{ port: number; udp: dgram.Socket }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      udp.once('error', onError);
      udp.bind(port, '127.0.0.1', () => {
        udp.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return { port, udp };
    udp.close();
    await new Promise<void>((r) => tcp.close(() => r()));
  }
  throw new Error('dns-server: could not bind UDP and TCP to the same free port');
}
