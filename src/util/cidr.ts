// CIDR matching for trustedNetworks and metricsAllow (IPv4 and IPv6, IPv4-mapped IPv6 addresses too),
// using node:net's BlockList so the parsing rules are Node's own.
import { BlockList, isIP } from 'node:net';
import { BoundedMap } from './bounded-map.ts';

export function parseNetworks(cidrs: string[], setting = 'trusted network'): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const [addr, bits] = raw.trim().split('/');
    const family = isIP(addr ?? '');
    if (!family) throw new Error(`${setting} "${raw}": not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new Error(`${setting} "${raw}": bad prefix length`);
      }
      list.addSubnet(addr!, prefix, type);
    }
  }
  return list;
}

/**
 * Answers per list and address, remembered: BlockList.check builds a SocketAddress for every
 * call, and each connection asks several times (the gate, trust at MAIL FROM, the gate's release).
 * The lists never change once parsed (a reload parses new ones); bounded like the other caches
 * (past the bound the address answered longest ago is forgotten).
 */
const answers = new WeakMap<BlockList, BoundedMap<string, boolean>>();
const MAX_REMEMBERED = 10_000;

export function inNetworks(list: BlockList, ip: string): boolean {
  let known = answers.get(list);
  if (!known) {
    known = new BoundedMap(MAX_REMEMBERED);
    answers.set(list, known);
  }
  const hit = known.get(ip);
  if (hit !== undefined) return hit;
  const answer = checkNetworks(list, ip);
  known.set(ip, answer);
  return answer;
}

function checkNetworks(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1]!, 'ipv4') || list.check(ip, 'ipv6');
  const family = isIP(ip);
  if (!family) return false;
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The unit a throttle counts a client by: an IPv4 address (IPv4-mapped IPv6 too), or the /64 an
 * IPv6 address is in — one host usually holds a whole /64, and counting single IPv6 addresses
 * would give it 2^64 fresh budgets.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const bare = ip.split('%')[0]!.toLowerCase(); // fe80::1%eth0
  if (isIP(bare) !== 6) return ip;
  const [head = '', tail] = bare.split('::');
  const groups = (part: string) => (part ? part.split(':') : []).flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [g]));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function ipv4Groups(v4: string): string[] {
  const b = v4.split('.').map(Number);
  return [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)];
}
