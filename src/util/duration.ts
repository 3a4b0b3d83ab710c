// Human durations in settings and CLI options ("90s", "5m", "4h", "5d", "1w"; a bare number is
// seconds; units in either case) to milliseconds. Errors name the setting. Whether 0 is allowed is
// the caller's rule (delayWarningAfter "0" turns warnings off; a retry delay of 0 is refused).
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, setting = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) throw new Error(`${setting}: "${text}" is not a duration like 30s, 5m, 4h or 5d`);
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]!);
}

export function parseDurationList(text: string, setting = 'duration list'): number[] {
  const parts = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error(`${setting}: empty list, expected e.g. "1m,5m,15m,30m,1h,2h"`);
  return parts.map((p) => parseDuration(p, setting));
}
