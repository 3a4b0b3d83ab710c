// Phishing and impersonation checks on decoded message facts: display names that copy the
// tenant's staff or executives or a well-known brand from an outside address, look-alike
// domains of the tenant's own (and of brands), Reply-To that diverts answers elsewhere, and
// deceptive links (shown domain ≠ target, IP hosts, shorteners, punycode, userinfo tricks).
// Pure: facts and tenant context in, explainable symbols out.
import type { MessageFacts } from '../../mime/facts.ts';
import { lookalikeOf, registrableDomain } from '../../util/domain-similarity.ts';
import type { BrandEntry, InboundSymbol, TenantContext } from '../verdict.ts';
import { BUILTIN_BRANDS } from './brands.ts';
import { extractLinks, shownHost, type Link } from './extract-links.ts';

export const PHISHING_SYMBOLS = {
  PHISH_EXECUTIVE_IMPERSONATION: { score: 8, description: "Display name is one of the tenant's executives, but the address is outside" },
  PHISH_STAFF_IMPERSONATION: { score: 5, description: "Display name is one of the tenant's staff, but the address is outside" },
  PHISH_BRAND_IMPERSONATION: { score: 6, description: 'Display name claims a well-known brand; the sender domain is not theirs' },
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

export interface PhishingReport {
  symbols: InboundSymbol[];
  /** links examined (capped), for the audit trail and the console */
  links: Link[];
}

function symbol(name: PhishingSymbolName, detail: string): InboundSymbol {
  return { name, score: PHISHING_SYMBOLS[name].score, description: PHISHING_SYMBOLS[name].description, detail };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '';
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

function brandNameIn(haystack: string, name: string): boolean {
  const h = haystack.normalize('NFKC').toLowerCase();
  const n = name.normalize('NFKC').toLowerCase();
  if (/^[\x00-\x7f]+$/.test(n)) {
    const escaped = n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`).test(h);
  }
  return h.includes(n);
}

function brandClaimed(haystack: string, brands: readonly BrandEntry[]): BrandEntry | null {
  if (!haystack) return null;
  return brands.find((b) => b.names.some((n) => brandNameIn(haystack, n))) ?? null;
}

export function detectPhishing(facts: MessageFacts, tenant: TenantContext): PhishingReport {
  const out: InboundSymbol[] = [];
  const brands = [...BUILTIN_BRANDS, ...(tenant.brands ?? [])];
  const tenantDomains = tenant.domains.map((d) => d.toLowerCase());
  const fromAddress = facts.from?.address ?? '';
  const fromName = facts.from?.name ?? '';
  const fromDomain = domainOf(fromAddress);
  const internal = fromDomain !== '' && domainIn(fromDomain, tenantDomains);

  if (fromDomain && !internal) {
    checkPeople(out, fromName, fromAddress, tenant);
    checkBrand(out, fromName, facts.subject, fromDomain, brands, tenantDomains);
    checkSenderDomain(out, fromDomain, tenantDomains, brands);
  }
  checkDisplayNameAddress(out, fromName, fromAddress);
  checkReplyTo(out, facts, fromDomain);
  const links = extractLinks(facts.html, facts.text);
  checkLinks(out, links, tenantDomains, brands);
  return { symbols: out, links };
}

function checkPeople(out: InboundSymbol[], fromName: string, fromAddress: string, tenant: TenantContext): void {
  if (!fromName) return;
  const executive = (tenant.executives ?? []).find((e) => nameMatches(fromName, e));
  if (executive) {
    out.push(symbol('PHISH_EXECUTIVE_IMPERSONATION', `"${fromName}" <${fromAddress}> uses the name of ${executive}`));
    return;
  }
  const member = tenant.staff.find((s) => s.name && nameMatches(fromName, s.name) && s.email.toLowerCase() !== fromAddress);
  if (member)
    out.push(symbol('PHISH_STAFF_IMPERSONATION', `"${fromName}" <${fromAddress}> uses the name of ${member.name} <${member.email}>`));
}

function checkBrand(
  out: InboundSymbol[],
  fromName: string,
  subject: string,
  fromDomain: string,
  brands: readonly BrandEntry[],
  tenantDomains: string[],
): void {
  const allowed = (b: BrandEntry): boolean => domainIn(fromDomain, b.domains) || domainIn(fromDomain, tenantDomains);
  const inName = brandClaimed(fromName, brands);
  if (inName && !allowed(inName)) {
    out.push(
      symbol(
        'PHISH_BRAND_IMPERSONATION',
        `display name "${fromName}" claims ${inName.brand}, sender domain ${fromDomain} is not one of ${inName.domains.join(', ')}`,
      ),
    );
    return;
  }
  const inSubject = brandClaimed(subject, brands);
  if (inSubject && !allowed(inSubject) && !(inName && allowed(inName))) {
    out.push(symbol('PHISH_BRAND_IN_SUBJECT', `subject names ${inSubject.brand}, sender domain ${fromDomain}`));
  }
}

function checkSenderDomain(out: InboundSymbol[], fromDomain: string, tenantDomains: string[], brands: readonly BrandEntry[]): void {
  const own = lookalikeOf(fromDomain, tenantDomains);
  if (own) out.push(symbol('PHISH_LOOKALIKE_DOMAIN', `${fromDomain} imitates ${own.candidate} (${own.reason}, distance ${own.distance})`));
  else {
    const brand = lookalikeOf(
      fromDomain,
      brands.flatMap((b) => b.domains),
    );
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

const CREDENTIAL_PATH =
  /^https?:\/\/[^/]+\/(?:[^?#]*\/)?(?:wp-(?:content|admin|includes)\/[^?#]*\.(?:php|html?)|[^/?#]*(?:sign-?in|log-?in|logon|verify|verification|webscr|auth|confirm|secure|password|unlock)[^/?#]*\.(?:php|html?|aspx?))(?:[?#]|$)/i;

/** A brand's ASCII name (5+ letters) in the host labels or path of a link the brand does not own. */
function brandInUrl(link: Link, brands: readonly BrandEntry[]): BrandEntry | null {
  const lower = link.href.toLowerCase();
  const afterHost = lower.replace(/^https?:\/\/[^/]+/, '');
  const subdomains = link.host.slice(0, Math.max(0, link.host.length - registrableDomain(link.host).length));
  const where = `${subdomains} ${afterHost.split(/[?#]/)[0]}`;
  for (const b of brands) {
    if (domainIn(link.host, b.domains)) continue;
    const name = b.names.find((n) => /^[a-z0-9]{5,}$/.test(n) && where.includes(n));
    if (name) return b;
  }
  return null;
}

function checkLinks(out: InboundSymbol[], links: readonly Link[], tenantDomains: string[], brands: readonly BrandEntry[]): void {
  const seen = new Set<string>();
  const once = (name: PhishingSymbolName, detail: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(symbol(name, detail));
  };
  const brandDomains = brands.flatMap((b) => b.domains);
  const checkedHosts = new Set<string>();
  for (const link of links) {
    if (!link.host) continue;
    // any userinfo in a web link is a trick: mail links never need one
    if (link.userinfo) once('PHISH_URL_USERINFO', link.href.slice(0, 200));
    if (link.href.length <= 2048 && CREDENTIAL_PATH.test(link.href)) once('PHISH_CREDENTIAL_URL', link.href.slice(0, 200));
    const named = brandInUrl(link, brands);
    if (named) once('PHISH_BRAND_IN_URL', `${named.brand} in ${link.href.slice(0, 200)}`);
    if (isIpHost(link.host)) once('PHISH_IP_LINK', link.href.slice(0, 200));
    if (URL_SHORTENERS.has(link.host) || URL_SHORTENERS.has(link.host.replace(/^www\./, '')))
      once('PHISH_URL_SHORTENER', link.href.slice(0, 200));
    if (link.host.split('.').some((l) => l.startsWith('xn--'))) once('PHISH_PUNYCODE_LINK', link.host);
    const shown = link.text ? shownHost(link.text) : null;
    if (shown && !isIpHost(link.host) && registrableDomain(shown) !== registrableDomain(link.host)) {
      once('PHISH_LINK_TEXT_MISMATCH', `text shows ${shown}, link goes to ${link.host}`);
    }
    if (!checkedHosts.has(link.host) && checkedHosts.size < 50 && !isIpHost(link.host)) {
      checkedHosts.add(link.host);
      const like = lookalikeOf(link.host, tenantDomains) ?? lookalikeOf(link.host, brandDomains);
      if (like) once('PHISH_LOOKALIKE_LINK', `${link.host} imitates ${like.candidate}`);
    }
  }
}
