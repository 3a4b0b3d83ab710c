// The console's word catalogue (console/src/i18n/ja.json, en.json) for words the server writes
// itself — the audit CSV. Read once from the package (package.json ships the two files), so the
// server and the screen share one catalogue instead of keeping a second copy of the words.
import type { Lang } from '../util/lang.ts';
import { readFileSync } from 'node:fs';
import type { Words } from './event-words.ts';

export type { Lang };

const cache = new Map<Lang, Record<string, string>>();

function catalogue(lang: Lang): Record<string, string> {
  let dict = cache.get(lang);
  if (!dict) {
    // src/audit and dist/audit are both two levels below the package root
    dict = JSON.parse(readFileSync(new URL(`../../console/src/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
    cache.set(lang, dict);
  }
  return dict;
}

export function serverWords(lang: Lang): Words & ((key: string) => string) {
  const dict = catalogue(lang);
  const fill = (s: string, vars: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
  const maybe = (key: string, vars: Record<string, string | number> = {}) => (key in dict ? fill(dict[key]!, vars) : undefined);
  return Object.assign((key: string) => maybe(key) ?? key, { maybe });
}

/** ?lang= first, else the first of Accept-Language that is ja or en, else Japanese. */
export function viewerLang(queryLang: string | undefined, acceptLanguage: string | undefined): Lang {
  if (queryLang === 'ja' || queryLang === 'en') return queryLang;
  for (const part of String(acceptLanguage ?? '')
    .toLowerCase()
    .split(',')) {
    const tag = part.trim().split(';')[0]!;
    if (tag.startsWith('ja')) return 'ja';
    if (tag.startsWith('en')) return 'en';
  }
  return 'ja';
}
