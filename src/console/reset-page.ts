// /r/TOKEN — the page of a password-reset link an admin issued (src/users/password-reset.ts).
// A GET only shows whose account it is and a form (new password twice, labelled); only the POST
// acts, so a mail scanner opening the link spends nothing. In the person's own language (their
// console setting; ?lang= switches), with the token-page hardening (no cache, no Referer, no
// framing, same-origin POST, unknown tokens throttled per client). Afterwards it says the other
// sessions ended and links to the console's login. A form with a problem (passwords differ, too
// short) comes back as a page (200) with the problem said above it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.ts';
import { escapeHtml as e } from '../util/escape-html.ts';
import type { Lang } from '../util/lang.ts';
import { tokenPageFailures, tokenPageScope } from '../web/token-page-scope.ts';
import { MIN_PASSWORD_LENGTH } from '../users/people.ts';
import { ServiceError } from '../util/service-error.ts';
import { redeemPasswordResetLink, resetLinkStatus, type ResetLinkProblem } from '../users/password-reset.ts';

const WORDS = {
  ja: {
    title: 'パスワードの再設定',
    intro: (who: string) => `${who} の新しいパスワードを入力してください。`,
    password: '新しいパスワード',
    again: '新しいパスワード（確認のためもう一度）',
    hint: `${MIN_PASSWORD_LENGTH}文字以上`,
    submit: 'パスワードを設定',
    done: '新しいパスワードを設定しました。ほかの場所でのログインは終了しました。',
    login: 'コンソールにログイン',
    mismatch: '2つのパスワードが一致しません。',
    tooShort: `パスワードは${MIN_PASSWORD_LENGTH}文字以上にしてください。`,
    tooLong: 'パスワードが長すぎます（1024文字まで）。',
    unknown: 'このリンクは無効です。管理者に新しいリンクの発行を依頼してください。',
    expired: 'このリンクの有効期限（24時間）が切れています。管理者に新しいリンクの発行を依頼してください。',
    used: 'このリンクはすでに使われています。管理者に新しいリンクの発行を依頼してください。',
    disabled: 'このアカウントは無効になっています。管理者にお問い合わせください。',
  },
  en: {
    title: 'Set a new password',
    intro: (who: string) => `Enter a new password for ${who}.`,
    password: 'New password',
    again: 'New password again',
    hint: `at least ${MIN_PASSWORD_LENGTH} characters`,
    submit: 'Set password',
    done: 'Your new password is set. You were logged out everywhere else.',
    login: 'Log in to the console',
    mismatch: 'The two passwords differ.',
    tooShort: `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
    tooLong: 'The password is too long (at most 1024 characters).',
    unknown: 'This link is not valid. Ask your administrator for a new one.',
    expired: 'This link has expired (after 24 hours). Ask your administrator for a new one.',
    used: 'This link has already been used. Ask your administrator for a new one.',
    disabled: 'This account is disabled. Please contact your administrator.',
  },
} as const;

const PROBLEM_STATUS: Record<ResetLinkProblem, number> = { unknown: 404, expired: 410, used: 410, disabled: 403 };

function langOf(req: FastifyRequest, userLang: Lang | undefined): Lang {
  const q = (req.query as Record<string, string | undefined>).lang;
  if (q === 'en' || q === 'ja') return q;
  return userLang ?? 'ja';
}

function page(lang: Lang, path: string, body: string): string {
  const t = WORDS[lang];
  const other = lang === 'ja' ? 'en' : 'ja';
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" ` +
    `content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${e(t.title)} - Sekisho</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:0 auto;padding:1rem;line-height:1.5;` +
    `font-size:16px}label{display:block;margin:.8rem 0 .2rem;font-weight:bold}input{font-size:1rem;padding:.5rem;width:100%;` +
    `box-sizing:border-box}small{color:#555}button{font-size:1.1rem;padding:.7rem 1.2rem;margin-top:1rem;border-radius:6px;` +
    `border:1px solid #1a56db;background:#1a56db;color:#fff}.msg{padding:.7rem;background:#eef;` +
    `border-radius:6px}.err{background:#fee}</style></head>
<body><p style="text-align:right"><a href="${e(path)}?lang=${other}">${other === 'en' ? 'English' : '日本語'}</a></p>` +
    `<h1>${e(t.title)}</h1>${body}</body></html>`
  );
}

function form(lang: Lang, who: string, error?: string): string {
  const t = WORDS[lang];
  return (
    `${
      error ? `<p class="msg err" role="alert">${e(error)}</p>` : ''
    }<p>${e(t.intro(who))}</p><form method="post"><input type="hidden" name="lang" value="${lang}">
<label for="password">${e(t.password)}</label><input id="password" name="password" type="password" ` +
    `autocomplete="new-password" minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024" required aria-describedby="hint">` +
    `<small id="hint">${e(t.hint)}</small>
<label for="again">${e(t.again)}</label><input id="again" name="again" type="password" autocomplete="new-password" ` +
    `minlength="${MIN_PASSWORD_LENGTH}" maxlength="1024" required>
<button type="submit">${e(t.submit)}</button></form>`
  );
}

export function registerResetPage(app: FastifyInstance, store: Store): Promise<void> {
  const send = (reply: FastifyReply, status: number, html: string) => reply.code(status).type('text/html; charset=utf-8').send(html);
  const problem = (reply: FastifyReply, lang: Lang, path: string, p: ResetLinkProblem) =>
    send(reply, PROBLEM_STATUS[p], page(lang, path, `<p class="msg err">${e(WORDS[lang][p])}</p>`));

  return tokenPageScope(app, { bodyLimit: 4096, failures: tokenPageFailures(store) }, (scope) => {
    scope.get<{ Params: { token: string } }>('/r/:token', async (req, reply) => {
      const path = `/r/${req.params.token}`;
      const status = await resetLinkStatus(store, req.params.token);
      if (!('user' in status)) return problem(reply, langOf(req, undefined), path, status.problem);
      const lang = langOf(req, status.user.language);
      return send(reply, 200, page(lang, path, form(lang, status.user.email)));
    });

    scope.post<{ Params: { token: string }; Body: Record<string, string> | undefined }>('/r/:token', async (req, reply) => {
      const path = `/r/${req.params.token}`;
      const body = req.body ?? {};
      const lang: Lang = body.lang === 'en' ? 'en' : 'ja';
      const status = await resetLinkStatus(store, req.params.token);
      if (!('user' in status)) return problem(reply, lang, path, status.problem);
      const password = typeof body.password === 'string' ? body.password : '';
      if (password !== body.again) return send(reply, 200, page(lang, path, form(lang, status.user.email, WORDS[lang].mismatch)));
      try {
        const done = await redeemPasswordResetLink(store, req.params.token, password);
        if (!('user' in done)) return problem(reply, lang, path, done.problem);
      } catch (err) {
        if (err instanceof ServiceError) {
          const why = err.code === 'password_too_short' ? WORDS[lang].tooShort : WORDS[lang].tooLong;
          return send(reply, 200, page(lang, path, form(lang, status.user.email, why)));
        }
        throw err;
      }
      return send(
        reply,
        200,
        page(lang, path, `<p class="msg" role="status">${e(WORDS[lang].done)}</p><p><a href="/console/">${e(WORDS[lang].login)}</a></p>`),
      );
    });
  });
}
