// Pulls the links out of a message body: anchors from the HTML (target and visible text) and
// bare URLs from the plain text. A bounded regex scan, not an HTML parser: enough to compare
// what a reader sees with where a click goes. At most MAX_LINKS links per message.

export interface Link {
  href: string;
  /** lower-case host of the target ('' when the href is not an absolute http(s) URL) */
  host: string;
  /** visible anchor text ('' for bare URLs from text) */
  text: string;
  /** userinfo in the URL (http://paypal.com@evil.example/): shown host is not the real one */
  userinfo: string;
}

export const MAX_LINKS = 500;

// bounded repetitions: an unclosed <a> must not make the scan quadratic in the HTML size
const ANCHOR = /<a\b([^>]{0,1000})>([\s\S]{0,1000}?)<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`)\]}]+/gi;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', shy: '' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function parseUrl(href: string): { host: string; userinfo: string } {
  const trimmed = href.trim();
  if (!/^https?:\/\//i.test(trimmed)) return { host: '', userinfo: '' };
  try {
    const url = new URL(trimmed);
    const userinfo = url.username || url.password ? decodeURIComponent(url.username + (url.password ? `:${url.password}` : '')) : '';
    return { host: url.hostname.toLowerCase().replace(/\.$/, ''), userinfo };
  } catch {
    return { host: '', userinfo: '' };
  }
}

export function extractLinks(html: string | null, text: string): Link[] {
  const links: Link[] = [];
  if (html) {
    for (const m of html.matchAll(ANCHOR)) {
      if (links.length >= MAX_LINKS) break;
      const h = HREF.exec(m[1]);
      if (!h) continue;
      const href = decodeEntities(h[1] ?? h[2] ?? h[3] ?? '');
      const visible = decodeEntities(m[2].replace(/<[^>]*>/g, ' '))
        .replace(/\s+/g, ' ')
        .trim();
      links.push({ href, text: visible, ...parseUrl(href) });
    }
  }
  for (const m of text.matchAll(BARE_URL)) {
    if (links.length >= MAX_LINKS) break;
    const href = m[0].replace(/[.,;:!?]+$/, '');
    if (links.some((l) => l.href === href)) continue;
    links.push({ href, text: '', ...parseUrl(href) });
  }
  return links;
}

// Without a scheme or "www.", text counts as a host name only under a TLD people recognise
// (so "report.pdf" or "v1.2" are not read as domains).
const COMMON_TLDS = new Set([
  'com',
  'net',
  'org',
  'jp',
  'info',
  'biz',
  'io',
  'co',
  'me',
  'us',
  'uk',
  'de',
  'fr',
  'ru',
  'cn',
  'kr',
  'tw',
  'hk',
  'au',
  'ca',
  'eu',
  'app',
  'dev',
  'xyz',
  'top',
  'online',
  'site',
  'shop',
  'club',
  'tk',
  'ml',
  'ga',
  'cf',
  'gq',
  'edu',
  'gov',
]);

/** The domain a piece of anchor text shows the reader, if it looks like a URL or host name. */
export function shownHost(text: string): string | null {
  const m = /^(https?:\/\/)?(www\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,24}))(?::\d+)?(?:[/?#]\S*)?$/i.exec(text.trim());
  if (!m) return null;
  if (!m[1] && !m[2] && !COMMON_TLDS.has(m[4].toLowerCase())) return null;
  return m[3].toLowerCase();
}
