// Moments as people read them, in a named IANA time zone (a tenant's, see users/tenant-profile.ts):
// the one date format of pages, notices, digests and DSNs (`2026年12月3日(木) 23:34` /
// `Thu 3 Dec 2026 23:34 (GMT+1)`), ISO 8601 with the zone's offset (CSV, CLI), and the zone's
// midnight for "today" counts. Pure functions; a zone this runtime does not know is refused by
// isTimeZone and never stored, so formatting does not check again.

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

export type DateLang = 'ja' | 'en';

/** Whether `name` is an IANA zone this runtime knows (Europe/Berlin yes, Berlin or +01:00 no). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

function cachedFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formats.set(key, f);
  }
  return f;
}

function parts(date: Date, locale: string, options: Intl.DateTimeFormatOptions): Record<string, string> {
  return Object.fromEntries(
    cachedFormat(locale, options)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
}

/** The zone's offset from UTC at `date` in minutes (Berlin in winter: 60). */
export function offsetMinutes(date: Date | number, zone: string): number {
  const name = parts(new Date(date), 'en-US', { timeZone: zone, timeZoneName: 'longOffset' }).timeZoneName ?? 'GMT';
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** +09:00, -05:00, +00:00 */
function isoOffset(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** GMT+9, GMT+5:30, GMT */
function gmtLabel(minutes: number): string {
  if (minutes === 0) return 'GMT';
  const a = Math.abs(minutes);
  return `GMT${minutes < 0 ? '-' : '+'}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, '0')}` : ''}`;
}

/**
 * The one format people read a moment in: ja `2026年12月3日(木) 23:34`, en
 * `Thu 3 Dec 2026 23:34 (GMT+1)`, both in `zone`.
 */
export function formatDate(lang: DateLang, date: Date | number, zone: string): string {
  const d = new Date(date);
  const ja = lang === 'ja';
  const p = parts(d, ja ? 'ja-JP' : 'en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: ja ? 'numeric' : 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  if (ja) return `${p.year}年${Number(p.month)}月${Number(p.day)}日(${p.weekday}) ${p.hour}:${p.minute}`;
  return `${p.weekday} ${Number(p.day)} ${p.month} ${p.year} ${p.hour}:${p.minute} (${gmtLabel(offsetMinutes(d, zone))})`;
}

/** ISO 8601 with the zone's offset, to the second: 2026-12-03T23:34:05+01:00 */
export function isoInZone(date: Date | number, zone: string): string {
  const d = new Date(date);
  const p = parts(d, 'en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${isoOffset(offsetMinutes(d, zone))}`;
}

/** The calendar day of `date` in `zone`: 2026-12-03 */
export function dayInZone(date: Date | number, zone: string): string {
  return isoInZone(date, zone).slice(0, 10);
}

/** The zone's midnight at the start of the day `now` falls on (daylight-saving days included). */
export function dayStartInZone(now: number, zone: string): number {
  return midnightInZone(dayInZone(now, zone), zone);
}

/** The zone's midnight starting the calendar day `day` (YYYY-MM-DD), `plusDays` later. */
export function midnightInZone(day: string, zone: string, plusDays = 0): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d + plusDays);
  // the offset at midnight may differ from now's (a DST change during the day): settle it twice
  let start = utcMidnight - offsetMinutes(utcMidnight, zone) * 60_000;
  start = utcMidnight - offsetMinutes(start, zone) * 60_000;
  return start;
}
