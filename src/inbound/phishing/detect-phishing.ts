// Phishing and impersonation checks on decoded message facts: display names that copy the
// tenant's staff or executives or a well-known brand from an outside address, look-alike
// domains of the tenant's own (and of brands), Reply-To that diverts answers elsewhere, and
// deceptive links (shown domain ≠ target, IP hosts, shorteners, punycode, userinfo tricks).
// Pure: facts and tenant context in, explainable symbols out. Every input is bounded (display
// names, subjects, URLs, DNS names), so hostile mail costs no more than ordinary mail; what the
// tenant context implies (brand matchers, look-alike indexes) is prepared once per context.
import type { MessageFacts } from '../../model/facts.ts';
import { asciiDomainOf, domainOf } from '../../util/address.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { dnsNameProblem } from '../../util/dns-name.ts';
import { lookalikeIndex, type LookalikeIndex, registrableDomain } from '../../util/domain-similarity.ts';
import type { BrandEntry, InboundSymbol, StaffMember, TenantContext } from '../../model/verdict.ts';
import { BUILTIN_BRANDS } from './brands.ts';
import { extractLinks, shownHost, type Link } from './extract-links.ts';

export const PHISHING_SYMBOLS = {
  PHISH_EXECUTIVE_IMPERSONATION: { score: 8, description: "Display name is one of the tenant's executives, but the address is outside" },
  PHISH_STAFF_IMPERSONATION: { score: 5, description: "Display name is one of the tenant's staff, but the address is outside" },
  PHISH_BRAND_IMPERSONATION: { score: 6, description: 'Display name claims a well-known brand; the sender domain is not theirs' },
  PHISH_IMPERSONATION_PAYLOAD: {
    score: 3,
    description: "An impersonating display name (a brand, the tenant's people) carries a link to another host or an attachment",
  },
  PHISH_BRAND_IN_SUBJECT: { score: 1.5, description: 'Subject names a well-known brand; the sender domain is not theirs' },
  PHISH_LOOKALIKE_DOMAIN: { score: 8, description: "Sender domain imitates one of the tenant's own domains" },
  PHISH_BRAND_LOOKALIKE_DOMAIN: { score: 6, description: "Sender domain imitates a well-known brand's domain" },
  PHISH_LOOKALIKE_LINK: { score: 5, description: "Link points to a domain imitating the tenant's or a brand's" },
  PHISH_DISPLAY_NAME_ADDRESS: { score: 3, description: 'Display name shows a different e-mail address than the real sender' },
  PHISH_REPLYTO_DIVERT: { score: 2, description: 'Replies go to a different domain than the sender' },
  PHISH_REPLYTO_FREEMAIL: { score: 1.5, description: 'Replies are diverted to a free-mail address' },
  PHISH_LINK_TEXT_MISMATCH: { score: 5, description: 'Link text shows one domain, the link goes to another' },
  PHISH_IP_LINK: { score: 3, description: 'Link to a bare IP address' },
  PHISH_URL_SHORTENER: { score: 1, description: 'Link through a URL shortener hides the destination' },
  PHISH_PUNYCODE_LINK: { score: 2, description: 'Link to an internationalised (punycode) domain' },
  PHISH_PUNYCODE_SENDER: { score: 2, description: 'Sender domain is internationalised (punycode)' },
  PHISH_URL_USERINFO: { score: 4, description: 'Link hides its real host behind a user name (https://bank.example@evil.example/)' },
  PHISH_BRAND_IN_URL: { score: 3, description: "Link names a well-known brand on a host that is not the brand's" },
  PHISH_CREDENTIAL_URL: { score: 2, description: 'Link goes to a log-in or verification script on an unrelated site' },
  PHISH_INVALID_SENDER_DOMAIN: { score: 6, description: 'Sender domain cannot exist in DNS (too long, or an empty or over-long label)' },
  PHISH_INVALID_LINK_HOST: { score: 3, description: 'Link host cannot exist in DNS (too long, or an empty or over-long label)' },
  PHISH_LONG_DISPLAY_NAME: { score: 3, description: 'Display name is far longer than any mail client shows' },
} as const satisfies Record<string, { score: number; description: string }>;

export type PhishingSymbolName = keyof typeof PHISHING_SYMBOLS;

