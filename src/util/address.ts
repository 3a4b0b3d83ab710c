// The domain part of a mail address, in the two forms the code compares: as written (lower-case)
// and as ASCII (IDNA, so 例え.jp, ｅｘａｍｐｌｅ．ｊｐ and xn--r8jz45g.jp compare as DNS sees them).
// One implementation of each, used by acceptance, policy patterns, inbound analysis and delivery;
// and the one syntax check of an address and a domain name that people and commands type in.
// Hostile input is bounded: a domain too long to be valid gets no Unicode work at all.
import { domainToASCII } from 'node:url';
import { MAX_DOMAIN_OCTETS } from './dns-name.ts';

// Raw input longer than this cannot fold into a 253-octet name (NFKC and punycode only grow a
// valid name's presentation), so it is refused before any Unicode work on it.
const MAX_RAW_CHARS = 4 * MAX_DOMAIN_OCTETS;

/** An address as people type it into the console or a command: one @, a dotted domain. */
export const EMAIL_RE = /^[^@\s,;<>"]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
/** A domain name as a tenant's domain is typed (no trailing dot, at least two labels). */
export const DOMAIN_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** The lower-case domain after the last '@' ('' when there is none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase();
}

/**
 * The lower-case ASCII (punycode) domain of an address or a bare domain: no brackets, no trailing
 * dot, full-width letters and dots folded. A label holding '*' (a policy pattern's wildcard) or
 * one IDNA refuses is kept as written.
 */
export function asciiDomainOf(addressOrDomain: string): string {
  const at = addressOrDomain.lastIndexOf('@');
  let d = (at >= 0 ? addressOrDomain.slice(at + 1) : addressOrDomain).trim().toLowerCase();
  if (d.length > MAX_RAW_CHARS) return d;
  d = d.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (!d || !/[^\x00-\x7f]/.test(d)) return d;
  const folded = d
    .normalize('NFKC')
    .replace(/[。．｡]/g, '.')
    .replace(/\.+$/, '');
  return folded
    .split('.')
    .map((label) => (label.includes('*') || !/[^\x00-\x7f]/.test(label) ? label : domainToASCII(label) || label))
    .join('.');
}
