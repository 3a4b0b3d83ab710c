// /q/TOKEN — the recipient's self-release page linked from the quarantine digest. A GET only
// shows what was quarantined and why (the mail itself through the one message view, bilingual), with a 配送する (release) BUTTON; only the form's POST
// releases, and only this recipient's copy (mail scanners prefetch links, so a GET must never act).
// Japanese and English, every value HTML-escaped, no external resources, tokens kept out of
// Referer and caches.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../store/store.ts';
import { adminOnlyRelease, heldFor, lookupReleaseLink, QuarantineError, releaseByLink } from './quarantine.ts';
import { getSettings } from './tenant-settings.ts';
import { escapeHtml } from './digest.ts';
import { formatDateJa } from '../mime/notice-text.ts';
import { tokenPageFailures, tokenPageScope } from '../web/token-page-scope.ts';
import { messageViewOfRow } from '../mime/message-view.ts';
import { MESSAGE_VIEW_CSS, messageViewHtml } from '../web/message-view-html.ts';

export interface ReleasePageDeps {
  store: Store;
  wake: () => void;
}

type Kind = 'show' | 'released' | 'invalid' | 'expired' | 'forbidden' | 'adminOnly' | 'done';

const TEXT: Record<Exclude<Kind, 'show'>, string> = {
  released: '隔離を解除しました。まもなくメールボックスに届きます。<br>The message was released and will arrive in your mailbox shortly.',
  invalid: 'このリンクは無効です。<br>This link is not valid.',
  expired:
    'このリンクの有効期限が切れています。管理者にお問い合わせください。<br>This link has expired. Please contact your administrator.',
  forbidden:
    '受信者による隔離解除は、管理者により許可されていません。管理者にお問い合わせください。<br>Your organisation does not allow recipients to release quarantined mail. Please contact your administrator.',
  adminOnly:
    'このメールは形式を解析できず内容を検査できなかったため、管理者のみが隔離解除できます。管理者にお問い合わせください。<br>Only an administrator can release this message: its structure could not be parsed, so its content was not checked. Please contact your administrator.',
  done: 'このメールはすでに処理されています（隔離解除済み、削除済み、または保存期間の終了）。<br>This message has already been handled (released, deleted or past retention).',
};

function layout(body: string): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>迷惑メール隔離 / Quarantine</title><style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}table{border-collapse:collapse}td,th{padding:.2rem .5rem;text-align:left;vertical-align:top}button{font-size:1.1rem;padding:.5rem 1.5rem}${MESSAGE_VIEW_CSS}</style></head><body><h1>迷惑メール隔離 / Quarantine</h1>${body}</body></html>`;
}

export function registerReleasePage(app: FastifyInstance, deps: ReleasePageDeps): Promise<void> {
  const send = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').send(layout(body));
  const message = (reply: FastifyReply, code: number, kind: Exclude<Kind, 'show'>) => send(reply, code, `<p>${TEXT[kind]}</p>`);

  return tokenPageScope(app, { bodyLimit: 1024, failures: tokenPageFailures(deps.store) }, (scope) => {
    scope.get<{ Params: { token: string } }>('/q/:token', async (req, reply) => {
      const link = await lookupReleaseLink(deps.store, req.params.token);
      if (!link) return message(reply, 404, 'invalid');
      if (link.expiresAt < Date.now()) return message(reply, 410, 'expired');
      const m = await deps.store.message(link.messageId, link.tenantId);
      // released (by this recipient or for everyone), deleted or purged: nothing left to offer
      if (!m || !(await heldFor(deps.store, m, link.recipient))) return message(reply, 200, 'done');
      if (!(await getSettings(deps.store, link.tenantId)).selfRelease) return message(reply, 403, 'forbidden');
      if (adminOnlyRelease(m)) return message(reply, 403, 'adminOnly');
      const e = escapeHtml;
      const view = await messageViewOfRow(deps.store, m);
      const mail = view
        ? messageViewHtml(view, { lang: 'both' })
        : `<table><tr><th>差出人 / From</th><td>${e(m.header_from || m.mail_from || '(なし / none)')}</td></tr><tr><th>件名 / Subject</th><td>${e(m.subject)}</td></tr></table>`;
      return send(
        reply,
        200,
        `<p>次のメールは迷惑メールまたは危険なメールの疑いがあるため隔離されています。送信者に心当たりがあり、安全と判断できる場合のみ配送してください。<br>This message was quarantined as suspected spam or dangerous mail. Release it only if you know the sender and trust it.</p>
${mail}
<table><tr><th>配送先 / Deliver to</th><td>${e(link.recipient)}</td></tr><tr><th>受信日時 / Received</th><td>${e(formatDateJa(new Date(Number(m.created_at))))}</td></tr></table>
<form method="post" action="/q/${e(req.params.token)}"><input type="hidden" name="action" value="release"><p><button type="submit">配送する / Release</button></p></form>`,
      );
    });

    scope.post<{ Params: { token: string }; Body: Record<string, string> | undefined }>('/q/:token', async (req, reply) => {
      if (req.body?.action !== 'release') return message(reply, 400, 'invalid');
      try {
        await releaseByLink(deps.store, req.params.token, async (t) => (await getSettings(deps.store, t)).selfRelease, deps.wake);
        return message(reply, 200, 'released');
      } catch (err) {
        if (err instanceof QuarantineError) {
          if (err.kind === 'not_found') return message(reply, 404, 'invalid');
          if (err.kind === 'expired') return message(reply, 410, 'expired');
          if (err.kind === 'forbidden') return message(reply, 403, /administrator/.test(err.message) ? 'adminOnly' : 'forbidden');
          return message(reply, 200, 'done');
        }
        throw err;
      }
    });
  });
}
