// /q/TOKEN — the recipient's page linked from the quarantine digest. A GET only shows what was
// quarantined and the real reason (ウイルス検出, 迷惑メール スコア 12.3) with the mail itself through
// the one message view, a 配送する (release) BUTTON for spam where the tenant allows self-release,
// and a 解除を依頼 (ask an admin) button for anything else; only the form's POST acts, and only for
// this recipient's copy (mail scanners prefetch links, so a GET must never act). Japanese and
// English, every value HTML-escaped, no external resources, tokens kept out of Referer and caches.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../store/store.ts';
import { heldFor, inboundStateOf, lookupReleaseLink, releaseByLink, type LinkTarget } from './quarantine.ts';
import { getSettings } from './tenant-settings.ts';
import { adminOnlyMessage, reasonInputOf, reasonLabel, selfReleasable, type ReasonInput, type ReleaseClass } from './release-class.ts';
import { requestOf, requestRelease, requestStateText, type ReleaseRequest } from './release-requests.ts';
import { escapeHtml } from '../util/escape-html.ts';
import { ServiceError } from '../util/service-error.ts';
import { formatDate } from '../util/zoned-time.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';
import { tokenPageFailures, tokenPageScope } from '../web/token-page-scope.ts';
import { messageViewOfRow } from '../mime/message-view.ts';
import { MESSAGE_VIEW_CSS, messageViewHtml } from '../web/message-view-html.ts';
import { tenantScope } from '../store/tenant-scope.ts';

export interface ReleasePageDeps {
  store: Store;
  wake: () => void;
  /** for the admins' notice of a release request */
  hostname: string;
  publicUrl: string;
}

type Kind = 'show' | 'released' | 'invalid' | 'expired' | 'done';

const TEXT: Record<Exclude<Kind, 'show'>, string> = {
  released: '隔離を解除しました。まもなくメールボックスに届きます。<br>The message was released and will arrive in your mailbox shortly.',
  invalid: 'このリンクは無効です。<br>This link is not valid.',
  expired:
    'このリンクの有効期限が切れています。管理者にお問い合わせください。<br>This link has expired. Please contact your administrator.',
  done: 'このメールはすでに処理されています（隔離解除済み、削除済み、または保存期間の終了）。<br>This message has already been handled (released, deleted or past retention).',
};

function layout(body: string): string {
  return (
    `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,` +
    `initial-scale=1"><meta name="robots" content="noindex"><title>迷惑メール隔離 / Quarantine</title><style>` +
    `body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;` +
    `line-height:1.6}table{border-collapse:collapse}td,th{padding:.2rem .5rem;text-align:left;` +
    `vertical-align:top}td{overflow-wrap:anywhere}button{font-size:1.1rem;padding:.5rem 1.5rem;` +
    `max-width:100%}.reason{font-weight:bold;color:#a40000}${MESSAGE_VIEW_CSS}</style></head><body><h1>迷惑メール隔離 / ` +
    `Quarantine</h1>${body}</body></html>`
  );
}

const both = (f: (lang: 'ja' | 'en') => string) => `${escapeHtml(f('ja'))}<br>${escapeHtml(f('en'))}`;

/** Why the recipient cannot release it, the request's state, or the 解除を依頼 button. */
function askSection(token: string, reason: ReasonInput, request: ReleaseRequest | null): string {
  const why = selfReleasable(reason.releaseClass)
    ? both((l) =>
        l === 'ja'
          ? '受信者による隔離解除は、管理者により許可されていません。必要な場合は管理者に解除を依頼してください。'
          : 'Your organisation does not allow recipients to release quarantined mail. If you need it, ask an administrator to release it.',
      )
    : both((l) => adminOnlyMessage(reason.releaseClass, l));
  const state = request
    ? `<p role="status" class="request-state">${both((l) => requestStateText(request, l))}</p>`
    : `<form method="post" action="/q/${escapeHtml(token)}"><input type="hidden" name="action" value="request"><p>` +
      `<button type="submit">解除を依頼 / Ask an admin to release</button></p></form>`;
  return `<p>${why}</p>${state}`;
}

