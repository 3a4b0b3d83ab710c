// The one place a failed call becomes words for a person. When the server names the error with a
// `code` the catalogue knows (error.<code>), the viewer reads it in their language; until every
// route sends codes, the server's own message is shown as it is.
import { ApiError } from './api.ts';
import type { Translator } from './i18n.ts';

export function errorText(err: unknown, t: Translator): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    const known = err.code ? t.maybe(`error.${err.code}`, { seconds: err.body?.retryAfterSeconds ?? '' }) : undefined;
    if (known) return known;
    if (err.status === 401) return t('error.loginRequired');
    return err.body?.error ?? t('error.status', { status: err.status });
  }
  return t('error.unexpected');
}