export const URL_SHORTENERS: ReadonlySet<string> = new Set([
  'bit.ly',
  'bitly.com',
  't.co',
  'tinyurl.com',
  'is.gd',
  'v.gd',
  'ow.ly',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'goo.gl',
  'shorturl.at',
  'rb.gy',
  'tiny.cc',
  'bl.ink',
  'short.io',
  'x.gd',
  't.ly',
  'lnkd.in',
  's.id',
  'qr.ae',
  'adf.ly',
  'shorte.st',
  'bc.vc',
  'u.to',
  'clck.ru',
  'tr.im',
  'cli.gs',
  'ift.tt',
  'dlvr.it',
  'amzn.to',
  'amzn.asia',
  'ux.nu',
  'onl.jp',
  'urx.nu',
  'x.gd',
]);

const FREEMAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.jp',
  'ymail.com',
  'outlook.com',
  'outlook.jp',
  'hotmail.com',
  'hotmail.co.jp',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'gmx.com',
  'gmx.net',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'protonmail.com',
  'proton.me',
  'zoho.com',
  'qq.com',
  '163.com',
  'naver.com',
]);

/** Display-name characters examined: more than any client shows; the rest is a finding of its own. */
export const MAX_DISPLAY_NAME_CHARS = 256;
/** Subject characters examined for brand names. */
export const MAX_SUBJECT_CHARS = 1024;
/** URL characters examined for brand names and credential paths. */
export const MAX_URL_CHARS = 2048;
/** Distinct link hosts compared with the trusted domains per message. */
export const MAX_CHECKED_HOSTS = 50;

export interface PhishingReport {
  symbols: InboundSymbol[];
  /** links examined (capped), for the audit trail and the console */
  links: Link[];
}

function symbol(name: PhishingSymbolName, detail: string): InboundSymbol {
  return { name, score: PHISHING_SYMBOLS[name].score, description: PHISHING_SYMBOLS[name].description, detail };
}

/** The start of a long string for a symbol's detail. */
function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** true when `domain` is one of `domains` or a subdomain of one. */
export function domainIn(domain: string, domains: readonly string[]): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return domains.some((x) => d === x || d.endsWith(`.${x}`));
}

