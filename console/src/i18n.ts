// Every word the console shows, in Japanese and English (i18n/ja.json, i18n/en.json: the same
// keys, test/console/i18n-catalogue.test.ts checks), and the formats of dates and durations. The
// language comes from the user's choice (kept in localStorage), else the user's setting on the
// server, else the browser. Times are shown in the tenant's time zone (me.timeZone; an operator's:
// the chosen tenant's), which the translator carries, by the server's one date format
// (src/util/zoned-time.ts). Pages get the translator from useI18n().
import { createContext, useContext } from 'react';
import ja from './i18n/ja.json';
import en from './i18n/en.json';
import { DEFAULT_TIME_ZONE, formatDate as zonedDate } from '../../src/util/zoned-time.ts';

export type Lang = 'ja' | 'en';
export type MessageKey = keyof typeof ja;
type Vars = Record<string, string | number>;

const catalogues: Record<Lang, Record<string, string>> = { ja, en };

export interface Translator {
  (key: MessageKey, vars?: Vars): string;
  /** a key built from data (a state, an event type…): undefined when the catalogue has no entry */
  maybe(key: string, vars?: Vars): string | undefined;
  readonly lang: Lang;
  /** the IANA zone times are shown in */
  readonly zone: string;
}

export function initialLang(serverLang?: string): Lang {
  const saved = localStorage.getItem('sekisho.lang');
  if (saved === 'ja' || saved === 'en') return saved;
  if (serverLang === 'ja' || serverLang === 'en') return serverLang;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

function fill(s: string, vars: Vars): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export function translator(lang: Lang, zone = DEFAULT_TIME_ZONE): Translator {
  const dict = catalogues[lang];
  const t = (key: MessageKey, vars: Vars = {}) => fill(dict[key] ?? key, vars);
  const maybe = (key: string, vars: Vars = {}) => (key in dict ? fill(dict[key]!, vars) : undefined);
  return Object.assign(t, { maybe, lang, zone });
}

export const I18nContext = createContext<Translator>(translator('ja'));

export function useI18n(): Translator {
  return useContext(I18nContext);
}

const locale = (lang: Lang) => (lang === 'ja' ? 'ja-JP' : 'en-GB');

/** A moment in the tenant's time zone: 2026年12月3日(木) 23:34 (ja) or Thu 3 Dec 2026 23:34 (GMT+1) (en). */
export function formatDate(ms: number | null, t: Pick<Translator, 'lang' | 'zone'>): string {
  if (ms === null) return '—';
  return zonedDate(t.lang, ms, t.zone);
}

/** Time left in words: あと4分 / in 4 min, あと1時間5分 / in 1 h 5 min, あと2日 / in 2 days. */
export function formatRelative(dueAt: number, now: number, t: Translator): string {
  const s = Math.max(0, Math.round((dueAt - now) / 1000));
  if (s < 60) return t('time.inSeconds', { n: s });
  const min = Math.floor(s / 60);
  if (min < 60) return t('time.inMinutes', { n: min });
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? t('time.inHoursMinutes', { h, m: min % 60 }) : t('time.inHours', { n: h });
  return t('time.inDays', { n: Math.floor(h / 24) });
}

export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** Time left as h:mm:ss or m:ss (a countdown, updated every second). */
export function formatRemaining(dueAt: number | null, now: number): string {
  if (dueAt === null) return '—';
  const s = Math.max(0, Math.round((dueAt - now) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Bytes as 12 KB / 3.4 MB. */
export function formatSize(bytes: number, lang: Lang): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(locale(lang), { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v)} ${units[i]}`;
}
