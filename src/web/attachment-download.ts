// Sends one attached file of a message to a person who opens it from a decision screen (console
// or approval page): always as a download (Content-Disposition: attachment, RFC 6266 filename*),
// never sniffed and never able to run as a page of ours (CSP sandbox), whatever type it claims.
import type { FastifyReply } from 'fastify';

export function sendAttachment(reply: FastifyReply, file: { filename: string; contentType: string; content: Uint8Array }): FastifyReply {
  const name = file.filename || 'attachment';
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return reply
    .header('content-type', /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(file.contentType) ? file.contentType : 'application/octet-stream')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'")
    .header('cache-control', 'no-store')
    .send(Buffer.from(file.content));
}
