// The webhook signature (docs/webhooks.md): `Sekisho-Signature: t=<unix seconds>,v1=<hex>`, where
// v1 is HMAC-SHA256, keyed with the webhook's secret (its text, UTF-8), over "<t>.<raw body>". The
// timestamp is inside the signed string, so a captured request cannot be replayed later with a new
// time; receivers refuse times more than five minutes away. verifySignature is the documented check.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'sekisho-signature';
/** how far a receiver should accept the signed time from its own clock */
export const SIGNATURE_TOLERANCE_S = 300;

/** A new secret: shown once at creation, then kept sealed. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/** True when `header` signs `body` with `secret` at a time within the tolerance of `now`. */
export function verifySignature(secret: string, body: string, header: string, now = Date.now()): boolean {
  const parts = new Map(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > SIGNATURE_TOLERANCE_S) return false;
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
