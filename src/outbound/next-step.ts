// What happens next to an outbound message, told truthfully from the state it is really in after
// an action: the sender's notice after a release or approval, the /h /c /a pages after a button,
// and the notice that mail now waits for approval all say it with these words. Never "sent"
// for mail that is not on its way (issue 16: a stage-1 release once said so of mail that went to
// approval). Times in the tenant's time zone (users/tenant-profile.ts).
import type { MessageState } from '../store/schema/message-state.ts';
import { formatDate } from '../util/zoned-time.ts';
import { stageDeadline } from './outbound-state.ts';
import type { OutboundState, StageType } from '../plan/outbound.ts';

/** The step a message is at, as a notice or page tells it. */
export type NextStep =
  | { kind: 'sending' }
  | { kind: 'sent' }
  | {
      kind: 'stage';
      type: StageType;
      dueAt?: number;
      release?: 'auto' | 'manual' | 'discard';
      onTimeout?: 'deliver' | 'discard';
      approvers?: string[];
      /** confirm: only the external recipients need a tick */
      externalOnly?: boolean;
    }
  | { kind: 'notSent' };

/** The step of a message in `state` with the outbound stages `outbound` (null for mail without stages). */
export function nextStepOf(state: MessageState, outbound: OutboundState | null): NextStep {
  if (state === 'queued' || state === 'deferred') return { kind: 'sending' };
  if (state === 'delivered') return { kind: 'sent' };
  if ((state === 'held' || state === 'awaiting_confirmation' || state === 'awaiting_approval') && outbound && outbound.stage >= 0) {
    const s = outbound.stages[outbound.stage]!;
    return {
      kind: 'stage',
      type: s.type,
      dueAt: stageDeadline(s),
      release: s.release,
      onTimeout: s.onTimeout,
      approvers: s.approvers,
      ...(s.type === 'confirm' && s.applyTo === 'external' ? { externalOnly: true } : {}),
    };
  }
  return { kind: 'notSent' };
}

/** One or two sentences: where the mail is now and what happens next. */
export function describeNextStep(lang: 'ja' | 'en', step: NextStep, timeZone: string): string {
  return lang === 'ja' ? ja(step, timeZone) : en(step, timeZone);
}

function ja(step: NextStep, tz: string): string {
  switch (step.kind) {
    case 'sending':
      return '送信キューに入りました。まもなく送信されます。';
    case 'sent':
      return '送信されました。';
    case 'notSent':
      return 'このメールは送信されません。';
    case 'stage': {
      const until = step.dueAt ? formatDate('ja', step.dueAt, tz) : '';
      if (step.type === 'approve') {
        const who = step.approvers?.length ? `（承認者: ${step.approvers.join('、')}）` : '';
        const late = until ? `${until} までに判断がない場合は${step.onTimeout === 'deliver' ? '送信されます' : '破棄されます'}。` : '';
        return `上長の承認待ちになりました${who}。承認されるまで送信されません。${late}`;
      }
      if (step.type === 'confirm')
        return (
          `送信確認待ちです。確認画面で${step.externalOnly ? '社外の宛先' : '宛先'}と添付ファイルを確認して「送信」を押すまで送信されません。` +
          (until
            ? `${until} までに確認がない場合は${step.onTimeout === 'deliver' ? '確認なしで送信されます' : '破棄されます（送信されません）'}。`
            : '')
        );
      if (step.release === 'auto') return `保留中です。${until} に送信されます。`;
      if (step.release === 'discard') return `保留中です。${until} までに「今すぐ送信」を押さない場合は破棄されます。`;
      return `保留中です。「今すぐ送信」を押すまで送信されません。${until ? `（期限 ${until}）` : ''}`;
    }
  }
}

/** What becomes of mail not confirmed in time, in English. */
function onTimeoutEn(onTimeout: 'deliver' | 'discard' | undefined): string {
  return onTimeout === 'deliver' ? 'sent unconfirmed' : 'discarded (not sent)';
}

function en(step: NextStep, tz: string): string {
  switch (step.kind) {
    case 'sending':
      return 'It is in the send queue and goes out shortly.';
    case 'sent':
      return 'It has been sent.';
    case 'notSent':
      return 'This message will not be sent.';
    case 'stage': {
      const until = step.dueAt ? formatDate('en', step.dueAt, tz) : '';
      if (step.type === 'approve') {
        const who = step.approvers?.length ? ` (approver: ${step.approvers.join(', ')})` : '';
        const late = until ? ` Without a decision by ${until} it will be ${step.onTimeout === 'deliver' ? 'sent' : 'discarded'}.` : '';
        return `It now waits for a manager's approval${who} and is not sent until approved.${late}`;
      }
      if (step.type === 'confirm')
        return (
          `It waits for your confirmation: it is not sent until you tick every ${step.externalOnly ? 'external ' : ''}recipient ` +
          'and attachment and press "Send".' +
          (until ? ` Without a confirmation by ${until} it will be ${onTimeoutEn(step.onTimeout)}.` : '')
        );
      if (step.release === 'auto') return `It is on hold and will be sent at ${until}.`;
      if (step.release === 'discard') return `It is on hold; unless you press "Send now" by ${until}, it will be discarded.`;
      return `It is on hold and is not sent until you press "Send now"${until ? ` (by ${until})` : ''}.`;
    }
  }
}
