// Recognises a client's resend of a message this gateway already committed. SMTP has no
// idempotent DATA: when our 250 is lost (connection cut, client time-out, a node killed right
// after its commit) the client sends the same message again (RFC 1047). A message with a
// Message-ID whose tenant, envelope and bytes equal those of one accepted within the window is
// that resend: it gets 250 with the first queue id and is not queued a second time (the look-up
// runs in the commit's transaction: Store.insertUnlessResent).
import { createHash } from 'node:crypto';

/** SHA-256 over tenant, envelope sender, sorted recipients and the bytes the client sent. */
export function submissionDigest(tenantId: string, envelope: { mailFrom: string; recipients: string[] }, raw: Buffer): string {
  const h = createHash('sha256');
  h.update(
    `${tenantId}\n${envelope.mailFrom.toLowerCase()}\n${[...envelope.recipients]
      .map((r) => r.toLowerCase())
      .sort()
      .join(',')}\n`,
  );
  h.update(raw);
  return h.digest('base64url');
}
