// Parses a raw RFC 5322 message into MessageFacts (decoded addresses, subject, body text,
// attachment names and sizes) with postal-mime. Never throws on malformed mail: whatever cannot
// be parsed is left empty and `parseError` (also facts.unparseable) says why, so acceptance and
// audit go on — and the checks, seeing it, apply the safe verdict instead of trusting empty facts.
// Giving up on part of the tree (message/rfc822 nested too deep) counts as a failure too.
// Small messages are parsed on the calling thread (postal-mime's worst case, many tiny parts,
// costs ~0.9 ms per KB); larger ones in the analysis worker pool, within PARSE_DEADLINE_MS.
// `parseMessage` also returns attachment contents for the inbound analysers.
import PostalMime, { addressParser, decodeWords, type Address, type Email } from 'postal-mime';
import type { AddressFact, AttachmentFact, MessageFacts, ParsedAttachment } from '../model/facts.ts';
import { runAnalysisTask } from '../analysis/pool.ts';
import { concatInTurns } from '../util/in-slices.ts';

declare module '../analysis/pool.ts' {
  interface AnalysisTasks {
    /** parseHere on a worker thread */
    parse: (i: { raw: Uint8Array; envelope: Envelope; direction: MessageFacts['direction'] }) => Promise<ParsedMessage>;
  }
}

/** Body text kept in facts: enough for detectors, bounded so huge mail stays cheap to keep. */
export const MAX_TEXT_CHARS = 256 * 1024;

export interface Envelope {
  mailFrom: string;
  recipients: string[];
}

/** A header that names who wrote or sent the message; submission checks every mailbox in all of them. */
export type IdentityHeader = 'from' | 'sender' | 'resent-from' | 'resent-sender';
const IDENTITY_HEADERS: readonly string[] = ['from', 'sender', 'resent-from', 'resent-sender'] satisfies IdentityHeader[];

export interface IdentityMailbox {
  header: IdentityHeader;
  /** lower case; '' for a display name without an address */
  address: string;
}

export interface ParsedMessage {
  facts: MessageFacts;
  attachments: ParsedAttachment[];
  parseError: string | null;
  /** every mailbox of every From, Sender, Resent-From and Resent-Sender header (facts keep only the first From) */
  identities: IdentityMailbox[];
}

const PARSE_OPTIONS = { maxNestingDepth: 50, maxHeadersSize: 1024 * 1024, maxRfc822NestingDepth: 3 } as const;

/** Messages up to this size are parsed on the calling thread: ~30 ms at postal-mime's worst. */
export const INLINE_PARSE_BYTES = 32 * 1024;
/** A parse in the worker pool that runs longer than this is stopped: the message is unparseable. */
export const PARSE_DEADLINE_MS = 15_000;

