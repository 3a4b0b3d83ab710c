// The JSON shape of a message in API answers: envelope, state, the rules that matched and the
// actions planned (so a sender sees what was done: BCC, ZIP, download links — with their settings,
// so the console can say it in the viewer's language), and the stage it waits in. Never the raw
// plan (it holds form tokens of the confirmation pages).
import type { Message } from '../../store/store.ts';
import type { PlannedAction } from '../../policy/evaluate.ts';
import { SYSTEM_SUBMITTER } from '../../store/message-search.ts';
import { outboundStateOf } from '../../outbound/outbound-state.ts';
import { describeAction } from '../../outbound/policy-replay.ts';
import { bool, int, list, nullable, num, object, oneOfStrings, str, strList, type Schema } from './schema-kit.ts';

/** An action's settings without its bookkeeping (`source`), plus the English one-liner for scripts. */
function actionView(a: PlannedAction) {
  const { source: _source, ...settings } = a;
  return { ...settings, detail: describeAction(a) };
}

export function messageView(m: Message) {
  const { state } = outboundStateOf(m);
  const stage = state && state.stage >= 0 ? state.stages[state.stage] : undefined;
  return {
    id: m.id,
    direction: m.direction,
    notice: m.submitted_by === SYSTEM_SUBMITTER,
    state: m.state,
    createdAt: Number(m.created_at),
    updatedAt: Number(m.updated_at),
    dueAt: m.due_at === null ? null : Number(m.due_at),
    mailFrom: m.mail_from,
    headerFrom: m.header_from,
    subject: m.subject,
    recipients: m.recipients,
    size: Number(m.size),
    submittedBy: m.submitted_by,
    lastError: m.last_error,
    bodyPurgedAt: m.body_purged_at === null ? null : Number(m.body_purged_at),
    rules: state?.plan.matchedRules ?? [],
    actions: (state?.plan.actions ?? []).map(actionView),
    stage: stage
      ? { type: stage.type, rule: stage.rule, dueAt: stage.dueAt ?? null, approvers: stage.approvers ?? [], release: stage.release ?? null }
      : null,
  };
}

export const ACTION_TYPES = [
  'hold',
  'confirm',
  'approve',
  'bcc',
  'block',
  'zipEncrypt',
  'webDownload',
  'addBcc',
  'subjectTag',
  'notify',
] as const;

/** A planned action: `type`, `rule` and `detail` always; the settings of its type (src/policy/schema.ts). */
export const plannedActionSchema: Schema = object(
  {
    type: oneOfStrings(ACTION_TYPES),
    rule: str,
    detail: str,
    minutes: int,
    release: oneOfStrings(['auto', 'manual', 'discard']),
    hours: int,
    onTimeout: oneOfStrings(['deliver', 'discard']),
    by: { anyOf: [{ const: 'manager' }, strList] },
    approvers: strList,
    moved: strList,
    notify: bool,
    countAtLeast: int,
    reason: str,
    method: oneOfStrings(['aes256', 'zipcrypto']),
    passwordTo: oneOfStrings(['sender', 'recipients']),
    filenameCharset: oneOfStrings(['utf8', 'cp932']),
    position: oneOfStrings(['top', 'bottom']),
    expiresDays: int,
    maxDownloads: int,
    passcode: bool,
    language: oneOfStrings(['ja', 'en', 'both']),
    to: { anyOf: [oneOfStrings(['sender', 'manager']), strList] },
    tag: str,
    recipients: strList,
    template: str,
    /** zipEncrypt, webDownload, bcc, confirm: whose copy or ticks the action is for */
    applyTo: oneOfStrings(['all', 'external']),
    /** a hold whose minutes are the sender's own setting (users page), not the rule's */
    userMinutes: bool,
  },
  [
    'minutes',
    'release',
    'hours',
    'onTimeout',
    'by',
    'approvers',
    'moved',
    'notify',
    'countAtLeast',
    'reason',
    'method',
    'passwordTo',
    'filenameCharset',
    'position',
    'expiresDays',
    'maxDownloads',
    'passcode',
    'language',
    'to',
    'tag',
    'recipients',
    'template',
    'applyTo',
    'userMinutes',
  ],
);

export const messageFields: Record<string, Schema> = {
  id: str,
  direction: oneOfStrings(['outbound', 'inbound']),
  /** Sekisho's own mail (a notice, a digest, a bounce report), not a person's */
  notice: bool,
  /** held, awaiting_approval, awaiting_confirmation, queued, deferred, delivered, bounced, … */
  state: str,
  createdAt: num,
  updatedAt: num,
  dueAt: nullable(num),
  mailFrom: str,
  headerFrom: str,
  subject: str,
  recipients: strList,
  size: num,
  submittedBy: nullable(str),
  lastError: nullable(str),
  /** when the retention purge removed the body and attachments (the row stays); null while kept */
  bodyPurgedAt: nullable(num),
  rules: strList,
  actions: list(plannedActionSchema),
  stage: nullable(
    object({
      type: oneOfStrings(['hold', 'confirm', 'approve']),
      rule: str,
      dueAt: nullable(num),
      approvers: strList,
      release: nullable(oneOfStrings(['auto', 'manual', 'discard'])),
    }),
  ),
};

export const messageSchema: Schema = object(messageFields);
