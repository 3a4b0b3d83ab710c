// Identifiers: time-ordered message ids (ULID layout: 48-bit ms time + 80 random bits, Crockford
// base32, 26 chars) so ids sort by arrival, and unguessable tokens (≥128 bits) for links.
import { randomBytes } from 'node:crypto';

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = B32[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(10);
  let bits = 0n;
  for (const b of rnd) bits = (bits << 8n) | BigInt(b);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = B32[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return time + rand;
}

/** URL-safe random token with `bytes`×8 bits of entropy (default 160). */
export function newToken(bytes = 20): string {
  return randomBytes(bytes).toString('base64url');
}
