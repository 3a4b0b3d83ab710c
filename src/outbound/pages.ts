// The sender's and approver's pages behind the links in notices: /h/TOKEN (held: 今すぐ送信 /
// 送信取り消し), /c/TOKEN (送信確認画面: every recipient — under applyTo: external, every external
// one — and every attachment must be ticked before 送信), /a/TOKEN (承認 / 却下 with a comment;
// 開く opens an attached file, audited as attachment.viewed).
// Each shows the mail itself through the one message view (web/message-view-html.ts). A GET only
// shows; only a POST from the page's form acts, and it must echo the stage's form token — mail
// scanners that prefetch links change nothing.
// Japanese and English (?lang=en|ja, else Accept-Language), everything escaped, phone-sized.
import type { Lang } from '../util/lang.ts';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { messageViewOfRow, attachmentOfRow, type MessageView } from '../mime/message-view.ts';
import { MESSAGE_VIEW_CSS, fileLine, messageViewHtml } from '../web/message-view-html.ts';
import { sendAttachment } from '../web/attachment-download.ts';
import type { Message } from '../store/store.ts';
import { escapeHtml as e } from '../util/escape-html.ts';
import { outboundStateOf, STAGE_STATE } from './outbound-state.ts';
import type { OutboundState } from '../plan/outbound.ts';
import { linksDb, type OutboundEnv } from './stage-engine.ts';
import { hashToken } from '../util/id.ts';
import { approve, cancel, confirm, reject, release, type Actor } from './actions.ts';
import { ServiceError } from '../util/service-error.ts';
import { formatDate } from '../util/zoned-time.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';
import { describeNextStep, nextStepOf } from './next-step.ts';
import { tokenPageFailures, tokenPageScope } from '../web/token-page-scope.ts';
import { confirmationSheet, type ConfirmationSheet, type RecipientField, type SheetRecipient } from './confirmation.ts';
import { tenantScope } from '../store/tenant-scope.ts';

type Kind = 'h' | 'c' | 'a';
type L = Lang;

