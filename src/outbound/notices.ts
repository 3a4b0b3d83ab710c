// The outbound guard's notice mails (held, confirmation request, approval request, waiting for
// approval, BCC applied, blocked, released, discarded, approved, rejected, rule matched) in Japanese (polite です・ます,
// GLOSSARY words) and English, plain text and HTML. Links open a page whose button acts; the
// mail itself never carries an action a link pre-fetcher could trigger. Everything shown is
// HTML-escaped; times in the tenant's time zone. Sent through the durable queue as system mail (null sender, never re-filtered).
import type { NoticeLanguage } from '../util/lang.ts';
import { composeNotice, enqueueSystemMessage } from '../queue/system-mail.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_TIME_ZONE, formatDate } from '../util/zoned-time.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';
import { describeNextStep, type NextStep } from './next-step.ts';
import { escapeHtml } from '../util/escape-html.ts';

/** Which limit a submission ran into (src/accept/send-limits.ts), for the reply, the audit event and the admins' notice. */
export interface SendLimitHit {
  scope: 'user' | 'tenant';
  /** the user's address, or the tenant's name */
  who: string;
  what: 'messages' | 'recipients';
  limit: number;
  /** sent in the last hour (estimate), before this message */
  sent: number;
}

export type NoticeKind =
  | 'held'
  | 'confirm'
  | 'approval'
  | 'awaitingApproval'
  | 'bcc'
  | 'blocked'
  | 'released'
  | 'discarded'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'notify'
  | 'sendLimit';
export type Lang = NoticeLanguage;

export interface NoticeFacts {
  subject: string;
  from: string;
  recipients: string[];
  /** the page to open (held / confirm / approval) */
  url?: string;
  /** hold end / time-out */
  until?: number;
  /** hold release mode, for the held notice */
  release?: 'auto' | 'manual' | 'discard';
  onTimeout?: 'deliver' | 'discard';
  /** confirm: the sender ticks only the external recipients (confirm applyTo: external) */
  externalOnly?: boolean;
  reason?: string;
  rule?: string;
  actor?: string;
  comment?: string;
  moved?: string[];
  /** released / approved / awaitingApproval: where the mail is now and what happens next */
  next?: NextStep;
  /** sendLimit: the limit a user or the tenant reached (src/accept/send-limits.ts) */
  sendLimit?: SendLimitHit;
}

interface Text {
  subject: string;
  lines: string[];
  linkLabel?: string;
}

