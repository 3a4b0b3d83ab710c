// Recognises a client's resend of a message this gateway already committed. SMTP has no
// idempotent DATA: when our 250 is lost (connection cut, client time-out, a node killed right
// after its commit) the client sends the same message again (RFC 1047). A message with a
// Message-ID whose tenant, envelope and bytes equal those of one accepted within the window is
// that resend: it gets 250 with the first queue id and is not queued a second time (the look-up
// runs in the commit's transaction: Store.insertUnlessResent).
import { createHash } from 'node:crypto';
import { slicesInTurns } from '../util/in-slices.ts';

/** ~1 ms of hashing */
const DIGEST_SLICE_BYTES = 1024 * 1024;

/**
 * SHA-256 over tenant, envelope sender, sorted recipients and the bytes the client sent, a slice
 * per event-loop turn (25 MB in one call held the loop for ~30 ms).
 */
export async function submissionDigest(
  tenantId: string,
  envelope: { mailFrom: string; recipients: string[] },
  raw: Buffer,
): Promise<string> {
  const h = createHash('sha256');
  h.update(
    `${tenantId}\n${envelope.mailFrom.toLowerCase()}\n${[...envelope.recipients]
      .map((r) => r.toLowerCase())
      .sort()
      .join(',')}\n`,
  );
  for await (const slice of slicesInTurns(raw, DIGEST_SLICE_BYTES)) h.update(slice);
  return h.digest('base64url');
}
