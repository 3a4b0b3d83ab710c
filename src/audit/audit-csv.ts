// The audit log as CSV for Excel: UTF-8 with a BOM (Excel reads BOM-less CSV as Shift_JIS and
// garbles Japanese), CRLF lines and RFC 4180 quoting, one header row in the viewer's language,
// times as ISO 8601 with the offset (`2026-12-03T23:34:05+09:00`) in the row's tenant's time zone, and each event described in
// the words the screen shows. A cell that starts with = + - @ (or a tab / CR) gets a leading
// single quote, so a crafted subject cannot become a formula in the admin's spreadsheet.
import { actorLabel, eventSentence, type Words } from './event-words.ts';
import { groupOf } from './event-groups.ts';
import type { AuditRow } from './audit-row.ts';
import { isoInZone } from '../util/zoned-time.ts';

export const BOM = '\uFEFF';
const COLUMNS = ['at', 'group', 'event', 'actor', 'description', 'subject', 'messageId', 'tenant'] as const;

/** One RFC 4180 field, neutralised against formula injection. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function csvHeader(t: Words): string {
  return BOM + csvLine(COLUMNS.map((c) => t.maybe(`audit.col.${c}`) ?? c));
}

function parseData(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function csvRow(t: Words, row: AuditRow, timeZone: string): string {
  const data = parseData(row.data);
  const group = groupOf(row.type);
  const subject = row.subject ?? (typeof data.subject === 'string' ? data.subject : '');
  return csvLine([
    isoInZone(row.at, timeZone),
    group ? (t.maybe(`auditGroup.${group}`) ?? group) : '',
    t.maybe(`ev.${row.type}`) ?? t.maybe('ev.other') ?? row.type,
    actorLabel(t, row.actor),
    eventSentence(t, row.type, data),
    subject,
    row.messageId ?? (typeof data.queueId === 'string' ? data.queueId : ''),
    row.tenantName ?? '',
  ]);
}