const T = {
  ja: {
    h: '保留中のメール',
    c: '送信確認画面',
    a: '承認依頼',
    subject: '件名',
    from: '送信者',
    to: '宛先',
    files: '添付ファイル',
    open: '開く',
    bodyGone: 'このメールの本文は保存されていません。',
    none: 'なし',
    until: '期限',
    sendNow: '今すぐ送信',
    confirmSend: '確認して送信',
    cancel: '送信取り消し',
    send: '送信',
    tickAll: 'すべての宛先と添付ファイルを確認し、チェックを付けてから「送信」を押してください。',
    tickExternal: '社外の宛先と添付ファイルを確認し、チェックを付けてから「送信」を押してください。社内の宛先はチェック不要です。',
    approve: '承認',
    reject: '却下',
    comment: 'コメント（任意・承認/却下の通知で送信者に届きます）',
    done: 'このメールはすでに処理されています。',
    state: '状態',
    notFound: 'このリンクは無効です。',
    notTicked: 'すべての宛先と添付ファイルにチェックを付けてください。チェックのない項目があるため送信していません。',
    notTickedExternal: '社外の宛先と添付ファイルのすべてにチェックを付けてください。チェックのない項目があるため送信していません。',
    fields: { to: '宛先 (To)', cc: 'Cc', bcc: 'Bcc（ほかの宛先には表示されません）' } as Record<RecipientField, string>,
    external: '社外',
    internal: '社内',
    firstContact: '初めての宛先',
    atDeadline: '期限を過ぎると',
    cancelAsk: 'このメールの送信を取り消しますか？取り消したメールは送信されず、元に戻せません。',
    cancelYes: '取り消す',
    rejectAsk: 'このメールを却下しますか？却下したメールは送信されずに破棄され、送信者に通知されます。元に戻せません。',
    rejectYes: '却下する',
    noteToSender: '送信者への通知に載るコメント',
    back: '戻る',
    expiredForm: 'ページの有効期限が切れました。もう一度開き直してください。',
    busy: 'ほかの操作と重なりました。少し待ってからもう一度お試しください。',
    // what the button did; describeNextStep then says where the mail really is now
    ok: {
      released: '保留を解除しました。',
      cancelled: '送信を取り消しました。',
      confirmed: '確認しました。',
      approved: '承認しました。',
      rejected: '却下しました。',
    },
    states: {
      held: '保留中',
      awaiting_confirmation: '送信確認待ち',
      awaiting_approval: '承認待ち',
      queued: '送信待ち',
      delivered: '送信済み',
      deferred: '再送待ち',
      bounced: '配送失敗',
      cancelled: '取り消し済み',
      discarded: '破棄済み',
    } as Record<string, string>,
  },
  en: {
    h: 'Held message',
    c: 'Confirm before sending',
    a: 'Approval request',
    subject: 'Subject',
    from: 'From',
    to: 'Recipients',
    files: 'Attachments',
    open: 'Open',
    bodyGone: 'The body of this message is no longer stored.',
    none: 'none',
    until: 'Until',
    sendNow: 'Send now',
    confirmSend: 'Confirm and send',
    cancel: 'Cancel sending',
    send: 'Send',
    tickAll: 'Check every recipient and attachment, tick each one, then press "Send".',
    tickExternal: 'Check every external recipient and attachment, tick each one, then press "Send". Internal recipients need no tick.',
    approve: 'Approve',
    reject: 'Reject',
    comment: 'Comment (optional; reaches the sender with the decision)',
    done: 'This message has already been handled.',
    state: 'State',
    notFound: 'This link is not valid.',
    notTicked: 'Please tick every recipient and attachment. Nothing was sent because some are not ticked.',
    notTickedExternal: 'Please tick every external recipient and attachment. Nothing was sent because some are not ticked.',
    fields: { to: 'To', cc: 'Cc', bcc: 'Bcc (not shown to the other recipients)' } as Record<RecipientField, string>,
    external: 'External',
    internal: 'Internal',
    firstContact: 'First time to this domain',
    atDeadline: 'At the deadline',
    cancelAsk: 'Cancel sending this message? A cancelled message is never sent; this cannot be undone.',
    cancelYes: 'Cancel sending',
    rejectAsk: 'Reject this message? It is discarded, never sent, and the sender is told. This cannot be undone.',
    rejectYes: 'Reject',
    noteToSender: 'Comment in the notice to the sender',
    back: 'Back',
    expiredForm: 'This page has expired. Please open the link again.',
    busy: 'Another action was under way. Please wait a moment and try again.',
    ok: {
      released: 'The hold was lifted.',
      cancelled: 'Sending was cancelled.',
      confirmed: 'Confirmed.',
      approved: 'Approved.',
      rejected: 'Rejected.',
    },
    states: {
      held: 'held',
      awaiting_confirmation: 'awaiting confirmation',
      awaiting_approval: 'awaiting approval',
      queued: 'queued',
      delivered: 'delivered',
      deferred: 'deferred',
      bounced: 'bounced',
      cancelled: 'cancelled',
      discarded: 'discarded',
    } as Record<string, string>,
  },
};

function langOf(req: FastifyRequest): L {
  const q = (req.query as Record<string, string | undefined>).lang;
  if (q === 'en' || q === 'ja') return q;
  const al = String(req.headers['accept-language'] ?? '').toLowerCase();
  const first = al.split(',')[0]?.trim() ?? '';
  return first.startsWith('en') ? 'en' : 'ja';
}

function page(lang: L, title: string, body: string, path: string): string {
  const other = lang === 'ja' ? 'en' : 'ja';
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" ` +
    `content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${e(title)} - Sekisho</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;` +
    `line-height:1.5}${MESSAGE_VIEW_CSS}dt{font-weight:bold;margin-top:.5rem}dd{margin:0;` +
    `word-break:break-all}button{font-size:1.1rem;padding:.7rem 1.2rem;margin:.5rem .5rem 0 0;border-radius:6px;border:1px ` +
    `solid #888}button.primary{background:#1a56db;color:#fff;border-color:#1a56db}button.danger{background:#c81e1e;` +
    `color:#fff;border-color:#c81e1e}label{display:block;padding:.4rem 0;word-break:break-all}textarea{width:100%;` +
    `min-height:4rem}.msg{padding:.7rem;background:#eef;border-radius:6px}.err{background:#fee}fieldset{border:1px solid ` +
    `#ccc;border-radius:6px;margin:.7rem 0}legend{font-weight:bold}.mark{display:inline-block;font-size:.85rem;padding:0 ` +
    `.4rem;border-radius:4px;margin-left:.3rem}.ext{background:#fde8e8;color:#9b1c1c}.int{background:#e1effe;color:#1e429f}` +
    `.notick{padding:.4rem 0 .4rem 1.6rem;word-break:break-all}.new{background:#fdf6b2;` +
    `color:#723b13}strong.domain{color:#9b1c1c}input[type=checkbox]{width:1.2rem;height:1.2rem;vertical-align:middle}</style></head>
<body><p style="text-align:right"><a href="${e(path)}?lang=${other}">${other === 'en' ? 'English' : '日本語'}</a></p>` +
    `<h1>${e(title)}</h1>${body}</body></html>`
  );
}

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').send(html);
}

