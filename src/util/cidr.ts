// CIDR matching for SEKISHO_TRUSTED_NETWORKS (IPv4 and IPv6, IPv4-mapped IPv6 addresses too),
// using node:net's BlockList so the parsing rules are Node's own.
import { BlockList, isIP } from 'node:net';

export function parseNetworks(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const [addr, bits] = raw.trim().split('/');
    const family = isIP(addr ?? '');
    if (!family) throw new Error(`trusted network "${raw}": not an IP address or CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new Error(`trusted network "${raw}": bad prefix length`);
      }
      list.addSubnet(addr!, prefix, type);
    }
  }
  return list;
}

export function inNetworks(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return list.check(mapped[1]!, 'ipv4') || list.check(ip, 'ipv6');
  const family = isIP(ip);
  if (!family) return false;
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
