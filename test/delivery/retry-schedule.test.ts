// Retry schedule arithmetic: delays per attempt, the last retry pinned to expiry, delay notices,
// and parsing of the config strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RETRY_SCHEDULE,
  nextAttemptAt,
  isExpired,
  shouldWarnDelay,
  retryDelay,
  retryUntil,
  parseRetrySchedule,
  formatDuration,
} from '../../src/delivery/retry-schedule.ts';
import { parseDuration } from '../../src/util/duration.ts';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const t0 = new Date('2026-04-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

test('default delays: 1m, 5m, 15m, 30m, 1h, then every 2h', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 50].map((n) => formatDuration(retryDelay(n))),
    ['1m', '5m', '15m', '30m', '1h', '2h', '2h', '2h'],
  );
  assert.equal(retryDelay(0), M, 'attempt counts below 1 use the first delay');
});

test('nextAttemptAt adds the delay for the attempt count to now', () => {
  assert.deepEqual(nextAttemptAt(t0, 1, t0), at(M));
  assert.deepEqual(nextAttemptAt(t0, 3, at(6 * M)), at(21 * M));
  assert.deepEqual(nextAttemptAt(t0, 10, at(D)), at(D + 2 * H));
});

test('the last retry happens exactly at expiry, after which the message has expired', () => {
  const almost = at(5 * D - 30 * M);
  assert.deepEqual(nextAttemptAt(t0, 40, almost), at(5 * D));
  assert.equal(isExpired(t0, at(5 * D - 1)), false);
  assert.equal(isExpired(t0, at(5 * D)), true);
  assert.equal(nextAttemptAt(t0, 41, at(5 * D)), null);
  assert.deepEqual(retryUntil(t0), at(5 * D));
});

test('a simulated outage: attempts until expiry follow the schedule and end at 5 days', () => {
  let now = t0;
  let attempts = 1;
  const times: number[] = [];
  for (;;) {
    const next = nextAttemptAt(t0, attempts, now);
    if (!next) break;
    times.push(next.getTime() - t0.getTime());
    now = next;
    attempts++;
  }
  assert.deepEqual(times.slice(0, 6).map(formatDuration), ['1m', '6m', '21m', '51m', '111m', '231m']);
  assert.equal(times.at(-1), 5 * D);
  assert.equal(times.length, 65, '6 retries within 3h51m, 58 two-hourly ones, then one at expiry');
});

test('delay notice: once, after 4 hours, never after expiry, off with 0', () => {
  assert.equal(shouldWarnDelay(t0, at(4 * H - 1), false), false);
  assert.equal(shouldWarnDelay(t0, at(4 * H), false), true);
  assert.equal(shouldWarnDelay(t0, at(4 * H), true), false, 'only once');
  assert.equal(shouldWarnDelay(t0, at(5 * D), false), false, 'the failure DSN replaces it');
  const off = parseRetrySchedule({ delayWarning: '0' });
  assert.equal(shouldWarnDelay(t0, at(D), false, off), false);
});

test('parseRetrySchedule reads config strings and keeps defaults for the rest', () => {
  assert.deepEqual(parseRetrySchedule({}), { ...DEFAULT_RETRY_SCHEDULE, delaysMs: [...DEFAULT_RETRY_SCHEDULE.delaysMs] });
  const s = parseRetrySchedule({ delays: '30s, 2m,1h', maxLifetime: '3d', delayWarning: '90m' });
  assert.deepEqual(s, { delaysMs: [30_000, 2 * M, H], maxLifetimeMs: 3 * D, delayWarningMs: 90 * M });
  assert.equal(parseDuration('1w'), 7 * D);
  assert.equal(parseDuration('45'), 45_000);
  assert.throws(() => parseRetrySchedule({ delays: '1m,soon' }), /retrySchedule: "soon" is not a duration/);
  assert.throws(() => parseRetrySchedule({ delays: '' }), /retrySchedule: empty list/);
  assert.throws(() => parseRetrySchedule({ maxLifetime: '0' }), /maxQueueLifetime: must be more than 0/);
  assert.throws(() => parseRetrySchedule({ delays: '1m,0s' }), /more than 0/);
});
