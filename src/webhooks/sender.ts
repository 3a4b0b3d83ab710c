// Sends due webhook deliveries, on one node at a time (the job lease of src/retention/job-lease.ts,
// renewed before every POST). Each POST is signed (signature.ts) and given 10 s; a 2xx answer is
// delivered, anything else is tried again after base × 2^(attempts−1) (capped at 8 h) until
// maxAttempts, then failed. The rows are the queue: a node killed mid-send loses nothing, it sends
// that delivery again (receivers dedupe by the event id). Targets on loopback or private addresses
// are refused unless webhookAllowPrivateTargets (a tenant admin must not reach the gateway's LAN).
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { parseNetworks, inNetworks } from '../util/cidr.ts';
import { releaseJobLease, takeJobLease, type JobLease } from '../retention/job-lease.ts';
import { signatureHeader } from './signature.ts';
import { TEST_EVENT } from '../store/webhook-events.ts';

export const WEBHOOK_JOB = 'webhooks';
const POST_TIMEOUT_MS = 10_000;
const MAX_DELAY_MS = 8 * 60 * 60_000;
const BATCH = 20;
/** finished deliveries (delivered or failed) are kept this long for the console, then removed */
export const KEEP_FINISHED_MS = 30 * 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

export interface SenderOptions {
  /** the first retry's delay; each next one doubles */
  retryBaseMs: number;
  maxAttempts: number;
  allowPrivateTargets: boolean;
}

/** Delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
}

const PRIVATE = parseNetworks([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1/128',
  '::/128',
  'fc00::/7',
  'fe80::/10',
]);

export function isPrivateAddress(ip: string): boolean {
  return inNetworks(PRIVATE, ip);
}

/** A DNS lookup that refuses private answers: the address checked is the address connected to. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new Error(`${hostname} is a private address (${bad.address}); see webhookAllowPrivateTargets`), '', 0);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

export interface PostResult {
  status: number | null;
  error: string | null;
}

/** POSTs `body` to `url` with the signature; never throws. */
export function postSigned(
  url: string,
  body: string,
  secret: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<PostResult> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return resolve({ status: null, error: 'not a URL' });
    }
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
      return resolve({ status: null, error: `${host} is a private address; see webhookAllowPrivateTargets` });
    }
    const client = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!client) return resolve({ status: null, error: `${u.protocol} is not http or https` });
    const req = client.request(
      u,
      {
        method: 'POST',
        timeout: POST_TIMEOUT_MS,
        ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Sekisho-Webhook/1',
          'sekisho-signature': signatureHeader(secret, body),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${POST_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve({ status: null, error: err.message }));
    req.end(body);
  });
}

/** Sends every due delivery while holding the lease; returns how many were tried. */
export async function sendDue(store: Store, lease: JobLease, opts: SenderOptions, logger?: Logger, now = Date.now): Promise<number> {
  let tried = 0;
  for (;;) {
    if (!(await takeJobLease(store.db, lease, now()))) return tried;
    const due = await store.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
      .select([
        'webhook_deliveries.id',
        'webhook_deliveries.attempts',
        'webhook_deliveries.payload',
        'webhook_deliveries.event_id',
        'webhook_deliveries.event_type',
        'webhooks.url',
        'webhooks.secret',
      ])
      .where('webhook_deliveries.next_attempt_at', '<=', now())
      // a disabled webhook's deliveries wait until it is on again; a test is sent all the same
      .where((eb) => eb.or([eb('webhooks.enabled', '=', 1), eb('webhook_deliveries.event_type', '=', TEST_EVENT)]))
      .orderBy('webhook_deliveries.next_attempt_at')
      .limit(BATCH)
      .execute();
    for (const d of due) {
      if (!(await takeJobLease(store.db, lease, now()))) return tried;
      const secret = store.secrets.open('webhook-secret', d.secret);
      const headers = { 'sekisho-event': d.event_type, 'sekisho-event-id': d.event_id };
      const result = await postSigned(d.url, d.payload, secret, headers, opts.allowPrivateTargets);
      await record(store, Number(d.id), Number(d.attempts) + 1, result, opts, now());
      if (result.error || (result.status ?? 0) >= 300) logger?.info({ delivery: Number(d.id), ...result }, 'webhook delivery failed');
      tried++;
    }
    if (due.length < BATCH) return tried;
  }
}

async function record(store: Store, id: number, attempts: number, r: PostResult, opts: SenderOptions, now: number): Promise<void> {
  const ok = r.error === null && r.status !== null && r.status >= 200 && r.status < 300;
  const giveUp = !ok && attempts >= opts.maxAttempts;
  await store.db
    .updateTable('webhook_deliveries')
    .set({
      attempts,
      last_attempt_at: now,
      last_status: r.status,
      last_error: ok ? null : (r.error ?? `HTTP ${r.status}`).slice(0, 500),
      state: ok ? 'delivered' : giveUp ? 'failed' : 'pending',
      next_attempt_at: ok || giveUp ? null : now + retryDelayMs(attempts, opts.retryBaseMs),
    })
    .where('id', '=', id)
    .execute();
}

/** Removes finished deliveries created before `before`; returns how many. */
export async function pruneDeliveries(store: Store, before: number): Promise<number> {
  const r = await store.db
    .deleteFrom('webhook_deliveries')
    .where('created_at', '<', before)
    .where('next_attempt_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The loop a node runs: every `pollMs`, send what is due if this node gets the lease (and hourly, prune). */
export function startWebhookSender(store: Store, node: string, opts: SenderOptions & { pollMs: number }, logger: Logger) {
  const lease: JobLease = { name: WEBHOOK_JOB, holder: node, ms: 60_000 };
  let running: Promise<void> | null = null;
  let stopping = false;
  let prunedAt = 0;
  const work = async () => {
    // the lease stays with this node between polls (renewed by each); another takes over when it dies
    const sent = await sendDue(store, lease, opts, logger);
    if (Date.now() - prunedAt < PRUNE_EVERY_MS || !(await takeJobLease(store.db, lease))) return;
    prunedAt = Date.now();
    const removed = await pruneDeliveries(store, prunedAt - KEEP_FINISHED_MS);
    if (removed > 0) logger.info({ removed, sent }, 'old webhook deliveries removed');
  };
  const tick = () => {
    if (running || stopping) return;
    running = work()
      .catch((err) => logger.error({ err }, 'webhook sender failed; trying again at the next poll'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, opts.pollMs);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
      await releaseJobLease(store.db, lease, false).catch(() => {});
    },
  };
}
