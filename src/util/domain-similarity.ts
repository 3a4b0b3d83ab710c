// Look-alike domain detection: is `domain` a near miss of one of the domains someone trusts
// (exampel.co.jp for example.co.jp, examp1e.com, rnicrosoft.com, xn--… IDN confusables)?
// Compares registrable domains (so mail.example.co.jp is the same organisation as
// example.co.jp, never a look-alike), by homoglyph skeleton and by Damerau-Levenshtein distance
// scaled to the length of the distinctive label. Pure; no DNS, no public-suffix download.
import { domainToUnicode } from 'node:url';

export type LookalikeReason = 'edit-distance' | 'homoglyph' | 'punycode';

export interface Lookalike {
  /** the trusted domain that `domain` imitates, as given in the candidate list */
  candidate: string;
  reason: LookalikeReason;
  /** Damerau-Levenshtein distance between the registrable domains (0 for a pure homoglyph match) */
  distance: number;
}

/**
 * The candidate that `domain` imitates, or null when it resembles none — or when it IS one of
 * the candidates (or shares its registrable domain): a known domain is never its own look-alike.
 */
export function lookalikeOf(domain: string, candidates: Iterable<string>): Lookalike | null {
  const subject = describeDomain(domain);
  if (!subject) return null;
  const described: Array<{ original: string; d: DescribedDomain }> = [];
  for (const original of candidates) {
    const d = describeDomain(original);
    if (!d) continue;
    if (d.registrable === subject.registrable) return null;
    described.push({ original, d });
  }
  let best: Lookalike | null = null;
  for (const { original, d } of described) {
    const match = compareDomains(subject, d);
    if (!match) continue;
    const found: Lookalike = { candidate: original, ...match };
    if (!best || rank(found) < rank(best)) best = found;
  }
  return best;
}

function rank(l: Lookalike): number {
  // A skeleton match is stronger evidence than a typo distance; closer beats farther.
  return (l.reason === 'edit-distance' ? 10 : 0) + l.distance;
}

interface DescribedDomain {
  /** ASCII (punycode) registrable domain, lower-case */
  registrable: string;
  /** Unicode registrable domain (IDN labels decoded) */
  unicode: string;
  /** homoglyph-normalised form of the unicode registrable domain */
  skeleton: string;
  /** the label in front of the public suffix: the part people read as the company name */
  core: string;
  /** true when the domain uses IDN (xn--) labels or non-ASCII characters */
  idn: boolean;
}

function compareDomains(subject: DescribedDomain, candidate: DescribedDomain): { reason: LookalikeReason; distance: number } | null {
  const distance = damerauLevenshtein(subject.registrable, candidate.registrable);
  if (subject.skeleton === candidate.skeleton) {
    return { reason: subject.idn ? 'punycode' : 'homoglyph', distance };
  }
  const allowed = allowedDistance(candidate.core);
  if (allowed === 0) return null;
  const closest = Math.min(
    subject.idn ? damerauLevenshtein(subject.unicode, candidate.unicode) : distance,
    damerauLevenshtein(subject.skeleton, candidate.skeleton),
  );
  if (closest > allowed) return null;
  return { reason: subject.idn ? 'punycode' : 'edit-distance', distance: closest };
}

/**
 * Typos allowed for a company label of this length: short names differ by one letter from
 * many unrelated companies (abc.co.jp, abd.co.jp), so they only match by homoglyph.
 */
export function allowedDistance(core: string): number {
  const n = [...core].length;
  if (n <= 3) return 0;
  if (n <= 8) return 1;
  return 2;
}

// Second-level labels under two-letter country TLDs that act as public suffixes
// (co.jp, ne.jp, co.uk, com.au …). A heuristic: enough for look-alike comparison.
const SECOND_LEVEL = new Set([
  'co',
  'ne',
  'or',
  'ac',
  'ad',
  'go',
  'ed',
  'gr',
  'lg',
  'com',
  'net',
  'org',
  'gov',
  'edu',
  'mil',
  'ltd',
  'plc',
]);

