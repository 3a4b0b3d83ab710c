// A policy validation error in the viewer's language: 「6行目：1以上にしてください。」 from the code and
// values the server sends with each error (src/policy/load.ts), the field path beside it as the
// YAML names it. An error without a known code falls back to a generic sentence in Japanese and
// the server's own message in English.
import type { Translator } from '../i18n.ts';

export interface PolicyErrorView {
  line: number;
  column?: number;
  path?: string;
  message: string;
  code?: string;
  params?: Record<string, string | number>;
}

function sentence(t: Translator, e: PolicyErrorView): string {
  const params = { ...(e.params ?? {}) };
  if (e.code === 'invalidType' && typeof params.expected === 'string') {
    params.expected = t.maybe(`policyError.type.${params.expected}`) ?? params.expected;
  }
  const of = typeof params.of === 'string' && params.of !== 'number' ? `.${params.of}` : '';
  const known = e.code ? (t.maybe(`policyError.${e.code}${of}`, params) ?? t.maybe(`policyError.${e.code}`, params)) : undefined;
  if (known) return known;
  return t.lang === 'en' ? e.message : t('policyError.invalid');
}

/** The error's place (line, or the whole file) and what is wrong. */
export function policyErrorText(t: Translator, e: PolicyErrorView): { where: string; what: string } {
  const line = e.line > 0 ? t('policyError.at', { line: e.line }) : t('policy.wholeFile');
  return { where: e.path ? t('policy.errorAt', { where: line, path: e.path }) : line, what: sentence(t, e) };
}
