// A rule's `when` (as in the policy in force, src/policy/schema.ts) in words, one line per
// condition: 「社外の宛先を含む」「添付ファイル名が *.xlsx に一致」. Patterns and addresses are the
// admin's own text and stay as written.
import type { Translator } from '../i18n.ts';
import { formatSize } from '../i18n.ts';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

function recipientLines(t: Translator, r: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const sep = t('list.separator');
  if (r.any !== undefined) lines.push(t('cond.recipients.any', { list: strings(r.any).join(sep) }));
  if (r.all !== undefined) lines.push(t('cond.recipients.all', { list: strings(r.all).join(sep) }));
  if (typeof r.external === 'string') lines.push(t.maybe(`cond.external.${r.external}`) ?? t('cond.other'));
  if (typeof r.countAtLeast === 'number') lines.push(t('cond.recipients.count', { n: r.countAtLeast }));
  if (typeof r.externalCountAtLeast === 'number') lines.push(t('cond.recipients.externalCount', { n: r.externalCountAtLeast }));
  const sets = strings(r.in);
  if (sets.length > 0 && !(sets.length === 1 && sets[0] === 'envelope'))
    lines.push(t('cond.recipients.in', { sets: sets.map((s) => t.maybe(`cond.set.${s}`) ?? s).join(sep) }));
  return lines;
}

export function describeConditions(t: Translator, when: Record<string, unknown> | null): string[] {
  const sep = t('list.separator');
  const lines: string[] = [];
  for (const [key, value] of Object.entries(when ?? {})) {
    if (value === undefined) continue;
    if (key === 'recipients' && value && typeof value === 'object') lines.push(...recipientLines(t, value as Record<string, unknown>));
    else if (
      key === 'attachments' ||
      key === 'firstContactDomain' ||
      key === 'lookalikeDomain' ||
      key === 'encryptedArchive' ||
      key === 'inspectionIncomplete'
    )
      lines.push(t.maybe(`cond.${key}.${value ? 'yes' : 'no'}`) ?? t('cond.other'));
    else if (key === 'attachmentSizeAtLeast' && typeof value === 'number')
      lines.push(t('cond.attachmentSizeAtLeast', { size: formatSize(value, t.lang) }));
    else if (key === 'spamScoreAtLeast') lines.push(t('cond.spamScoreAtLeast', { n: String(value) }));
    else if (key === 'detect')
      lines.push(
        t('cond.detect', {
          list: strings(value)
            .map((d) => t.maybe(`detector.${d}`) ?? d)
            .join(sep),
        }),
      );
    else if (key === 'authFail')
      lines.push(
        t('cond.authFail', {
          list: strings(value)
            .map((c) => c.toUpperCase())
            .join(sep),
        }),
      );
    else lines.push(t.maybe(`cond.${key}`, { list: strings(value).join(sep) }) ?? t('cond.other'));
  }
  return lines.length > 0 ? lines : [t('cond.always')];
}