function ja(kind: NoticeKind, f: NoticeFacts, tz: string): Text {
  const until = f.until ? formatDate('ja', f.until, tz) : '';
  const who = f.actor ? `（${f.actor}）` : '';
  switch (kind) {
    case 'held':
      return {
        subject: `【送信保留】${f.subject}`,
        lines: [
          'お送りになったメールを一時保留しています。',
          f.release === 'auto'
            ? `${until} に自動送信されます。`
            : f.release === 'discard'
              ? `${until} までに「今すぐ送信」を押さない場合は破棄されます。`
              : '下のページで宛先を確認し「今すぐ送信」を押してください。押すまで送信されません。',
          '宛先の誤りに気付いた場合は、下のページで「送信取り消し」を押してください。',
        ],
        linkLabel: '保留中のメールを確認する',
      };
    case 'confirm':
      return {
        subject: `【送信確認】${f.subject}`,
        lines: [
          'メールはまだ送信されていません。',
          f.externalOnly
            ? '下の送信確認画面で社外の宛先と添付ファイルを確認し、チェックを付けて「送信」を押してください（社内の宛先はチェック不要です）。'
            : '下の送信確認画面ですべての宛先と添付ファイルを確認し、チェックを付けて「送信」を押してください。',
          until ? `${until} までに確認されない場合は${f.onTimeout === 'deliver' ? '自動送信されます' : '破棄されます'}。` : '',
        ],
        linkLabel: '送信確認画面を開く',
      };
    case 'approval':
      return {
        subject: `【承認依頼】${f.from} さんのメール: ${f.subject}`,
        lines: [
          `${f.from} さんのメールが上長承認を待っています（ルール: ${f.rule ?? ''}）。`,
          '下のページで内容を確認し、「承認」または「却下」を押してください。',
          until ? `${until} までに判断がない場合は${f.onTimeout === 'deliver' ? '送信されます' : '破棄されます'}。` : '',
        ],
        linkLabel: '承認画面を開く',
      };
    case 'bcc':
      return {
        subject: `【強制BCC化】${f.subject}`,
        lines: ['宛先をBCCに変換しました。受信者には他の宛先は表示されません。', `対象の宛先: ${(f.moved ?? []).join(', ')}`],
      };
    case 'sendLimit': {
      const h = f.sendLimit!;
      const unit = h.what === 'messages' ? '通' : '件';
      const limit = `${h.scope === 'user' ? `${h.who} さん` : '組織全体'}の 1 時間あたり${h.what === 'messages' ? '送信' : '宛先'} ${h.limit} ${unit}`;
      return {
        subject: `【送信上限】${h.scope === 'user' ? h.who : '組織全体'}の送信を一時的に止めています`,
        lines: [
          `送信数の上限（${limit}）に達したため、次のメールを受け付けず、送信元に後で再送するよう応答しました（451 4.7.1）。`,
          `直近 1 時間の${h.what === 'messages' ? '送信' : '宛先'}: ${h.sent} ${unit}`,
          'アカウントが不正に使われていないかご確認ください。心当たりがなければパスワードを変更し、必要ならユーザーを無効にしてください。',
          '1 時間のうちに送信数が上限を下回れば、再送されたメールは受け付けられます。この通知は 1 時間に 1 回だけ送られます。',
        ],
      };
    }
    case 'blocked':
      return {
        subject: `【送信ブロック】${f.subject}`,
        lines: [
          '次の理由により、メールは送信されませんでした（送信ブロック）。',
          `理由: ${f.reason ?? ''}`,
          `ルール: ${f.rule ?? ''}`,
          'ご不明な点はシステム管理者にお問い合わせください。',
        ],
      };
    case 'released':
      return {
        subject: `【保留解除】${f.subject}`,
        lines: [`メールの保留が解除されました${who}。`, f.next ? describeNextStep('ja', f.next, tz) : ''],
      };
    case 'awaitingApproval':
      return {
        subject: `【承認待ち】${f.subject}`,
        lines: [f.next ? describeNextStep('ja', f.next, tz) : '上長の承認待ちになりました。承認されるまで送信されません。'],
      };
    case 'discarded':
      return {
        subject: `【破棄】${f.subject}`,
        lines: [`メールは送信されずに破棄されました${who}。`, f.reason ? `理由: ${f.reason}` : ''],
      };
    case 'cancelled':
      return { subject: `【送信取り消し】${f.subject}`, lines: [`メールの送信は取り消されました${who}。`] };
    case 'approved':
      return {
        subject: `【承認】${f.subject}`,
        lines: [
          `メールが承認されました${who}。`,
          f.comment ? `コメント: ${f.comment}` : '',
          f.next ? describeNextStep('ja', f.next, tz) : '',
        ],
      };
    case 'rejected':
      return {
        subject: `【却下】${f.subject}`,
        lines: [`メールは却下され、送信されませんでした${who}。`, f.comment ? `コメント: ${f.comment}` : ''],
      };
    case 'notify':
      return { subject: `【送信フィルター】${f.subject}`, lines: [`${f.from} さんのメールがルール「${f.rule ?? ''}」に該当しました。`] };
  }
}

