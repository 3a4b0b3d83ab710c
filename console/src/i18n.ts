// Japanese and English UI strings; the language comes from the user's choice (kept in
// localStorage), else the user's setting on the server, else the browser.
import ja from './i18n/ja.json';
import en from './i18n/en.json';

export type Lang = 'ja' | 'en';
const dicts: Record<Lang, Record<string, string>> = { ja, en };

export function initialLang(serverLang?: string): Lang {
  const saved = localStorage.getItem('sekisho.lang');
  if (saved === 'ja' || saved === 'en') return saved;
  if (serverLang === 'ja' || serverLang === 'en') return serverLang;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function translator(lang: Lang) {
  return (key: string, vars: Record<string, string | number> = {}) => {
    const s = dicts[lang][key] ?? dicts.en[key] ?? key;
    return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  };
}

export function formatDate(ms: number | null, lang: Lang): string {
  if (ms === null) return '—';
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms));
}

export function formatRemaining(dueAt: number | null, now: number): string {
  if (dueAt === null) return '—';
  const s = Math.max(0, Math.round((dueAt - now) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