/** NFKC, lower-case, without spaces, honorifics and punctuation: "山田　太郎 様" → "山田太郎". */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(様|さま|殿|さん)$/u, '')
    .replace(/[\s"'()（）「」・,.、。\-_]+/gu, '');
}

function nameTokens(name: string): string[] {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(様|さま|殿|さん)\s*$/u, '')
    .split(/[\s,.・"'()（）]+/u)
    .filter(Boolean);
}

/** Does display name `shown` present itself as `person`? Word order does not matter. */
export function nameMatches(shown: string, person: string): boolean {
  const a = normaliseName(shown);
  const b = normaliseName(person);
  if (!a || !b) return false;
  if (a === b) return true;
  const ta = nameTokens(shown).sort().join('');
  const tb = nameTokens(person).sort().join('');
  if (ta === tb) return true;
  // "山田太郎 (代表取締役)" or "Taro Yamada CEO": the full name inside a longer display name
  return [...b].length >= 4 && a.includes(b);
}

/** What a tenant context implies for the checks, prepared once per distinct context. */
interface PreparedTenant {
  tenantDomains: string[];
  /** per brand: does a normalised haystack name it? (ASCII names as whole words) */
  brandTests: Array<{ brand: BrandEntry; claims: (normalised: string) => boolean }>;
  /** per brand with any: its names a link may carry (ASCII, 5+ letters), in the brands' order */
  urlNames: Array<{ brand: BrandEntry; names: string[] }>;
  own: LookalikeIndex;
  brandLookalikes: LookalikeIndex;
}

const PREPARED_CACHE_SIZE = 256;
const prepared = new BoundedMap<string, PreparedTenant>(PREPARED_CACHE_SIZE);

function prepareTenant(tenant: TenantContext): PreparedTenant {
  const key = `${tenant.domains.join(',')}\n${tenant.brands?.length ? JSON.stringify(tenant.brands) : ''}`;
  const hit = prepared.get(key);
  if (hit) return hit;
  const brands = [...BUILTIN_BRANDS, ...(tenant.brands ?? [])];
  const tenantDomains = tenant.domains.map((d) => d.toLowerCase());
  const p: PreparedTenant = {
    tenantDomains,
    brandTests: brands.map((brand) => ({ brand, claims: nameTest(brand.names) })),
    urlNames: brands
      .map((brand) => ({ brand, names: brand.names.filter((n) => /^[a-z0-9]{5,}$/.test(n)) }))
      .filter((b) => b.names.length > 0),
    own: lookalikeIndex(tenantDomains),
    brandLookalikes: lookalikeIndex(brands.flatMap((b) => b.domains)),
  };
  prepared.set(key, p);
  return p;
}

function nameTest(names: readonly string[]): (normalised: string) => boolean {
  const ascii: string[] = [];
  const other: string[] = [];
  for (const raw of names) {
    const n = raw.normalize('NFKC').toLowerCase();
    if (/^[\x00-\x7f]+$/.test(n)) ascii.push(n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    else other.push(n);
  }
  const words = ascii.length ? new RegExp(`(?:^|[^a-z0-9])(?:${ascii.join('|')})(?:$|[^a-z0-9])`) : null;
  return (h) => other.some((n) => h.includes(n)) || words?.test(h) === true;
}

function brandClaimed(haystack: string, tenant: PreparedTenant): BrandEntry | null {
  if (!haystack) return null;
  const h = haystack.normalize('NFKC').toLowerCase();
  return tenant.brandTests.find((t) => t.claims(h))?.brand ?? null;
}

export function detectPhishing(facts: MessageFacts, context: TenantContext): PhishingReport {
  const out: InboundSymbol[] = [];
  const tenant = prepareTenant(context);
  const fromAddress = facts.from?.address ?? '';
  const fullName = facts.from?.name ?? '';
  // A reader sees the start of a display name; the checks read as much, and an absurdly long
  // name is a finding of its own (it also kept the name checks from costing seconds).
  const fromName = fullName.slice(0, MAX_DISPLAY_NAME_CHARS);
  if (fullName.length > MAX_DISPLAY_NAME_CHARS) out.push(symbol('PHISH_LONG_DISPLAY_NAME', `${fullName.length} characters`));
  const fromDomain = domainOf(fromAddress);
  const invalid = fromDomain ? dnsNameProblem(asciiDomainOf(fromDomain)) : null;
  const internal = fromDomain !== '' && !invalid && domainIn(fromDomain, tenant.tenantDomains);

  if (invalid) out.push(symbol('PHISH_INVALID_SENDER_DOMAIN', `${clip(fromDomain, 80)} ${invalid}`));
  let claimed: ClaimedIdentity | null = null;
  if (fromDomain && !internal) {
    const person = checkPeople(out, fromName, fromAddress, context);
    const brand = checkBrand(out, fromName, facts.subject.slice(0, MAX_SUBJECT_CHARS), fromDomain, tenant);
    claimed = person ? { who: person, domains: tenant.tenantDomains } : brand ? { who: brand.brand, domains: brand.domains } : null;
    if (!invalid) checkSenderDomain(out, fromDomain, tenant);
  }
  if (!invalid) {
    checkDisplayNameAddress(out, fromName, fromAddress);
    checkReplyTo(out, facts, fromDomain);
  }
  const links = extractLinks(facts.html, facts.text);
  checkLinks(out, links, tenant);
  if (claimed) checkPayload(out, claimed, links, facts, tenant);
  return { symbols: out, links };
}

/** Whom an impersonating display name claims to be, and the domains that would really be theirs. */
interface ClaimedIdentity {
  who: string;
  domains: readonly string[];
}

/**
 * The classic phish: an impersonating display name with something to click or open. A link to
 * the claimed party's own domains (or the tenant's) is no payload — the fake wants you elsewhere.
 * One pass over the links already extracted, a suffix test per host: no look-alike work.
 */
function checkPayload(
  out: InboundSymbol[],
  claimed: ClaimedIdentity,
  links: readonly Link[],
  facts: MessageFacts,
  tenant: PreparedTenant,
): void {
  const elsewhere = links.find((l) => l.host !== '' && !domainIn(l.host, claimed.domains) && !domainIn(l.host, tenant.tenantDomains));
  const attachment = facts.attachments[0];
  if (!elsewhere && !attachment) return;
  const what = elsewhere ? `a link to ${clip(elsewhere.host, 80)}` : `the attachment "${clip(attachment!.filename, 80)}"`;
  out.push(symbol('PHISH_IMPERSONATION_PAYLOAD', `claims to be ${claimed.who} and carries ${what}`));
}

/**
 * The tenant's people by the forms nameMatches compares (the whole name, its words in any order,
 * and names long enough to be found inside a longer display name), so a display name costs a
 * few hash look-ups rather than normalising every person's name: every named user of a tenant of
 * thousands is protected. Prepared once per distinct list (the key is the list's plain text).
 */
interface PreparedPeople {
  byName: Map<string, StaffMember[]>;
  byWords: Map<string, StaffMember[]>;
  long: Array<{ name: string; member: StaffMember }>;
}

const preparedPeople = new BoundedMap<string, PreparedPeople>(PREPARED_CACHE_SIZE);

function preparePeople(staff: readonly StaffMember[]): PreparedPeople {
  const key = staff.map((s) => `${s.name}\u0001${s.email}`).join('\u0002');
  const hit = preparedPeople.get(key);
  if (hit) return hit;
  const p: PreparedPeople = { byName: new Map(), byWords: new Map(), long: [] };
  const add = (map: Map<string, StaffMember[]>, k: string, m: StaffMember) => map.set(k, [...(map.get(k) ?? []), m]);
  for (const m of staff) {
    const name = normaliseName(m.name ?? '');
    if (!name) continue;
    add(p.byName, name, m);
    add(p.byWords, nameTokens(m.name).sort().join(''), m);
    if ([...name].length >= 4) p.long.push({ name, member: m });
  }
  preparedPeople.set(key, p);
  return p;
}

/** The first of the tenant's people whose name the display name shows (nameMatches), not sending from their own address. */
function staffNamed(fromName: string, fromAddress: string, people: PreparedPeople): StaffMember | null {
  const shown = normaliseName(fromName);
  if (!shown) return null;
  const other = (m: StaffMember) => m.email.toLowerCase() !== fromAddress;
  return (
    people.byName.get(shown)?.find(other) ??
    people.byWords.get(nameTokens(fromName).sort().join(''))?.find(other) ??
    people.long.find((p) => shown.includes(p.name) && other(p.member))?.member ??
    null
  );
}

/** The name of the tenant's person the display name copies, if any. */
function checkPeople(out: InboundSymbol[], fromName: string, fromAddress: string, tenant: TenantContext): string | null {
  if (!fromName) return null;
  const executive = (tenant.executives ?? []).find((e) => nameMatches(fromName, e));
  if (executive) {
    out.push(symbol('PHISH_EXECUTIVE_IMPERSONATION', `"${fromName}" <${fromAddress}> uses the name of ${executive}`));
    return executive;
  }
  const member = staffNamed(fromName, fromAddress, preparePeople(tenant.staff));
  if (!member) return null;
  out.push(symbol('PHISH_STAFF_IMPERSONATION', `"${fromName}" <${fromAddress}> uses the name of ${member.name} <${member.email}>`));
  return member.name;
}

/** The brand the display name claims from a domain not the brand's, if any. */
function checkBrand(
  out: InboundSymbol[],
  fromName: string,
  subject: string,
  fromDomain: string,
  tenant: PreparedTenant,
): BrandEntry | null {
  const allowed = (b: BrandEntry): boolean => domainIn(fromDomain, b.domains) || domainIn(fromDomain, tenant.tenantDomains);
  const inName = brandClaimed(fromName, tenant);
  if (inName && !allowed(inName)) {
    out.push(
      symbol(
        'PHISH_BRAND_IMPERSONATION',
        `display name "${fromName}" claims ${inName.brand}, sender domain ${fromDomain} is not one of ${inName.domains.join(', ')}`,
      ),
    );
    return inName;
  }
  const inSubject = brandClaimed(subject, tenant);
  if (inSubject && !allowed(inSubject) && !(inName && allowed(inName))) {
    out.push(symbol('PHISH_BRAND_IN_SUBJECT', `subject names ${inSubject.brand}, sender domain ${fromDomain}`));
  }
  return null;
}

function checkSenderDomain(out: InboundSymbol[], fromDomain: string, tenant: PreparedTenant): void {
  const own = tenant.own.match(fromDomain);
  if (own) out.push(symbol('PHISH_LOOKALIKE_DOMAIN', `${fromDomain} imitates ${own.candidate} (${own.reason}, distance ${own.distance})`));
  else {
    const brand = tenant.brandLookalikes.match(fromDomain);
    if (brand)
      out.push(
        symbol('PHISH_BRAND_LOOKALIKE_DOMAIN', `${fromDomain} imitates ${brand.candidate} (${brand.reason}, distance ${brand.distance})`),
      );
  }
  if (fromDomain.split('.').some((l) => l.startsWith('xn--'))) out.push(symbol('PHISH_PUNYCODE_SENDER', fromDomain));
}

function checkDisplayNameAddress(out: InboundSymbol[], fromName: string, fromAddress: string): void {
  const shown = /[a-z0-9._%+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)/i.exec(fromName.normalize('NFKC'));
  if (!shown || !fromAddress) return;
  if (registrableDomain(shown[1]) !== registrableDomain(domainOf(fromAddress))) {
    out.push(symbol('PHISH_DISPLAY_NAME_ADDRESS', `display name shows ${shown[0]}, sender is ${fromAddress}`));
  }
}

function checkReplyTo(out: InboundSymbol[], facts: MessageFacts, fromDomain: string): void {
  if (!fromDomain) return;
  const fromOrg = registrableDomain(fromDomain);
  const diverted = facts.replyTo.map((r) => domainOf(r.address)).find((d) => d && registrableDomain(d) !== fromOrg);
  if (!diverted) return;
  out.push(symbol('PHISH_REPLYTO_DIVERT', `From ${fromDomain}, Reply-To ${diverted}`));
  if (FREEMAIL.has(registrableDomain(diverted)) && !FREEMAIL.has(fromOrg)) out.push(symbol('PHISH_REPLYTO_FREEMAIL', diverted));
}

function isIpHost(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || /^0x[0-9a-f]+$|^\d{8,10}$/i.test(host);
}

const CREDENTIAL_PATH = new RegExp(
  String.raw`^https?:\/\/[^/]+\/(?:[^?#]*\/)?(?:wp-(?:content|admin|includes)\/[^?#]*\.(?:php|html?)|` +
    String.raw`[^/?#]*(?:sign-?in|log-?in|logon|verify|verification|webscr|auth|confirm|secure|password|unlock)` +
    String.raw`[^/?#]*\.(?:php|html?|aspx?))(?:[?#]|$)`,
  'i',
);

/**
 * A brand's ASCII name (5+ letters) in the host labels or path of a link the brand does not own.
 * The names are looked for first and the brand's domains only for a brand named: a newsletter's
 * 10–30 links against ~100 brands made the ownership test the costliest part of the link checks.
 */
function brandInUrl(link: Link, urlNames: PreparedTenant['urlNames']): BrandEntry | null {
  const lower = link.href.slice(0, MAX_URL_CHARS).toLowerCase();
  const afterHost = lower.replace(/^https?:\/\/[^/]+/, '');
  const subdomains = link.host.slice(0, Math.max(0, link.host.length - registrableDomain(link.host).length));
  const where = `${subdomains} ${afterHost.split(/[?#]/)[0]}`;
  for (const b of urlNames) {
    if (b.names.some((n) => where.includes(n)) && !domainIn(link.host, b.brand.domains)) return b.brand;
  }
  return null;
}

function checkLinks(out: InboundSymbol[], links: readonly Link[], tenant: PreparedTenant): void {
  const seen = new Set<string>();
  const once = (name: PhishingSymbolName, detail: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(symbol(name, detail));
  };
  const checkedHosts = new Set<string>();
  for (const link of links) {
    if (!link.host) continue;
    const invalid = dnsNameProblem(link.host);
    if (invalid) {
      once('PHISH_INVALID_LINK_HOST', `${clip(link.host, 80)} ${invalid}`);
      continue;
    }
    // any userinfo in a web link is a trick: mail links never need one
    if (link.userinfo) once('PHISH_URL_USERINFO', link.href.slice(0, 200));
    if (link.href.length <= 2048 && CREDENTIAL_PATH.test(link.href)) once('PHISH_CREDENTIAL_URL', link.href.slice(0, 200));
    const named = brandInUrl(link, tenant.urlNames);
    if (named) once('PHISH_BRAND_IN_URL', `${named.brand} in ${link.href.slice(0, 200)}`);
    if (isIpHost(link.host)) once('PHISH_IP_LINK', link.href.slice(0, 200));
    if (URL_SHORTENERS.has(link.host) || URL_SHORTENERS.has(link.host.replace(/^www\./, '')))
      once('PHISH_URL_SHORTENER', link.href.slice(0, 200));
    if (link.host.split('.').some((l) => l.startsWith('xn--'))) once('PHISH_PUNYCODE_LINK', link.host);
    const shown = link.text ? shownHost(link.text) : null;
    if (shown && !isIpHost(link.host) && registrableDomain(shown) !== registrableDomain(link.host)) {
      once('PHISH_LINK_TEXT_MISMATCH', `text shows ${shown}, link goes to ${link.host}`);
    }
    if (!checkedHosts.has(link.host) && checkedHosts.size < MAX_CHECKED_HOSTS && !isIpHost(link.host)) {
      checkedHosts.add(link.host);
      const like = tenant.own.match(link.host) ?? tenant.brandLookalikes.match(link.host);
      if (like) once('PHISH_LOOKALIKE_LINK', `${link.host} imitates ${like.candidate}`);
    }
  }
}
