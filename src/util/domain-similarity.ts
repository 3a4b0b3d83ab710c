// Look-alike domain detection: is `domain` a near miss of one of the domains someone trusts
// (exampel.co.jp for example.co.jp, examp1e.tokyo.jp, acme-co.jp, acrne.onmicrosoft.com, IDN
// confusables such as аcme.co.jp with a Cyrillic а)? Domains are compared by their registrable
// domain under the Public Suffix List (tldts, which ships the list: no download), by homoglyph
// skeleton and by a Damerau-Levenshtein distance bounded by what the trusted name allows.
// Trusted lists are prepared once into a LookalikeIndex (cached by content), so one check costs
// a hash lookup and a few banded comparisons; names that cannot exist in DNS are never compared.
import { domainToUnicode } from 'node:url';
import { parse } from 'tldts';
import { skeletonOf } from './confusables.ts';
import { asciiDomainOf } from './address.ts';
import { BoundedMap } from './bounded-map.ts';
import { dnsNameProblem, MAX_DOMAIN_OCTETS } from './dns-name.ts';

export { skeletonOf } from './confusables.ts';

export type LookalikeReason = 'edit-distance' | 'homoglyph' | 'punycode';

export interface Lookalike {
  /** the trusted domain that `domain` imitates, as given in the candidate list */
  candidate: string;
  reason: LookalikeReason;
  /** Damerau-Levenshtein distance between the registrable domains (0 for a pure homoglyph match) */
  distance: number;
}

/**
 * Suffixes under which every customer gets a subdomain of its own but which the Public Suffix
 * List does not carry (their owners never asked): acme.onmicrosoft.com is Acme's, not
 * Microsoft's, so acrne.onmicrosoft.com imitates it.
 */
export const SHARED_TENANT_SUFFIXES: readonly string[] = [
  'mail.onmicrosoft.com',
  'onmicrosoft.com',
  'sharepoint.com',
  'my.salesforce.com',
  'zendesk.com',
  'cybozu.com',
  'kintone.com',
  'atlassian.net',
];

/** What the comparison needs to know about one domain. */
export interface DomainShape {
  /** ASCII (punycode) registrable domain, lower-case */
  registrable: string;
  /** Unicode registrable domain (IDN labels decoded) */
  unicode: string;
  /** homoglyph skeleton of `unicode` */
  skeleton: string;
  /** the label in front of the public suffix: the part people read as the company name */
  core: string;
  /** true when the domain uses IDN (xn--) labels or non-ASCII characters */
  idn: boolean;
}

const SHAPE_CACHE_SIZE = 4096;
const shapeCache = new BoundedMap<string, DomainShape | null>(SHAPE_CACHE_SIZE);

/** The shape of a domain, or null when it is no comparable name (no dot, an IP, not a DNS name). */
export function describeDomain(raw: string): DomainShape | null {
  const ascii = asciiDomainOf(raw);
  const hit = shapeCache.get(ascii);
  if (hit !== undefined) return hit;
  const shape = shapeOf(ascii);
  shapeCache.set(ascii, shape);
  return shape;
}

function shapeOf(ascii: string): DomainShape | null {
  if (!ascii.includes('.') || dnsNameProblem(ascii)) return null;
  const registrable = registrableOf(ascii);
  if (registrable === null) return null;
  const firstLabel = registrable.slice(0, registrable.indexOf('.'));
  const unicode = domainToUnicode(registrable) || registrable;
  return {
    registrable,
    unicode,
    skeleton: skeletonOf(unicode),
    core: domainToUnicode(firstLabel) || firstLabel,
    idn: registrable.split('.').some((l) => l.startsWith('xn--')) || /[^\x00-\x7f]/.test(unicode),
  };
}

/** Registrable domain of a valid ASCII name: PSL (ICANN and private) plus SHARED_TENANT_SUFFIXES. */
function registrableOf(ascii: string): string | null {
  for (const suffix of SHARED_TENANT_SUFFIXES) {
    if (ascii === suffix) return ascii;
    if (ascii.endsWith(`.${suffix}`)) {
      const rest = ascii.slice(0, ascii.length - suffix.length - 1);
      return `${rest.slice(rest.lastIndexOf('.') + 1)}.${suffix}`;
    }
  }
  const p = parse(ascii, { allowPrivateDomains: true, extractHostname: false, validateHostname: false });
  if (p.isIp) return null;
  // A public suffix itself (github.io, co.jp) is its owner's own name: compare it whole.
  return p.domain ?? ascii;
}

