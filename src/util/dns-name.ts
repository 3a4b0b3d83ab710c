// Can this string be a DNS host name at all? RFC 1035 allows 253 octets in presentation form
// and 63 per label; anything longer cannot be looked up, authenticated or registered, so it is a
// fact about the message (hostile or broken), never something to compare with real domains.
// Checks run on the ASCII (punycode) form and cost one pass over at most MAX_DOMAIN_OCTETS.

export const MAX_DOMAIN_OCTETS = 253;
export const MAX_LABEL_OCTETS = 63;

/** Why `ascii` cannot be a DNS name ('' is no name at all), or null when it can. */
export function dnsNameProblem(ascii: string): string | null {
  const d = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  if (d.length > MAX_DOMAIN_OCTETS) return `${d.length} octets long (DNS allows ${MAX_DOMAIN_OCTETS})`;
  let labelStart = 0;
  for (let i = 0; i <= d.length; i++) {
    if (i < d.length && d.charCodeAt(i) !== 0x2e) continue;
    const length = i - labelStart;
    if (length > MAX_LABEL_OCTETS) return `has a label of ${length} octets (DNS allows ${MAX_LABEL_OCTETS})`;
    if (length === 0 && d.length > 0) return 'has an empty label';
    labelStart = i + 1;
  }
  return null;
}