interface Loaded {
  m: Message;
  state: OutboundState;
  linkStage: number;
  actor: string;
  /** the decoded mail; null when its body is no longer stored */
  view: MessageView | null;
  /** /c/ only: what the sender ticks */
  sheet: ConfirmationSheet | null;
  /** the tenant's time zone: every time on the page is in it */
  timeZone: string;
}

async function load(env: OutboundEnv, kind: Kind, token: string): Promise<Loaded | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const link = await linksDb(env.store)
    .selectFrom('outbound_links')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!link || link.kind !== kind) return null;
  const m = await env.store.message(link.message_id, tenantScope(link.tenant_id));
  if (!m) return null;
  const { state } = outboundStateOf(m);
  if (!state) return null;
  const view = await messageViewOfRow(env.store, m);
  const sheet = kind === 'c' ? await confirmationSheet(env.store, m, state, view) : null;
  const timeZone = await timeZoneOfTenant(env.store, link.tenant_id);
  return { m, state, linkStage: Number(link.stage), actor: link.actor, view, sheet, timeZone };
}

/** True while the link's stage is the one the message waits in: only then are buttons shown. */
function live(l: Loaded): boolean {
  const stage = l.state.stages[l.linkStage];
  return l.state.stage === l.linkStage && !!stage && STAGE_STATE[stage.type] === l.m.state;
}

function details(lang: L, kind: Kind, l: Loaded, ticks: boolean): string {
  const t = T[lang];
  const files = l.sheet?.attachments ?? [];
  const item = (name: string, value: string, html: string) =>
    `<label><input type="checkbox" name="${name}" value="${e(value)}" required> ${html}</label>`;
  const stage = l.state.stages[l.linkStage];
  const due = stage?.dueAt ? formatDate(lang, stage.dueAt, l.timeZone) : '';
  // 開く on the approval page: a POST echoing the form token, so a prefetched link opens nothing
  const formToken = e(stage?.formToken ?? '');
  const open =
    kind === 'a'
      ? (a: { index: number }) =>
          ` <form method="post" class="inline"><input type="hidden" name="formToken" value="${formToken}">` +
          `<input type="hidden" name="file" value="${a.index}"><button name="action" value="open">${t.open}</button></form>`
      : undefined;
  const mail = l.view
    ? messageViewHtml(l.view, { lang, listFiles: !ticks, fileControl: open, timeZone: l.timeZone })
    : `<dl><dt>${t.subject}</dt><dd>${e(l.m.subject || '(no subject)')}</dd><dt>${t.from}</dt>` +
      `<dd>${e(l.m.header_from || l.m.mail_from)}</dd></dl><p>${t.bodyGone}</p>`;
  const recipientLine = (r: SheetRecipient) => {
    const at = r.address.lastIndexOf('@');
    const local = e(r.address.slice(0, at + 1));
    // 社内 is marked where it matters: on a sheet that asks no tick for internal recipients
    const own = !r.external && l.sheet?.applyTo === 'external' ? ` <span class="mark int">${t.internal}</span>` : '';
    const marks =
      `${r.external ? ` <span class="mark ext">${t.external}</span>` : ''}${own}` +
      `${r.firstContact ? ` <span class="mark new">${t.firstContact}</span>` : ''}`;
    return r.external ? `${local}<strong class="domain">${e(r.domain)}</strong>${marks}` : `${e(r.address)}${marks}`;
  };
  // a recipient the sender need not tick (社内 under applyTo: external) is listed without a box
  const recipientItem = (r: SheetRecipient) =>
    r.needsTick ? item('r', r.address, recipientLine(r)) : `<div class="notick">${recipientLine(r)}</div>`;
  const fields = (['to', 'cc', 'bcc'] as const)
    .map((f) => [f, (l.sheet?.recipients ?? []).filter((r) => r.field === f)] as const)
    .filter(([, list]) => list.length > 0);
  const fileItems = files.map((f) => item('f', String(f.index), fileLine(f, { lang }))).join('');
  const tickLists = ticks
    ? `${fields.map(([f, list]) => `<fieldset><legend>${t.fields[f]}</legend>${list.map(recipientItem).join('')}</fieldset>`).join('')}
<fieldset><legend>${t.files}</legend>${files.length === 0 ? t.none : fileItems}</fieldset>`
    : '';
  // on the confirmation sheet the deadline is told with what happens then (next-step wording)
  const deadline =
    live(l) && due
      ? ticks
        ? `<dt>${t.atDeadline}</dt><dd>${e(describeNextStep(lang, nextStepOf(l.m.state, l.state), l.timeZone))}</dd>`
        : `<dt>${t.until}</dt><dd>${e(due)}</dd>`
      : '';
  return `${mail}${tickLists}<dl><dt>${t.state}</dt><dd>${e(t.states[l.m.state] ?? l.m.state)}</dd>${deadline}</dl>`;
}