function en(kind: NoticeKind, f: NoticeFacts, tz: string): Text {
  const until = f.until ? formatDate('en', f.until, tz) : '';
  const who = f.actor ? ` (by ${f.actor})` : '';
  switch (kind) {
    case 'held':
      return {
        subject: `[Held] ${f.subject}`,
        lines: [
          'Your message is on hold.',
          f.release === 'auto'
            ? `It will be sent automatically at ${until}.`
            : f.release === 'discard'
              ? `Unless you press "Send now" by ${until}, it will be discarded.`
              : 'Check the recipients on the page below and press "Send now"; it is not sent until you do.',
          'If a recipient is wrong, press "Cancel sending" on that page.',
        ],
        linkLabel: 'Review the held message',
      };
    case 'confirm':
      return {
        subject: `[Please confirm] ${f.subject}`,
        lines: [
          'Your message has not been sent yet.',
          f.externalOnly
            ? 'Tick every external recipient and attachment on the confirmation page below and press "Send" ' +
              '(internal recipients need no tick).'
            : 'Tick every recipient and attachment on the confirmation page below and press "Send".',
          until ? `If it is not confirmed by ${until}, it will be ${f.onTimeout === 'deliver' ? 'sent' : 'discarded'}.` : '',
        ],
        linkLabel: 'Open the confirmation page',
      };
    case 'approval':
      return {
        subject: `[Approval request] ${f.subject} from ${f.from}`,
        lines: [
          `A message from ${f.from} needs your approval (rule: ${f.rule ?? ''}).`,
          'Review it on the page below and press "Approve" or "Reject".',
          until ? `Without a decision by ${until} it will be ${f.onTimeout === 'deliver' ? 'sent' : 'discarded'}.` : '',
        ],
        linkLabel: 'Open the approval page',
      };
    case 'bcc':
      return {
        subject: `[Moved to Bcc] ${f.subject}`,
        lines: ['The To and Cc addresses were moved to Bcc: recipients do not see each other.', `Addresses: ${(f.moved ?? []).join(', ')}`],
      };
    case 'sendLimit': {
      const h = f.sendLimit!;
      const whose = h.scope === 'user' ? `${h.who}'s` : "the organisation's";
      return {
        subject: `[Send limit] Sending by ${h.scope === 'user' ? h.who : 'the organisation'} is paused`,
        lines: [
          `${whose} send limit (${h.limit} ${h.what} per hour) was reached: the message below was not accepted ` +
            'and its sender was told to retry later (451 4.7.1).',
          `${h.what === 'messages' ? 'Messages' : 'Recipients'} in the last hour: ${h.sent}`,
          'Please check that the account is not being misused. ' +
            'If nobody expected this, change its password and disable the user if needed.',
          'Retried mail is accepted again once the last hour falls under the limit. This notice is sent at most once an hour.',
        ],
      };
    }
    case 'blocked':
      return {
        subject: `[Blocked] ${f.subject}`,
        lines: [
          'Your message was not sent (blocked by policy).',
          `Reason: ${f.reason ?? ''}`,
          `Rule: ${f.rule ?? ''}`,
          'Please contact your administrator if you have questions.',
        ],
      };
    case 'released':
      return {
        subject: `[Released] ${f.subject}`,
        lines: [`The hold on your message was lifted${who}.`, f.next ? describeNextStep('en', f.next, tz) : ''],
      };
    case 'awaitingApproval':
      return {
        subject: `[Awaiting approval] ${f.subject}`,
        lines: [f.next ? describeNextStep('en', f.next, tz) : "It now waits for a manager's approval and is not sent until approved."],
      };
    case 'discarded':
      return {
        subject: `[Discarded] ${f.subject}`,
        lines: [`Your message was discarded and not sent${who}.`, f.reason ? `Reason: ${f.reason}` : ''],
      };
    case 'cancelled':
      return { subject: `[Cancelled] ${f.subject}`, lines: [`Sending was cancelled${who}.`] };
    case 'approved':
      return {
        subject: `[Approved] ${f.subject}`,
        lines: [
          `Your message was approved${who}.`,
          f.comment ? `Comment: ${f.comment}` : '',
          f.next ? describeNextStep('en', f.next, tz) : '',
        ],
      };
    case 'rejected':
      return {
        subject: `[Rejected] ${f.subject}`,
        lines: [`Your message was rejected and not sent${who}.`, f.comment ? `Comment: ${f.comment}` : ''],
      };
    case 'notify':
      return { subject: `[Outbound filter] ${f.subject}`, lines: [`A message from ${f.from} matched the rule "${f.rule ?? ''}".`] };
  }
}

