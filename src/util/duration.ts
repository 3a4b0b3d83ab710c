// Human durations in settings ("90s", "5m", "4h", "5d", "1w"; a bare number is seconds) ↔ ms.
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, setting = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!m) throw new Error(`${setting}: "${text}" is not a duration like 30s, 5m, 4h or 5d`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
}

export function parseDurationList(text: string, setting = 'duration list'): number[] {
  const list = text.split(',').map((t) => parseDuration(t, setting));
  if (list.length === 0) throw new Error(`${setting}: empty`);
  return list;
}