export async function parseMessage(raw: Uint8Array, envelope: Envelope, direction: MessageFacts['direction']): Promise<ParsedMessage> {
  if (raw.byteLength <= INLINE_PARSE_BYTES) return parseHere(raw, envelope, direction);
  // The worker gets its own copy of exactly these bytes (the caller keeps `raw`), made a few MB per
  // turn (`new Uint8Array(raw)` of 48 MB held the event loop for ~150 ms).
  const copied = await concatInTurns([raw]);
  // transferred whole (a Buffer this large has an ArrayBuffer of its own, never a pool's)
  const whole = copied.byteOffset === 0 && copied.byteLength === copied.buffer.byteLength;
  const copy = whole ? (copied as Uint8Array<ArrayBuffer>) : new Uint8Array(copied);
  try {
    return await runAnalysisTask('parse', { raw: copy, envelope, direction }, { deadlineMs: PARSE_DEADLINE_MS, transfer: [copy.buffer] });
  } catch (err) {
    return failedParse(raw, envelope, direction, `MIME parsing stopped: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The facts of a message that could not be parsed at all: envelope and size only. */
export function failedParse(raw: Uint8Array, envelope: Envelope, direction: MessageFacts['direction'], why: string): ParsedMessage {
  const facts = factsOf(null, raw, envelope, direction, []);
  facts.unparseable = why;
  return { facts, attachments: [], parseError: why, identities: [] };
}

/** postal-mime on this thread; what the worker pool's `parse` task runs too. */
export async function parseHere(raw: Uint8Array, envelope: Envelope, direction: MessageFacts['direction']): Promise<ParsedMessage> {
  let email: Email | null = null;
  let parseError: string | null = null;
  try {
    email = await PostalMime.parse(raw, PARSE_OPTIONS);
  } catch (err) {
    parseError = err instanceof Error ? err.message : String(err);
  }
  const attachments = (email?.attachments ?? []).map((a) => {
    const content = toBytes(a.content);
    const fact: AttachmentFact = {
      filename: a.filename ?? '',
      contentType: (a.mimeType || 'application/octet-stream').toLowerCase(),
      size: content.byteLength,
      inline: a.disposition === 'inline' || (a.related === true && a.disposition !== 'attachment'),
    };
    if (a.contentId) fact.contentId = a.contentId.replace(/^<|>$/g, '');
    return { fact, content, depthExceeded: a.rfc822DepthExceeded === true };
  });
  if (!parseError && attachments.some((a) => a.depthExceeded)) {
    parseError = `message/rfc822 parts nested more than ${PARSE_OPTIONS.maxRfc822NestingDepth} deep were not parsed`;
  }
  const facts = factsOf(
    email,
    raw,
    envelope,
    direction,
    attachments.map((a) => a.fact),
  );
  if (parseError) facts.unparseable = parseError;
  return { facts, attachments, parseError, identities: identitiesOf(email) };
}

function factsOf(
  email: Email | null,
  raw: Uint8Array,
  envelope: Envelope,
  direction: MessageFacts['direction'],
  attachments: AttachmentFact[],
): MessageFacts {
  return {
    direction,
    mailFrom: envelope.mailFrom.toLowerCase(),
    recipients: envelope.recipients.map((r) => r.toLowerCase()),
    from: firstMailbox(email?.from),
    sender: firstMailbox(email?.sender),
    to: mailboxes(email?.to),
    cc: mailboxes(email?.cc),
    replyTo: mailboxes(email?.replyTo),
    subject: email?.subject ?? '',
    messageId: email?.messageId ? email.messageId.trim().replace(/^<|>$/g, '') : null,
    text: bodyText(email).slice(0, MAX_TEXT_CHARS),
    html: email?.html ? email.html.slice(0, MAX_TEXT_CHARS) : null,
    attachments,
    size: raw.byteLength,
    headers: (email?.headers ?? []).map((h) => ({ key: h.key, value: safeDecodeWords(h.value) })),
  };
}

function identitiesOf(email: Email | null): IdentityMailbox[] {
  const out: IdentityMailbox[] = [];
  for (const h of email?.headers ?? []) {
    if (!IDENTITY_HEADERS.includes(h.key)) continue;
    for (const m of mailboxes(addressParser(h.value))) out.push({ header: h.key as IdentityHeader, address: m.address });
  }
  return out;
}

/** Facts only, for the paths (outbound acceptance, audit) that need no attachment bytes. */
export async function parseFacts(raw: Uint8Array, envelope: Envelope, direction: MessageFacts['direction']): Promise<MessageFacts> {
  return (await parseMessage(raw, envelope, direction)).facts;
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function flatten(list: Address[] | Address | undefined): AddressFact[] {
  if (!list) return [];
  const out: AddressFact[] = [];
  for (const a of Array.isArray(list) ? list : [list]) {
    if ('group' in a && Array.isArray(a.group)) out.push(...flatten(a.group));
    else out.push({ address: (a.address ?? '').toLowerCase(), name: a.name ?? '' });
  }
  return out;
}

function mailboxes(list: Address[] | undefined): AddressFact[] {
  return flatten(list).filter((a) => a.address !== '' || a.name !== '');
}

function firstMailbox(a: Address | undefined): AddressFact | null {
  return flatten(a)[0] ?? null;
}

function bodyText(email: Email | null): string {
  if (!email) return '';
  if (email.text) return email.text;
  if (email.html) return htmlToText(email.html);
  return '';
}

/** Enough HTML-to-text for detectors and previews; not a renderer. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d{1,7});/g, (_, n: string) => codePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

/** An out-of-range numeric entity in hostile HTML must not throw. */
function codePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd';
}

function safeDecodeWords(value: string): string {
  try {
    return decodeWords(value);
  } catch {
    return value;
  }
}