/** Subject, plain text and HTML of one notice, times in `timeZone`; 'both' puts Japanese first, then English. */
export function renderNotice(
  kind: NoticeKind,
  lang: Lang,
  f: NoticeFacts,
  timeZone = DEFAULT_TIME_ZONE,
): { subject: string; text: string; html: string } {
  const parts = (lang === 'both' ? ['ja', 'en'] : [lang]).map((l) => (l === 'ja' ? ja(kind, f, timeZone) : en(kind, f, timeZone)));
  const detail = (l: Text, isJa: boolean) => [
    ...l.lines.filter(Boolean),
    // a notice about no particular message (sendLimit) has neither
    ...(kind === 'sendLimit'
      ? []
      : ['', `${isJa ? '件名' : 'Subject'}: ${f.subject}`, `${isJa ? '宛先' : 'Recipients'}: ${f.recipients.join(', ')}`]),
  ];
  const text = parts
    .map((l, i) => {
      const isJa = lang === 'ja' || (lang === 'both' && i === 0);
      return [...detail(l, isJa), ...(f.url && l.linkLabel ? ['', `${l.linkLabel}:`, f.url] : [])].join('\n');
    })
    .join('\n\n----------------------------------------\n\n');
  const html = parts
    .map((l, i) => {
      const isJa = lang === 'ja' || (lang === 'both' && i === 0);
      const body = detail(l, isJa)
        .map((line) => (line ? `<p style="margin:0 0 8px">${escapeHtml(line)}</p>` : ''))
        .join('');
      const link =
        f.url && l.linkLabel
          ? `<p><a href="${escapeHtml(f.url)}" style="display:inline-block;padding:10px 16px;background:#1a56db;color:#fff;` +
            `text-decoration:none;border-radius:4px">${escapeHtml(l.linkLabel)}</a></p>`
          : '';
      return `<div lang="${isJa ? 'ja' : 'en'}">${body}${link}</div>`;
    })
    .join('<hr>');
  const subject = parts.length === 2 ? `${parts[0]!.subject} / ${parts[1]!.subject}` : parts[0]!.subject;
  return { subject, text: text + '\n', html: `<!doctype html><html><body style="font-family:sans-serif">${html}</body></html>` };
}

export interface NoticeEnv {
  store: Store;
  hostname: string;
  wake?: () => void;
}

/** Queues one notice for a tenant; related to a stored message when there is one. */
export async function sendNotice(
  env: NoticeEnv,
  n: { tenantId: string; to: string[]; kind: NoticeKind; lang: Lang; facts: NoticeFacts; relatedMessageId?: string | null },
): Promise<string | null> {
  const to = [...new Set(n.to.map((a) => a.toLowerCase()).filter((a) => a.includes('@')))];
  if (to.length === 0) return null;
  const r = renderNotice(n.kind, n.lang, n.facts, await timeZoneOfTenant(env.store, n.tenantId));
  const raw = await composeNotice(
    {
      from: `Sekisho <postmaster@${env.hostname}>`,
      to,
      subject: r.subject,
      text: r.text,
      html: r.html,
      headers: { 'X-Sekisho-Notice': n.kind },
    },
    env.hostname,
  );
  const id = await enqueueSystemMessage(env.store, {
    tenantId: n.tenantId,
    to,
    raw,
    kind: `outbound.${n.kind}`,
    relatedMessageId: n.relatedMessageId ?? null,
  });
  env.wake?.();
  return id;
}
