// Dates in query strings, one way for every list route (audit, messages, quarantine): an ISO date
// or epoch ms; a value that is no date, or a range that ends before it starts, is a 400 with a
// code the console words (bad_date / bad_range), never an empty list.
import { HttpError } from './route.ts';

/** epoch ms of an ISO date or epoch-ms string; undefined when absent. */
export function queryTime(name: string, s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(ms)) throw new HttpError(400, `${name} is not a date: ${s}`, { code: 'bad_date' });
  return ms;
}

/** `from` (inclusive) and `to` (exclusive) as epoch ms; refused when `to` is not after `from`. */
export function queryRange(q: { from?: string; to?: string }): { from?: number; to?: number } {
  const from = queryTime('from', q.from);
  const to = queryTime('to', q.to);
  if (from !== undefined && to !== undefined && to <= from)
    throw new HttpError(400, 'the end of the date range must be after its start', { code: 'bad_range' });
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}
