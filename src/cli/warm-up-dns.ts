// The DNS server of the start's private warm-up gateway (warm-up.ts), on a loopback UDP port: it
// answers the SPF and DMARC look-ups of the synthetic inbound mail from a handful of fixed records
// (SPF pass for 127.0.0.1, a DMARC p=none) and NXDOMAIN for every other name, so the inbound path
// runs its authentication code without a single query leaving the machine.
import dgram from 'node:dgram';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';

export interface WarmUpDns {
  /** '127.0.0.1:PORT', as `dnsServers` takes it */
  address: string;
  close(): Promise<void>;
}

const NXDOMAIN = 3;

/** TXT records by name (lower case, no trailing dot). */
export function warmUpDnsRecords(senderDomain: string): Map<string, string> {
  return new Map([
    [senderDomain, 'v=spf1 ip4:127.0.0.1 -all'],
    [`_dmarc.${senderDomain}`, 'v=DMARC1; p=none'],
  ]);
}

export async function startWarmUpDns(txt: Map<string, string>): Promise<WarmUpDns> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    const reply = answer(message, txt);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  // exclusive: in a process of `processes` > 1, port 0 would otherwise be one port for every process
  await new Promise<void>((resolve) => socket.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function answer(message: Buffer, txt: Map<string, string>): Buffer | null {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return null;
  }
  const question = query.questions?.[0];
  const name = question?.name.toLowerCase().replace(/\.$/, '') ?? '';
  const value = question?.type === 'TXT' ? txt.get(name) : undefined;
  const answers: Answer[] = value ? [{ type: 'TXT', name: question!.name, ttl: 3600, data: [Buffer.from(value)] }] : [];
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (value || !question ? 0 : NXDOMAIN),
    questions: query.questions,
    answers,
  });
}
