// The one place a failed call becomes words for a person. When the server names the error with a
// `code` the catalogue knows (error.<code>), the viewer reads it in their language (an English
// reader gets the server's own, more exact message for the generic bad_request and conflict);
// without a code, the server's message is shown as it is.
import { ApiError } from './api.ts';
import type { Translator } from './i18n.ts';

export function errorText(err: unknown, t: Translator): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('error.network');
    // the server's message is English and says exactly what was wrong: shown as it is to an
    // English reader for the generic codes; a Japanese reader gets the catalogue's words
    const generic = err.code === 'bad_request' || err.code === 'conflict';
    if (generic && t.lang === 'en' && err.body?.error) return err.body.error;
    const known = err.code ? t.maybe(`error.${err.code}`, { seconds: err.body?.retryAfterSeconds ?? '' }) : undefined;
    if (known) return known;
    if (err.status === 401) return t('error.loginRequired');
    return err.body?.error ?? t('error.status', { status: err.status });
  }
  return t('error.unexpected');
}