function render(lang: L, kind: Kind, l: Loaded, path: string, note?: { text: string; error?: boolean }): string {
  const t = T[lang];
  const formToken = e(l.state.stages[l.linkStage]?.formToken ?? '');
  const hidden = `<input type="hidden" name="formToken" value="${formToken}"><input type="hidden" name="lang" value="${lang}">`;
  let forms = '';
  if (live(l)) {
    const manual = l.state.stages[l.linkStage]?.release === 'manual';
    if (kind === 'h')
      forms =
        `<form method="post">${hidden}<button class="primary" name="action" ` +
        `value="release">${manual ? t.confirmSend : t.sendNow}</button><button name="action" value="cancel">${t.cancel}</button>` +
        `</form>`;
    if (kind === 'a')
      forms =
        `<form method="post">${hidden}<label>${t.comment}<textarea name="comment" maxlength="2000"></textarea>` +
        `</label><button class="primary" name="action" value="approve">${t.approve}</button><button name="action" ` +
        `value="reject">${t.reject}</button></form>`;
  } else if (!note) {
    note = { text: t.done };
  }
  const msg = note ? `<p class="msg${note.error ? ' err' : ''}">${e(note.text)}</p>` : '';
  if (kind === 'c' && live(l)) {
    return page(
      lang,
      t.c,
      `${msg}<p>${l.sheet?.applyTo === 'external' ? t.tickExternal : t.tickAll}</p><form method="post">${hidden}` +
        `${details(lang, kind, l, true)}<button class="primary" name="action" value="confirm">${t.send}</button>` +
        `<button name="action" value="cancel" formnovalidate>${t.cancel}</button></form>`,
      path,
    );
  }
  return page(lang, t[kind], `${msg}${details(lang, kind, l, false)}${forms}`, path);
}

