// HAProxy's PROXY protocol, versions 1 (a text line) and 2 (binary), as a load balancer in front of
// the SMTP listeners sends it first on each connection, so that throttles, SPF, trusted networks,
// Received headers and the audit trail see the real client and not the balancer. Parsing only:
// the listener (src/patches/smtp-server.ts) expects a header from `trustedProxies` alone, closes the
// connection when it is missing or malformed, and closes it when anyone else sends one.
import { isIP } from 'node:net';

/** The source of a proxied connection; null for a LOCAL / UNKNOWN header (the balancer's own health check). */
export type ProxySource = { address: string; port: number } | null;

export type ProxyParse =
  | { state: 'more' }
  | { state: 'done'; source: ProxySource; consumed: number; version: 1 | 2 }
  | { state: 'bad'; reason: string };

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** a v1 line is at most 107 bytes with its CRLF (the specification's limit) */
const V1_MAX = 107;
/** v2 addresses beyond TCP/UDP over IPv4/IPv6 (unix sockets, TLVs) stay under this */
const V2_MAX = 16 + 1024;

/** Reads a PROXY header at the start of `buf` (all bytes received so far). */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length > 0 && buf[0] === V2_SIGNATURE[0]) {
    const sig = buf.subarray(0, V2_SIGNATURE.length);
    if (!sig.equals(V2_SIGNATURE.subarray(0, sig.length))) return { state: 'bad', reason: 'no PROXY header' };
    return buf.length < 16 ? { state: 'more' } : parseV2(buf);
  }
  const prefix = buf.subarray(0, 6).toString('latin1');
  if (!'PROXY '.startsWith(prefix)) return { state: 'bad', reason: 'no PROXY header' };
  const end = buf.indexOf('\r\n');
  if (end === -1) return buf.length >= V1_MAX ? { state: 'bad', reason: 'PROXY v1 line too long' } : { state: 'more' };
  if (end + 2 > V1_MAX) return { state: 'bad', reason: 'PROXY v1 line too long' };
  return parseV1(buf.subarray(0, end).toString('latin1'), end + 2);
}

function parseV1(line: string, consumed: number): ProxyParse {
  const [, proto, src, dst, sport, dport, ...rest] = line.split(' ');
  if (proto === 'UNKNOWN') return { state: 'done', source: null, consumed, version: 1 };
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (!family || rest.length > 0 || !src || !dst || !validPort(sport) || !validPort(dport)) {
    return { state: 'bad', reason: 'malformed PROXY v1 line' };
  }
  if (isIP(src) !== family || isIP(dst) !== family) return { state: 'bad', reason: 'PROXY v1 address is not an IP address of its family' };
  return { state: 'done', source: { address: src.toLowerCase(), port: Number(sport) }, consumed, version: 1 };
}

function validPort(p: string | undefined): boolean {
  return p !== undefined && /^(0|[1-9]\d{0,4})$/.test(p) && Number(p) <= 65535;
}

function parseV2(buf: Buffer): ProxyParse {
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return { state: 'bad', reason: 'PROXY v2 header of an unknown version' };
  const length = buf.readUInt16BE(14);
  if (16 + length > V2_MAX) return { state: 'bad', reason: 'PROXY v2 header too long' };
  if (buf.length < 16 + length) return { state: 'more' };
  const consumed = 16 + length;
  const command = verCmd & 0x0f;
  if (command === 0x0) return { state: 'done', source: null, consumed, version: 2 }; // LOCAL
  if (command !== 0x1) return { state: 'bad', reason: 'PROXY v2 header with an unknown command' };
  const family = buf[13]! >> 4;
  const body = buf.subarray(16, consumed);
  if (family === 0x1 && body.length >= 12) {
    const address = [...body.subarray(0, 4)].join('.');
    return { state: 'done', source: { address, port: body.readUInt16BE(8) }, consumed, version: 2 };
  }
  if (family === 0x2 && body.length >= 36) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    return { state: 'done', source: { address: compactIPv6(groups), port: body.readUInt16BE(32) }, consumed, version: 2 };
  }
  // AF_UNSPEC or AF_UNIX: nothing the gateway can use as a client address
  if (family === 0x0 || family === 0x3) return { state: 'done', source: null, consumed, version: 2 };
  return { state: 'bad', reason: 'PROXY v2 header with a short or unknown address block' };
}

/** ::ffff:1.2.3.4 as the IPv4 address it is; otherwise the usual compact IPv6 text */
function compactIPv6(groups: string[]): string {
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [a, b] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  // the URL parser writes IPv6 in its canonical compressed form (RFC 5952)
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