export function registerReleasePage(app: FastifyInstance, deps: ReleasePageDeps): Promise<void> {
  const send = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').send(layout(body));
  const message = (reply: FastifyReply, code: number, kind: Exclude<Kind, 'show'>) => send(reply, code, `<p>${TEXT[kind]}</p>`);

  return tokenPageScope(app, { bodyLimit: 1024, failures: tokenPageFailures(deps.store) }, (scope) => {
    scope.get<{ Params: { token: string } }>('/q/:token', async (req, reply) => {
      const link = await lookupReleaseLink(deps.store, req.params.token);
      if (!link) return message(reply, 404, 'invalid');
      if (link.expiresAt < Date.now()) return message(reply, 410, 'expired');
      const m = await deps.store.message(link.messageId, tenantScope(link.tenantId));
      // released (by this recipient or for everyone), deleted or purged: nothing left to offer
      if (!m || !(await heldFor(deps.store, m, link.recipient))) return message(reply, 200, 'done');
      const selfRelease = (await getSettings(deps.store, link.tenantId)).selfRelease;
      const reason = reasonInputOf(inboundStateOf(m));
      const e = escapeHtml;
      const canRelease = selfRelease && selfReleasable(reason.releaseClass);
      const action = canRelease
        ? `<form method="post" action="/q/${e(req.params.token)}"><input type="hidden" name="action" value="release"><p>` +
          `<button type="submit">配送する / Release</button></p></form>`
        : askSection(req.params.token, reason, await requestOf(deps.store, link.tenantId, link.messageId, link.recipient));
      const view = await messageViewOfRow(deps.store, m);
      const timeZone = await timeZoneOfTenant(deps.store, link.tenantId);
      const mail = view
        ? messageViewHtml(view, { lang: 'both', timeZone })
        : `<table><tr><th>差出人 / From</th><td>${e(m.header_from || m.mail_from || '(なし / none)')}</td></tr><tr><th>件名 / ` +
          `Subject</th><td>${e(m.subject)}</td></tr></table>`;
      return send(
        reply,
        200,
        `<p>次のメールは迷惑メールまたは危険なメールの疑いがあるため隔離されています。${canRelease ? '送信者に心当たりがあり、安全と判断できる場合のみ配送してください。' : ''}<br>This ` +
          `message was quarantined as suspected spam or dangerous mail.${
            canRelease ? ' Release it only if you know the sender and trust it.' : ''
          }</p>
<table><tr><th>理由 / Reason</th><td class="reason">${e(reasonLabel(reason, 'ja'))} / ${e(reasonLabel(reason, 'en'))}</td>` +
          `</tr><tr><th>配送先 / Deliver to</th><td>${e(link.recipient)}</td></tr><tr><th>受信日時 / Received</th>` +
          `<td>${e(formatDate('ja', Number(m.created_at), timeZone))}</td></tr></table>
${mail}
${action}`,
      );
    });

    scope.post<{ Params: { token: string }; Body: Record<string, string> | undefined }>('/q/:token', async (req, reply) => {
      const act = req.body?.action;
      if (act !== 'release' && act !== 'request') return message(reply, 400, 'invalid');
      try {
        if (act === 'request') {
          const { request } = await requestByLink(deps, req.params.token);
          return send(reply, 200, `<p role="status" class="request-state">${both((l) => requestStateText(request, l))}</p>`);
        }
        await releaseByLink(deps.store, req.params.token, async (t) => (await getSettings(deps.store, t)).selfRelease, deps.wake);
        return message(reply, 200, 'released');
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        if (err.code === 'admin_only') {
          const releaseClass = err.detail.releaseClass as ReleaseClass;
          return send(reply, 403, askSection(req.params.token, { releaseClass, score: null }, null));
        }
        if (err.code === 'not_found') return message(reply, 404, 'invalid');
        if (err.code === 'expired') return message(reply, 410, 'expired');
        // self-release is off for the tenant: say so, and offer the request instead
        if (err.code === 'forbidden') return send(reply, 403, askSection(req.params.token, { releaseClass: 'spam', score: null }, null));
        if (err.code === 'wrong_state' || err.code === 'busy') return message(reply, 200, 'done');
        throw err;
      }
    });
  });
}

/** The recipient's 解除を依頼 through their link: stored once, the admins told. */
async function requestByLink(deps: ReleasePageDeps, token: string): Promise<{ request: ReleaseRequest; link: LinkTarget }> {
  const link = await lookupReleaseLink(deps.store, token);
  if (!link) throw new ServiceError('not_found', 'unknown link');
  if (link.expiresAt < Date.now()) throw new ServiceError('expired', 'this link has expired');
  const { request } = await requestRelease(deps, link.tenantId, link.messageId, link.recipient, `recipient:${link.recipient}`);
  return { request, link };
}
