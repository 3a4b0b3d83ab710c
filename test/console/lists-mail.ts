// Mail and policy for the list tests (lists-api, lists-pages): a policy with outbound and inbound
// rules and spam quarantined (never rejected), GTUBE spam under an RFC 2047 display name (CEO
// fraud), and a plain inbound mail.
import { crlf, fixture } from '../inbound/shield-helpers.ts';

export const POLICY = `version: 1
outbound:
  rules:
    - name: Block secrets
      when: { subject: "BLOCKME" }
      then: [ { block: { reason: "Secrets may not leave the company", notify: true } } ]
    - name: Manual hold
      when: { subject: "HOLDMANUAL" }
      then: [ { hold: { minutes: 10, release: manual } } ]
inbound:
  spam: { tagAt: 4, quarantineAt: 8, rejectAt: 100000 }
  rules:
    - name: Partner mail
      when: { subject: "PARTNER" }
      then: [ { subjectTag: { tag: "[partner]" } } ]
`;
export const ADMIN = 'admin@acme.example';
export const HANAKO = 'hanako@acme.example';
/** the CEO's name on a stranger's address, RFC 2047-encoded */
export const CEO_NAME = '代表取締役 山田太郎';

/** GTUBE spam from a display name the list must decode. */
export function ceoSpam(to: string, subject: string): Buffer {
  const name = `=?UTF-8?B?${Buffer.from(CEO_NAME).toString('base64')}?=`;
  return Buffer.from(
    fixture('spam/rspamd/gtube.eml')
      .toString('latin1')
      .replace(/^From: .*$/m, `From: ${name} <ceo@lookalike.test>`)
      .replace(/^To: .*$/m, `To: ${to}`)
      .replace(/^Subject: .*$/m, `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`),
    'latin1',
  );
}

/** A plain inbound mail, delivered unless something is wrong. */
export function inboundMail(subject: string, to: string): Buffer {
  return crlf(
    `From: Partner <p@partner.test>\nTo: ${to}\nSubject: ${subject}\nDate: Mon, 1 Jun 2026 10:00:00 +0900\nMessage-ID: ` +
      `<${Math.random()}@partner.test>\n\nhello\n`,
  );
}
