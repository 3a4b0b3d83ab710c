// Address, domain and file-name patterns with '*' as the only wildcard, compared case-insensitively
// (policy `sender`/`recipients`, `attachmentNames`, allow/deny lists elsewhere).
// Patterns: an exact address `a@x.jp`; `*@gmail.com`; a pattern without '@' matches the domain
// part only (`example.co.jp`); a leading `*.` also matches the bare domain (`*.example.co.jp`
// matches example.co.jp, a.example.co.jp and a.b.example.co.jp). Matching never backtracks
// exponentially: a two-pointer glob match, O(pattern × text) at worst.
import { asciiDomainOf } from './address.ts';

export interface AddressPattern {
  /** the pattern as written */
  source: string;
  /** local-part glob, lower-case; null when the pattern names a domain only */
  local: string | null;
  /** domain glob, lower-case ASCII (IDN labels in punycode) */
  domain: string;
}

/** Why a pattern cannot be used, or null when it is fine. */
export function addressPatternError(source: string): string | null {
  const p = source.trim();
  if (p === '') return 'empty pattern';
  if (/\s/.test(p)) return `pattern "${source}" contains white space`;
  if (p.indexOf('@') !== p.lastIndexOf('@')) return `pattern "${source}" has more than one '@'`;
  const at = p.indexOf('@');
  if (at === 0) return `pattern "${source}" has an empty local part (write *@domain)`;
  if (at === p.length - 1) return `pattern "${source}" has an empty domain (write name@*)`;
  return null;
}

export function compileAddressPattern(source: string): AddressPattern {
  const p = source.trim().toLowerCase();
  const at = p.lastIndexOf('@');
  if (at < 0) return { source, local: null, domain: asciiDomainOf(p) };
  return { source, local: p.slice(0, at), domain: asciiDomainOf(p.slice(at + 1)) };
}

/** True when `address` (or a bare domain, for domain-only patterns) matches the pattern. */
export function matchAddress(pattern: AddressPattern | string, address: string): boolean {
  const pat = typeof pattern === 'string' ? compileAddressPattern(pattern) : pattern;
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  const local = at < 0 ? '' : a.slice(0, at);
  const domain = asciiDomainOf(a);
  if (pat.local !== null) {
    if (at < 0) return false;
    if (!globMatch(pat.local, local)) return false;
  }
  return matchDomain(pat.domain, domain);
}

export function matchAnyAddress(patterns: ReadonlyArray<AddressPattern | string>, address: string): boolean {
  return patterns.some((p) => matchAddress(p, address));
}

/** Domain glob match where a leading `*.` also covers the bare domain itself. */
export function matchDomain(domainGlob: string, domain: string): boolean {
  if (globMatch(domainGlob, domain)) return true;
  return domainGlob.startsWith('*.') && globMatch(domainGlob.slice(2), domain);
}

/**
 * Case-insensitive glob with '*' = any run of characters (including none). File names are
 * compared after NFKC, so a full-width "ＲＥＰＯＲＴ．ＸＬＳＸ" matches "*.xlsx".
 */
export function matchFileName(glob: string, fileName: string): boolean {
  return globMatch(foldName(glob), foldName(fileName));
}

function foldName(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/**
 * '*' glob over code units, exact otherwise (callers fold case). Greedy two-pointer algorithm:
 * on a mismatch it only moves the last star's anchor forward, so the cost is bounded by
 * pattern length × text length.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === text[t]) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** True when `domain` is `parent` or one of its subdomains. */
export function isSameOrSubdomain(domain: string, parent: string): boolean {
  const d = asciiDomainOf(domain);
  const p = asciiDomainOf(parent);
  return p !== '' && (d === p || d.endsWith(`.${p}`));
}
