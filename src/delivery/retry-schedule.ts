// When to try a temporarily failed delivery again, when to warn the sender that it is late,
// and when to give up and bounce. Pure functions of (first attempt, attempts made, now):
// no clock is read here, so the queue worker, the CLI and the tests get the same answers.
// The clock starts at the first delivery attempt, not at acceptance, so a 72-hour policy hold
// does not eat into the retry lifetime.
import { parseDuration, parseDurationList } from '../util/duration.ts';

export interface RetrySchedule {
  /** waits after the 1st, 2nd, … failed attempt; the last one repeats */
  delaysMs: number[];
  /** give up this long after the first attempt (Postfix maximal_queue_lifetime) */
  maxLifetimeMs: number;
  /** send a delay notice (DSN action=delayed) this long after the first attempt; 0 = never */
  delayWarningMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * 1m, 5m, 15m, 30m, 1h, then every 2h; give up after 5 days; warn after 4 hours.
 * Short first steps clear the common transient causes (greylisting, a restarting server)
 * within minutes; 2-hourly later keeps load low; 5 days is Postfix's lifetime, so senders
 * see the same behaviour as before the gateway; 4 hours warns within a working day.
 */
export const DEFAULT_RETRY_SCHEDULE: Readonly<RetrySchedule> = Object.freeze({
  delaysMs: Object.freeze([1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 1 * HOUR, 2 * HOUR]) as number[],
  maxLifetimeMs: 5 * DAY,
  delayWarningMs: 4 * HOUR,
});

/** The wait after `attempts` failed attempts (1-based); the last delay repeats. */
export function retryDelay(attempts: number, schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE): number {
  const i = Math.min(Math.max(attempts - 1, 0), schedule.delaysMs.length - 1);
  return schedule.delaysMs[i]!;
}

/**
 * When to try next after `attempts` attempts, the latest of which failed temporarily at `now`;
 * null when the lifetime is over (bounce now). The last try is moved to the expiry instant, so
 * every message gets one attempt right at the end of its lifetime rather than a gap of up to 2h.
 */
export function nextAttemptAt(
  firstAttemptAt: Date,
  attempts: number,
  now: Date,
  schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE,
): Date | null {
  const expiresAt = expiryOf(firstAttemptAt, schedule);
  if (now.getTime() >= expiresAt) return null;
  return new Date(Math.min(now.getTime() + retryDelay(attempts, schedule), expiresAt));
}

/** True once the lifetime since the first attempt has run out: a temporary failure now bounces. */
export function isExpired(firstAttemptAt: Date, now: Date, schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE): boolean {
  return now.getTime() >= expiryOf(firstAttemptAt, schedule);
}

/** The instant the message gives up, for a DSN's Will-Retry-Until. */
export function retryUntil(firstAttemptAt: Date, schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE): Date {
  return new Date(expiryOf(firstAttemptAt, schedule));
}

/** True when a still-deferred message is due a delay notice that has not been sent yet. */
export function shouldWarnDelay(
  firstAttemptAt: Date,
  now: Date,
  alreadyWarned: boolean,
  schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE,
): boolean {
  if (alreadyWarned || schedule.delayWarningMs <= 0) return false;
  if (isExpired(firstAttemptAt, now, schedule)) return false; // the failure DSN says it all
  return now.getTime() - firstAttemptAt.getTime() >= schedule.delayWarningMs;
}

function expiryOf(firstAttemptAt: Date, schedule: RetrySchedule): number {
  return firstAttemptAt.getTime() + schedule.maxLifetimeMs;
}

export interface RetryScheduleSettings {
  /** e.g. "1m,5m,15m,30m,1h,2h" */
  delays?: string;
  /** e.g. "5d" */
  maxLifetime?: string;
  /** e.g. "4h"; "0" turns delay notices off */
  delayWarning?: string;
}

/** Builds a schedule from config strings; unset fields keep the defaults. Errors name the field. */
export function parseRetrySchedule(settings: RetryScheduleSettings): RetrySchedule {
  const schedule: RetrySchedule = {
    delaysMs: settings.delays === undefined ? [...DEFAULT_RETRY_SCHEDULE.delaysMs] : parseDurationList(settings.delays, 'retrySchedule'),
    maxLifetimeMs:
      settings.maxLifetime === undefined ? DEFAULT_RETRY_SCHEDULE.maxLifetimeMs : parseDuration(settings.maxLifetime, 'maxQueueLifetime'),
    delayWarningMs:
      settings.delayWarning === undefined
        ? DEFAULT_RETRY_SCHEDULE.delayWarningMs
        : parseDuration(settings.delayWarning, 'delayWarningAfter'),
  };
  if (schedule.delaysMs.some((d) => d <= 0)) throw new Error(`retrySchedule: every delay must be more than 0 (got "${settings.delays}")`);
  if (schedule.maxLifetimeMs <= 0) throw new Error(`maxQueueLifetime: must be more than 0 (got "${settings.maxLifetime}")`);
  return schedule;
}

/** "1m, 5m, 15m, 30m, 1h, 2h" — for docs, `sekisho` output and audit messages. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['w', 7 * DAY],
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