/** The registrable domain (example.co.jp for mail.example.co.jp); the ASCII form when it has none. */
export function registrableDomain(domain: string): string {
  return describeDomain(domain)?.registrable ?? asciiDomainOf(domain);
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

interface Entry {
  original: string;
  shape: DomainShape;
  allowed: number;
  /** code points, prepared once for the distance computation */
  registrable: string[];
  unicode: string[];
  skeleton: string[];
  /** which characters occur (hashed into 32 bits), for a quick "too different" test */
  readableMask: number;
  skeletonMask: number;
}

function entryOf(original: string, shape: DomainShape): Entry {
  const registrable = [...shape.registrable];
  const unicode = [...shape.unicode];
  const skeleton = [...shape.skeleton];
  return {
    original,
    shape,
    allowed: allowedDistance(shape.core),
    registrable,
    unicode,
    skeleton,
    readableMask: charMask(shape.idn ? unicode : registrable),
    skeletonMask: charMask(skeleton),
  };
}

function charMask(chars: readonly string[]): number {
  let m = 0;
  for (const c of chars) m |= 1 << (c.codePointAt(0)! % 32);
  return m;
}

function bitCount(n: number): number {
  let v = n - ((n >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A trusted domain list prepared for look-alike checks. */
export class LookalikeIndex {
  private readonly known = new Set<string>();
  private readonly bySkeleton = new Map<string, Entry>();
  /** entries that allow typos (their company label is long enough) */
  private readonly typoTargets: Entry[] = [];

  constructor(candidates: Iterable<string>) {
    for (const original of candidates) {
      const shape = describeDomain(original);
      if (!shape || this.known.has(shape.registrable)) continue;
      this.known.add(shape.registrable);
      const entry = entryOf(original, shape);
      if (!this.bySkeleton.has(shape.skeleton)) this.bySkeleton.set(shape.skeleton, entry);
      if (entry.allowed > 0) this.typoTargets.push(entry);
    }
  }

  /** The trusted domain `domain` imitates, or null (also when it is one of them or a subdomain of one). */
  match(domain: string): Lookalike | null {
    const shape = describeDomain(domain);
    if (!shape || this.known.has(shape.registrable)) return null;
    const subject = entryOf('', shape);
    const twin = this.bySkeleton.get(shape.skeleton);
    if (twin) {
      const distance = boundedDistance(subject.registrable, twin.registrable, MAX_DOMAIN_OCTETS);
      return { candidate: twin.original, reason: shape.idn ? 'punycode' : 'homoglyph', distance };
    }
    let best: Lookalike | null = null;
    for (const target of this.typoTargets) {
      const k = Math.min(target.allowed, best ? best.distance - 1 : target.allowed);
      if (k < 1) continue;
      const closest = closestDistance(subject, target, k);
      if (closest > k) continue;
      best = { candidate: target.original, reason: shape.idn ? 'punycode' : 'edit-distance', distance: closest };
    }
    return best;
  }
}

/**
 * min(distance of the readable forms, distance of the skeletons), or k + 1 when both exceed k.
 * Each edit changes at most two of the characters that occur, so strings whose character sets
 * differ in more than 2k (hashed) places are too far apart without computing anything.
 */
function closestDistance(subject: Entry, target: Entry, k: number): number {
  const readableClose = bitCount(subject.readableMask ^ (subject.shape.idn ? charMask(target.unicode) : target.readableMask)) <= 2 * k;
  const skeletonClose = bitCount(subject.skeletonMask ^ target.skeletonMask) <= 2 * k;
  if (!readableClose && !skeletonClose) return k + 1;
  const a = readableClose
    ? boundedDistance(subject.shape.idn ? subject.unicode : subject.registrable, subject.shape.idn ? target.unicode : target.registrable, k)
    : k + 1;
  if (a <= 1 || !skeletonClose) return a;
  return Math.min(a, boundedDistance(subject.skeleton, target.skeleton, Math.min(k, a - 1)));
}

const INDEX_CACHE_SIZE = 64;
const indexCache = new BoundedMap<string, LookalikeIndex>(INDEX_CACHE_SIZE);

/** The index of a trusted list, built once per distinct list (policy, tenant, brands) and reused. */
export function lookalikeIndex(candidates: readonly string[]): LookalikeIndex {
  const key = candidates.join('\n');
  let index = indexCache.get(key);
  if (index) return index;
  index = new LookalikeIndex(candidates);
  indexCache.set(key, index);
  return index;
}

/**
 * The candidate that `domain` imitates, or null when it resembles none — or when it IS one of
 * the candidates (or shares its registrable domain): a known domain is never its own look-alike.
 */
export function lookalikeOf(domain: string, candidates: Iterable<string>): Lookalike | null {
  return lookalikeIndex(Array.isArray(candidates) ? candidates : [...candidates]).match(domain);
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two
 * adjacent characters) over code points, computed only within a band of width k around the
 * diagonal: O(k·n). Returns k + 1 as soon as the distance must exceed k.
 */
export function boundedDistance(s: readonly string[], t: readonly string[], k: number): number {
  const m = s.length;
  const n = t.length;
  if (Math.abs(m - n) > k) return k + 1;
  if (m === 0 || n === 0) return Math.max(m, n);
  const over = k + 1;
  let [prev2, prev, cur] = scratchRows(n + 1);
  prev2.fill(over, 0, n + 1);
  prev.fill(over, 0, n + 1);
  for (let j = 0; j <= Math.min(n, k); j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    const from = Math.max(1, i - k);
    const to = Math.min(n, i + k);
    // Only the band and the cell on each side of it are read: the rest of the row is stale.
    cur.fill(over, Math.max(0, from - 1), Math.min(n, to + 1) + 1);
    cur[0] = i <= k ? i : over;
    let rowMin = cur[0]!;
    for (let j = from; j <= to; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = Math.min(v, over);
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > k) return over;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return Math.min(prev[n]!, over);
}

const rows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Three reusable rows of at least `length` cells (the distance never runs concurrently). */
function scratchRows(length: number): [Int32Array, Int32Array, Int32Array] {
  if (rows[0]!.length < length) for (let r = 0; r < 3; r++) rows[r] = new Int32Array(length * 2);
  return [rows[0]!, rows[1]!, rows[2]!];
}

/** Unbounded Damerau-Levenshtein distance of two strings (code points); for short strings only. */
export function damerauLevenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  return boundedDistance(s, t, Math.max(s.length, t.length));
}