/** The second question before 送信取り消し / 却下: names the mail (and the note the sender will read) and says it cannot be undone. */
function askFirst(lang: L, l: Loaded, path: string, action: 'cancel' | 'reject', comment: string): string {
  const t = T[lang];
  const formToken = e(l.state.stages[l.linkStage]?.formToken ?? '');
  const [title, ask, yes] = action === 'cancel' ? [t.cancel, t.cancelAsk, t.cancelYes] : [t.reject, t.rejectAsk, t.rejectYes];
  const note = comment ? `<dt>${t.noteToSender}</dt><dd>${e(comment)}</dd>` : '';
  return page(
    lang,
    title,
    `<p class="msg">${e(ask)}</p><dl><dt>${t.subject}</dt>` +
      `<dd>${e(l.view?.subject || l.m.subject || '—')}</dd>${note}</dl><form method="post"><input type="hidden" ` +
      `name="formToken" value="${formToken}"><input type="hidden" name="lang" value="${lang}"><input type="hidden" name="sure" ` +
      `value="yes"><input type="hidden" name="comment" value="${e(comment)}"><button class="danger" name="action" ` +
      `value="${action}">${yes}</button></form><p><a href="${e(path)}?lang=${lang}">${t.back}</a></p>`,
    path,
  );
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * 開く on the approval page: the approver gets one attached file as a download, while the link
 * is valid and the form token matches (before and after the decision), audited as attachment.viewed.
 */
async function openAttachment(
  env: OutboundEnv,
  l: Loaded,
  file: string,
  reply: FastifyReply,
  refused: () => string,
  formToken: string,
): Promise<FastifyReply> {
  if (!sameToken(formToken, l.state.stages[l.linkStage]?.formToken ?? '') || !/^\d{1,4}$/.test(file)) return send(reply, 403, refused());
  const found = await attachmentOfRow(env.store, l.m, Number(file));
  if (!found) return send(reply, 404, refused());
  await env.store.appendEvent({
    tenantId: l.m.tenant_id,
    messageId: l.m.id,
    actor: l.actor,
    type: 'attachment.viewed',
    data: { index: Number(file), filename: found.filename, via: 'approval-page' },
  });
  return sendAttachment(reply, found);
}

export async function registerPages(app: FastifyInstance, env: OutboundEnv): Promise<void> {
  await tokenPageScope(app, { bodyLimit: 64 * 1024, failures: tokenPageFailures(env.store) }, (scope) => {
    for (const kind of ['h', 'c', 'a'] as const) {
      scope.get(`/${kind}/:token`, async (req, reply) => {
        const lang = langOf(req);
        const path = `/${kind}/${(req.params as { token: string }).token}`;
        const l = await load(env, kind, (req.params as { token: string }).token);
        if (!l) return send(reply, 404, page(lang, T[lang].notFound, '', path));
        return send(reply, 200, render(lang, kind, l, path));
      });
      scope.post(`/${kind}/:token`, async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, string | string[] | undefined>;
        const one = (k: string) => (Array.isArray(body[k]) ? (body[k] as string[])[0] : (body[k] as string | undefined)) ?? '';
        const many = (k: string) => (Array.isArray(body[k]) ? (body[k] as string[]) : body[k] ? [body[k] as string] : []);
        const lang: L = one('lang') === 'en' ? 'en' : one('lang') === 'ja' ? 'ja' : langOf(req);
        const t = T[lang];
        const token = (req.params as { token: string }).token;
        const path = `/${kind}/${token}`;
        const l = await load(env, kind, token);
        if (!l) return send(reply, 404, page(lang, t.notFound, '', path));
        const action = one('action');
        if (kind === 'a' && action === 'open')
          return openAttachment(
            env,
            l,
            one('file'),
            reply,
            () => render(lang, kind, l, path, { text: t.expiredForm, error: true }),
            one('formToken'),
          );
        if (!live(l)) return send(reply, 409, render(lang, kind, l, path));
        if (!sameToken(one('formToken'), l.state.stages[l.linkStage]?.formToken ?? ''))
          return send(reply, 403, render(lang, kind, l, path, { text: t.expiredForm, error: true }));
        const allowed: Record<Kind, string[]> = { h: ['release', 'cancel'], c: ['confirm', 'cancel'], a: ['approve', 'reject'] };
        if (!allowed[kind].includes(action)) return send(reply, 400, render(lang, kind, l, path, { text: t.expiredForm, error: true }));
        // 送信取り消し and 却下 ask once more (no script needed: the question is a page with its own form)
        if ((action === 'cancel' || action === 'reject') && one('sure') !== 'yes')
          return send(reply, 200, askFirst(lang, l, path, action, one('comment').slice(0, 2000)));
        const actor: Actor = { email: l.actor, role: 'user', scope: tenantScope(l.m.tenant_id), linkStage: l.linkStage };
        const comment = one('comment').slice(0, 2000);
        try {
          if (action === 'release') await release(env, l.m.id, actor);
          else if (action === 'cancel') await cancel(env, l.m.id, actor);
          else if (action === 'confirm')
            await confirm(env, l.m.id, actor, {
              recipients: many('r'),
              attachments: many('f')
                .filter((f) => /^\d{1,4}$/.test(f))
                .map(Number),
            });
          else if (action === 'approve') await approve(env, l.m.id, actor, comment);
          else await reject(env, l.m.id, actor, comment);
        } catch (err) {
          if (!(err instanceof ServiceError)) throw err;
          if (err.code === 'not_ticked') {
            const text = l.sheet?.applyTo === 'external' ? t.notTickedExternal : t.notTicked;
            return send(reply, 422, render(lang, kind, l, path, { text, error: true }));
          }
          const again = (await load(env, kind, token)) ?? l;
          return send(
            reply,
            err.code === 'busy' ? 503 : 409,
            render(lang, kind, again, path, { text: err.code === 'busy' ? t.busy : t.done, error: true }),
          );
        }
        const key = (
          action === 'release'
            ? 'released'
            : action === 'cancel'
              ? 'cancelled'
              : action === 'confirm'
                ? 'confirmed'
                : action === 'approve'
                  ? 'approved'
                  : 'rejected'
        ) as keyof typeof t.ok;
        const after = (await load(env, kind, token)) ?? l;
        const next = describeNextStep(lang, nextStepOf(after.m.state, after.state), after.timeZone);
        return send(reply, 200, render(lang, kind, after, path, { text: `${t.ok[key]} ${next}` }));
      });
    }
  });
}
