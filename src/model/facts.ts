// The facts of one message that policy, audit and inbound checks look at. Produced once at
// acceptance by src/mime/parse-facts.ts; everything here is decoded (RFC 2047/2231, charsets) text.
// Plain data only: policy evaluation and inbound analysis are pure functions of these facts.
// src/model holds such plain data shared by every layer and imports nothing else of src/.

export interface AddressFact {
  /** lower-cased address, '' when the header held no parseable address */
  address: string;
  /** decoded display name ('' if none) */
  name: string;
}

export interface AttachmentFact {
  /** decoded file name ('' when the part has none) */
  filename: string;
  /** lower-cased MIME type, e.g. application/pdf */
  contentType: string;
  /** decoded size in bytes */
  size: number;
  /** Content-Disposition inline (e.g. images in HTML mail) */
  inline: boolean;
  /** Content-ID without angle brackets, when present */
  contentId?: string;
}

export interface MessageFacts {
  direction: 'outbound' | 'inbound';
  /** envelope MAIL FROM, lower-cased; '' for the null sender (bounces) */
  mailFrom: string;
  /** envelope RCPT TO addresses, lower-cased, in the order given */
  recipients: string[];
  from: AddressFact | null;
  sender: AddressFact | null;
  to: AddressFact[];
  cc: AddressFact[];
  replyTo: AddressFact[];
  /** decoded Subject ('' if none) */
  subject: string;
  /** Message-ID header with angle brackets removed, or null */
  messageId: string | null;
  /** decoded text of the body: text/plain parts, else HTML reduced to text; capped in length */
  text: string;
  /** raw HTML body if any (decoded to a JS string), capped in length */
  html: string | null;
  attachments: AttachmentFact[];
  /** size of the whole message in bytes as received */
  size: number;
  /** all header lines, in order, keys lower-cased, values unfolded and decoded */
  headers: Array<{ key: string; value: string }>;
  /**
   * Set when the MIME structure could not be parsed completely (why, in English): the content
   * facts above are then incomplete, and every check must take the safe verdict.
   */
  unparseable?: string;
}

/** An attachment as parsed: its fact and its decoded bytes. */
export interface ParsedAttachment {
  fact: AttachmentFact;
  content: Uint8Array;
  /** true when postal-mime stopped descending into nested message/rfc822 parts */
  depthExceeded: boolean;
}