function describeDomain(raw: string): DescribedDomain | null {
  const ascii = normaliseAscii(raw);
  if (!ascii || !ascii.includes('.')) return null;
  const labels = ascii.split('.');
  const suffixLabels =
    labels.length >= 3 && labels[labels.length - 1]!.length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]!) ? 2 : 1;
  const registrableLabels = labels.slice(-(suffixLabels + 1));
  const registrable = registrableLabels.join('.');
  const unicode = domainToUnicode(registrable) || registrable;
  const idn = registrable.split('.').some((l) => l.startsWith('xn--')) || /[^\x00-\x7f]/.test(unicode);
  return {
    registrable,
    unicode,
    skeleton: skeletonOf(unicode),
    core: domainToUnicode(registrableLabels[0]!) || registrableLabels[0]!,
    idn,
  };
}

/** Lower-case ASCII (punycode) form of a domain or the domain part of an address. */
function normaliseAscii(raw: string): string {
  let d = raw.trim().toLowerCase();
  const at = d.lastIndexOf('@');
  if (at >= 0) d = d.slice(at + 1);
  d = d.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  if (!d) return '';
  if (/[^\x00-\x7f]/.test(d)) {
    // Full-width letters and dots (ｅｘａｍｐｌｅ．ｃｏｍ) fold to ASCII before IDN encoding.
    const folded = d.normalize('NFKC').replace(/[。．｡]/g, '.');
    try {
      const url = new URL(`http://${folded}/`);
      return url.hostname;
    } catch {
      return folded;
    }
  }
  return d;
}

// Characters that render like an ASCII letter or digit in common mail-client fonts: Cyrillic,
// Greek and Latin-extended look-alikes (from Unicode's confusables.txt, the ones seen in
// phishing), digits that pass for letters, and letter pairs that pass for one letter.
const CONFUSABLE_CHARS: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'l',
  ї: 'l',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ɡ: 'g',
  ս: 'u',
  ո: 'n',
  ց: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'l',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  à: 'a',
  á: 'a',
  â: 'a',
  ã: 'a',
  ä: 'a',
  å: 'a',
  ā: 'a',
  ă: 'a',
  ą: 'a',
  ç: 'c',
  ć: 'c',
  č: 'c',
  ď: 'd',
  đ: 'd',
  è: 'e',
  é: 'e',
  ê: 'e',
  ë: 'e',
  ē: 'e',
  ę: 'e',
  ě: 'e',
  ğ: 'g',
  ì: 'l',
  í: 'l',
  î: 'l',
  ï: 'l',
  ı: 'l',
  ł: 'l',
  ñ: 'n',
  ń: 'n',
  ň: 'n',
  ò: 'o',
  ó: 'o',
  ô: 'o',
  õ: 'o',
  ö: 'o',
  ø: 'o',
  ō: 'o',
  ő: 'o',
  ř: 'r',
  ś: 's',
  š: 's',
  ş: 's',
  ť: 't',
  ù: 'u',
  ú: 'u',
  û: 'u',
  ü: 'u',
  ū: 'u',
  ů: 'u',
  ű: 'u',
  ý: 'y',
  ÿ: 'y',
  ž: 'z',
  ź: 'z',
  ż: 'z',
  '0': 'o',
  '1': 'l',
  i: 'l',
  '|': 'l',
  '3': 'e',
  '5': 's',
};
const CONFUSABLE_SEQUENCES: Array<[RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

/**
 * The homoglyph skeleton of a (unicode) domain: two domains that a reader cannot tell apart
 * at a glance have the same skeleton. Hyphens are kept (they are visible).
 */
export function skeletonOf(unicodeDomain: string): string {
  let s = '';
  for (const ch of unicodeDomain.normalize('NFKC').toLowerCase()) s += CONFUSABLE_CHARS[ch] ?? ch;
  for (const [re, to] of CONFUSABLE_SEQUENCES) s = s.replace(re, to);
  return s;
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two
 * adjacent characters), over code points.
 */
export function damerauLevenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  const m = s.length;
  const n = t.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2: number[] = new Array(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  let cur: number[] = new Array(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/** The registrable domain (example.co.jp for mail.example.co.jp) by the same heuristic. */
export function registrableDomain(domain: string): string {
  return describeDomain(domain)?.registrable ?? normaliseAscii(domain);
}
