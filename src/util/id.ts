// Identifiers: time-ordered message ids (ULID layout: 48-bit ms time + 80 random bits, Crockford
// base32, 26 chars) so ids sort by arrival, SMTP session ids, and unguessable tokens (≥128 bits) for links, which the
// database keeps only as hashes (hashToken: every link, session and API token).
import { createHash, randomBytes, randomFillSync } from 'node:crypto';

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = B32[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // 80 random bits as two 40-bit halves: exact in a double, no BigInt.
  const rnd = randomSlice(10);
  return time + base32of40(rnd, 0) + base32of40(rnd, 5);
}

function base32of40(bytes: Buffer, at: number): string {
  let v = bytes[at]! * 2 ** 32 + bytes.readUInt32BE(at + 1);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = B32[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

// One randomFillSync per 4 KiB of ids instead of a randomBytes call per id: each call costs
// several microseconds (OpenSSL's locks and fork check), one per accepted message. Every byte
// is handed out once; the pool belongs to this process (cluster workers are processes).
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function randomSlice(n: number): Buffer {
  if (poolAt + n > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const out = POOL.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/**
 * An SMTP session's id for the logs: 80 random bits as 16 base-32 digits (0-9a-v), the layout
 * smtp-server gives its own, from the same pool as the message ids (one per connection).
 */
export function newSessionId(): string {
  const rnd = randomSlice(10);
  const half = (at: number) => (rnd[at]! * 2 ** 32 + rnd.readUInt32BE(at + 1)).toString(32).padStart(8, '0');
  return half(0) + half(5);
}

/** URL-safe random token with `bytes`×8 bits of entropy (default 160). */
export function newToken(bytes = 20): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * What the database keeps of a token: its SHA-256 (hex). Tokens carry ≥128 random bits, so a
 * plain hash cannot be reversed by guessing, and a lookup by hash needs no per-row salt.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
