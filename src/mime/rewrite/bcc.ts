// The `bcc` action's rewrite: recipients disappear from the headers (To, Cc and any stray Bcc
// are removed from the top-level header block) and `To: undisclosed-recipients:;` keeps the
// message RFC 5322-valid. The SMTP envelope is not touched, so every recipient still gets it.
// Every other byte of the message (other fields, their order and folding, the body) is unchanged.
import type { Readable } from 'node:stream';
import { makeField, rewriteHeaders, type HeaderEdit, type HeaderField } from './header-block.ts';

export const UNDISCLOSED_RECIPIENTS = 'undisclosed-recipients:;';

/** Headers that name recipients. Bcc is removed too: a client that left it in would leak the list. */
const RECIPIENT_FIELDS = new Set(['to', 'cc', 'bcc']);

/**
 * Removes the recipient headers; the new To takes the place of the first removed field.
 * A message without To/Cc/Bcc is returned unchanged.
 */
export function convertToBcc<T extends Buffer | Readable>(raw: T): T extends Buffer ? Buffer : Readable;
export function convertToBcc(raw: Buffer | Readable): Buffer | Readable {
  return rewriteHeaders(raw, toBccEdit);
}

/** The header edit of convertToBcc (for rewriteHeadersInTurns). */
export const toBccEdit: HeaderEdit = (fields, eol) => {
  const first = fields.findIndex((f) => RECIPIENT_FIELDS.has(f.key));
  if (first === -1) return null;
  const kept: HeaderField[] = [];
  fields.forEach((field, i) => {
    if (i === first) kept.push(makeField('To', UNDISCLOSED_RECIPIENTS, eol));
    if (!RECIPIENT_FIELDS.has(field.key)) kept.push(field);
  });
  return kept;
};
