// The Received trace header Sekisho prepends to every accepted message (RFC 5321 §4.4), in the
// form Postfix writes: from HELO (rDNS [IP]) by HOST (Sekisho) with PROTOCOL id ID; DATE.
import { rfc5322Date } from '../util/rfc5322-date.ts';

export interface TraceInfo {
  helo: string;
  clientHostname: string;
  remoteAddress: string;
  hostname: string;
  protocol: string;
  id: string;
  /** added as "for <rcpt>" only with a single recipient, so Bcc recipients are not disclosed */
  recipients: string[];
  date?: Date;
}

export function receivedHeader(t: TraceInfo): string {
  // Without a verified PTR name smtp-server reports the bracketed IP; Postfix writes "unknown".
  const rdns = !t.clientHostname || t.clientHostname.startsWith('[') ? 'unknown' : sanitize(t.clientHostname);
  const client = `${sanitize(t.helo) || 'unknown'} (${rdns} [${t.remoteAddress}])`;
  const forPart = t.recipients.length === 1 ? `\r\n\tfor <${sanitize(t.recipients[0]!)}>` : '';
  return (
    `Received: from ${client}\r\n\tby ${t.hostname} (Sekisho) with ${t.protocol} ` +
    `id ${t.id}${forPart};\r\n\t${rfc5322Date(t.date ?? new Date())}\r\n`
  );
}

/** Client-supplied names must not be able to inject header lines. */
function sanitize(s: string): string {
  return s.replace(/[^\x21-\x7e]/g, '');
}
