// An audit event of a message's timeline in words: its type (ev.<type>) and the facts of its data
// that a person reads (rule, comment, reason, recipients, file…), each with a label. Fields
// without a label are left out here (`sekisho message show` prints everything).
import type { Translator } from '../i18n.ts';
import { roleLabel, ruleLabel } from './states.ts';

export function eventLabel(t: Translator, type: string): string {
  return t.maybe(`ev.${type}`) ?? t('ev.other');
}

const FIELDS = [
  'rule',
  'matchedRules',
  'comment',
  'reason',
  'to',
  'recipients',
  'recipient',
  'file',
  'kind',
  'email',
  'role',
  'score',
  'ip',
] as const;

function valueText(t: Translator, key: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (key === 'rule') return ruleLabel(t, String(value));
  if (key === 'role') return roleLabel(t, String(value));
  // notice kinds come as outbound.approval, quarantine-digest, zip-password…
  if (key === 'kind') return t.maybe(`notice.${String(value).replace(/^outbound\./, '')}`) ?? t('notice.other');
  if (key === 'file' && value === 'all') return t('evdata.allFiles');
  if (Array.isArray(value)) {
    const items = value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
    return items.length > 0 ? items.map((s) => (key === 'matchedRules' ? ruleLabel(t, s) : s)).join(t('list.separator')) : null;
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return null;
}

/** "ルール：社外宛て保留" … for the fields a person reads. */
export function eventFacts(t: Translator, data: Record<string, unknown>): Array<{ label: string; value: string }> {
  const out: Array<{ label: string; value: string }> = [];
  for (const key of FIELDS) {
    const text = valueText(t, key, data[key]);
    // `accepted` counts its recipients; other events list them
    const label = key === 'recipients' && typeof data[key] === 'number' ? t('evdata.recipientCount') : t(`evdata.${key}`);
    if (text !== null) out.push({ label, value: text });
  }
  return out;
}
