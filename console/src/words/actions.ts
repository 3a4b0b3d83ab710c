// What a rule does, in words: a planned action of a message (with its settings) or an entry of a
// rule's `then` in the policy in force ({ hold: { minutes: 5 } }), e.g. 「一時保留 5分（保留時間経過後に
// 自動送信）」. Action names are the glossary's (webDownload → Webダウンロード化).
import type { Translator } from '../i18n.ts';

/** The settings an action may carry (src/policy/schema.ts), all optional here. */
export interface PlannedAction {
  type: string;
  minutes?: number;
  release?: string;
  hours?: number;
  onTimeout?: string;
  by?: 'manager' | string[];
  approvers?: string[];
  moved?: string[];
  countAtLeast?: number;
  reason?: string;
  method?: string;
  passwordTo?: string;
  expiresDays?: number;
  maxDownloads?: number;
  passcode?: boolean;
  /** zipEncrypt, webDownload, bcc: whose copy is rewritten; confirm: whose ticks are asked (absent in plans made before it existed) */
  applyTo?: string;
  to?: string | string[];
  tag?: string;
  recipients?: string[];
  names?: string[];
}

const list = (t: Translator, xs: string[] | undefined) => (xs && xs.length > 0 ? xs.join(t('list.separator')) : '');

function approvers(t: Translator, a: PlannedAction): string {
  if (a.approvers && a.approvers.length > 0) return list(t, a.approvers);
  if (Array.isArray(a.by)) return list(t, a.by);
  return t('action.approvers.manager');
}

function notifyTo(t: Translator, a: PlannedAction): string {
  if (a.recipients && a.recipients.length > 0) return list(t, a.recipients);
  if (a.to === 'sender' || a.to === 'manager') return t(`action.notifyTo.${a.to}`);
  return Array.isArray(a.to) ? list(t, a.to) : '';
}

/** 「（社外の宛先だけ）」 when internal recipients keep the mail as written. */
function externalOnly(t: Translator, a: PlannedAction): string {
  return a.applyTo === 'external' ? t('action.applyTo.external') : '';
}

export function describeAction(t: Translator, a: PlannedAction): string {
  const onTimeout = t.maybe(`action.onTimeout.${a.onTimeout ?? 'discard'}`) ?? '';
  switch (a.type) {
    case 'hold':
      return t('action.hold', { minutes: a.minutes ?? 5, release: t.maybe(`action.release.${a.release ?? 'auto'}`) ?? '' });
    case 'confirm':
      return t('action.confirm', { hours: a.hours ?? 24, onTimeout }) + (a.applyTo === 'external' ? t('action.confirm.external') : '');
    case 'approve':
      return t('action.approve', { approvers: approvers(t, a), hours: a.hours ?? 24, onTimeout });
    case 'bcc':
      return (a.moved ? t('action.bcc.moved', { count: a.moved.length }) : t('action.bcc')) + externalOnly(t, a);
    case 'block':
      return t('action.block', { reason: a.reason ?? '' });
    case 'zipEncrypt':
      return t(a.passwordTo === 'recipients' ? 'action.zipEncrypt.recipients' : 'action.zipEncrypt') + externalOnly(t, a);
    case 'webDownload':
      return (
        t('action.webDownload', { days: a.expiresDays ?? 7 }) + (a.passcode ? t('action.webDownload.passcode') : '') + externalOnly(t, a)
      );
    case 'addBcc':
      return t('action.addBcc', { to: Array.isArray(a.to) ? list(t, a.to) : '' });
    case 'subjectTag':
      return t('action.subjectTag', { tag: a.tag ?? '' });
    case 'notify':
      return t('action.notify', { to: notifyTo(t, a) });
    case 'quarantine':
      return a.reason ? t('action.quarantine.reason', { reason: a.reason }) : t('action.quarantine');
    case 'reject':
      return a.reason ? t('action.reject.reason', { reason: a.reason }) : t('action.reject');
    case 'deliver':
      return t('action.deliver');
    case 'stripAttachments':
      return a.names ? t('action.stripAttachments.names', { names: list(t, a.names) }) : t('action.stripAttachments');
    default:
      return t('action.other');
  }
}

/** A `then` entry of the policy file: an object with one key naming the action. */
export function describePolicyAction(t: Translator, entry: Record<string, unknown>): string {
  const [type, params] = Object.entries(entry)[0] ?? ['', {}];
  const settings = params && typeof params === 'object' ? (params as Omit<PlannedAction, 'type'>) : {};
  return describeAction(t, { ...settings, type });
}
