// One message as a person deciding on it sees it: decoded addresses, subject, date, the body text
// (charsets decoded by postal-mime, bounded at VIEW_TEXT_CHARS with `truncated` set), the HTML body
// sanitized (no scripts, handlers, forms, styles sheets or remote content; cid: pictures inlined as
// data: URIs), the attached files without the inline pictures, and the rules that matched. The
// console's preview API and every token page (/a /c /h /q) render this one shape. Mail over
// INLINE_PARSE_BYTES is parsed and sanitized in the analysis worker pool, within PARSE_DEADLINE_MS,
// so a 50 MB message or a hostile HTML body does not hold the event loop.
import sanitizeHtml from 'sanitize-html';
import type { Message, Store } from '../store/store.ts';
import type { RuleMatch } from '../policy/evaluate.ts';
import type { AddressFact, MessageFacts, ParsedAttachment } from '../model/facts.ts';
import { failedParse, INLINE_PARSE_BYTES, parseHere, parseMessage, PARSE_DEADLINE_MS, type Envelope } from './parse-facts.ts';
import { runAnalysisTask } from '../analysis/pool.ts';

declare module '../analysis/pool.ts' {
  interface AnalysisTasks {
    /** viewHere on a worker thread */
    view: (i: {
      raw: Uint8Array;
      envelope: Envelope;
      direction: MessageFacts['direction'];
      matchedRules: RuleMatch[];
    }) => Promise<MessageView>;
  }
}
import { realAttachments } from '../policy/conditions.ts';

/** Body text shown; longer text is cut here and the view says so (`truncated`). */
export const VIEW_TEXT_CHARS = 200 * 1024;
/** HTML given to the sanitizer; longer HTML is cut (the sanitizer closes what is open). */
export const VIEW_HTML_CHARS = 200 * 1024;
/** cid: pictures inlined into the HTML: each at most this many bytes, and all together at most MAX_INLINE_TOTAL. */
const MAX_INLINE_IMAGE = 256 * 1024;
const MAX_INLINE_TOTAL = 1024 * 1024;
const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export interface ViewAddress {
  name: string;
  address: string;
}

export interface ViewAttachment {
  /** position among all the message's parts postal-mime lists as attachments (the key to open it) */
  index: number;
  filename: string;
  size: number;
  contentType: string;
}

export interface MessageView {
  subject: string;
  from: ViewAddress | null;
  to: ViewAddress[];
  cc: ViewAddress[];
  /** outbound: envelope recipients named in neither To nor Cc */
  bcc: ViewAddress[];
  /** the Date header as ISO 8601 (UTC), or null when absent or unreadable; screens show it in the tenant's zone */
  date: string | null;
  text: string;
  /** true when `text` or `html` was cut to its bound */
  truncated: boolean;
  /** sanitized HTML, or null when the mail has no HTML body */
  html: string | null;
  attachments: ViewAttachment[];
  /** the rules that matched and why (the evidence lines are the policy engine's, in English) */
  matchedRules: RuleMatch[];
  /** why the MIME structure could not be parsed completely, else null */
  unparseable: string | null;
}

type ViewRow = Pick<Message, 'id' | 'mail_from' | 'recipients' | 'direction' | 'plan' | 'subject' | 'header_from' | 'created_at'>;

/** The view of a stored message, or null when its body is gone (deleted, purged). */
export async function messageViewOfRow(store: Store, m: ViewRow): Promise<MessageView | null> {
  const raw = await store.body(m.id);
  if (!raw) return null;
  return viewOf(raw, envelopeOf(m), m.direction, matchedRulesOf(m));
}

/** The view of raw message bytes: here when small, else in the analysis worker pool. */
export async function viewOf(
  raw: Uint8Array,
  envelope: Envelope,
  direction: MessageFacts['direction'],
  matchedRules: RuleMatch[],
): Promise<MessageView> {
  if (raw.byteLength <= INLINE_PARSE_BYTES) return viewHere(raw, envelope, direction, matchedRules);
  const copy = new Uint8Array(raw);
  try {
    return await runAnalysisTask(
      'view',
      { raw: copy, envelope, direction, matchedRules },
      { deadlineMs: PARSE_DEADLINE_MS, transfer: [copy.buffer] },
    );
  } catch (err) {
    const failed = failedParse(raw, envelope, direction, `MIME parsing stopped: ${err instanceof Error ? err.message : String(err)}`);
    return buildView(failed.facts, [], matchedRules);
  }
}

/** Parse and build the view on this thread; what the worker pool's `view` task runs. */
export async function viewHere(
  raw: Uint8Array,
  envelope: Envelope,
  direction: MessageFacts['direction'],
  matchedRules: RuleMatch[],
): Promise<MessageView> {
  const parsed = await parseHere(raw, envelope, direction);
  return buildView(parsed.facts, parsed.attachments, matchedRules);
}

/** One attached file of a stored message by its view index, or null (no body, no such file, an inline picture). */
export async function attachmentOfRow(
  store: Store,
  m: ViewRow,
  index: number,
): Promise<{ filename: string; contentType: string; content: Uint8Array } | null> {
  const raw = await store.body(m.id);
  if (!raw) return null;
  const parsed = await parseMessage(raw, envelopeOf(m), m.direction);
  const listed = new Set(realAttachments(parsed.facts));
  const a = parsed.attachments[index];
  if (!a || !listed.has(a.fact)) return null;
  return { filename: a.fact.filename, contentType: a.fact.contentType, content: a.content };
}

function envelopeOf(m: ViewRow) {
  return { mailFrom: m.mail_from, recipients: m.recipients };
}

/** The rules that matched, from the outbound or the inbound part of the stored plan. */
export function matchedRulesOf(m: Pick<Message, 'plan'>): RuleMatch[] {
  const plan = m.plan;
  return plan.outbound?.plan.matches ?? plan.inbound?.policy?.matches ?? [];
}

/** The view of parsed facts; `attachments` are parse-facts' parts in the same order as facts.attachments. */
export function buildView(facts: MessageFacts, attachments: ParsedAttachment[], matchedRules: RuleMatch[]): MessageView {
  const listed = new Set(realAttachments(facts));
  const named = new Set([...facts.to, ...facts.cc].map((a) => a.address));
  const bcc =
    facts.direction === 'outbound'
      ? facts.recipients.filter((r) => !named.has(r.toLowerCase())).map((address) => ({ name: '', address }))
      : [];
  const sanitized = facts.html === null ? null : sanitizeMailHtml(facts.html.slice(0, VIEW_HTML_CHARS), inlineImages(attachments));
  // HTML that is nothing once sanitized (only a script, only remote pictures) falls back to the text
  const html = sanitized !== null && (/<img\b/i.test(sanitized) || sanitized.replace(/<[^>]*>|&nbsp;|\s/g, '') !== '') ? sanitized : null;
  return {
    subject: facts.subject,
    from: facts.from ? address(facts.from) : null,
    to: facts.to.map(address),
    cc: facts.cc.map(address),
    bcc,
    date: dateOf(facts),
    text: facts.text.slice(0, VIEW_TEXT_CHARS),
    truncated: facts.text.length > VIEW_TEXT_CHARS || (facts.html?.length ?? 0) > VIEW_HTML_CHARS,
    html,
    attachments: facts.attachments.flatMap((a, index) =>
      listed.has(a) ? [{ index, filename: a.filename, size: a.size, contentType: a.contentType }] : [],
    ),
    matchedRules,
    unparseable: facts.unparseable ?? null,
  };
}

function address(a: AddressFact): ViewAddress {
  return { name: a.name, address: a.address };
}

function dateOf(facts: MessageFacts): string | null {
  const header = facts.headers.find((h) => h.key === 'date')?.value;
  const at = header ? Date.parse(header) : Number.NaN;
  return Number.isFinite(at) ? new Date(at).toISOString() : null;
}

/** cid (lower case) → data: URI, for the small pictures the HTML refers to; the rest are left out. */
function inlineImages(attachments: ParsedAttachment[]): Map<string, string> {
  const out = new Map<string, string>();
  let total = 0;
  for (const a of attachments) {
    const { contentId, contentType } = a.fact;
    if (!contentId || !INLINE_IMAGE_TYPES.has(contentType) || a.content.byteLength > MAX_INLINE_IMAGE) continue;
    if (total + a.content.byteLength > MAX_INLINE_TOTAL) break;
    total += a.content.byteLength;
    out.set(contentId.toLowerCase(), `data:${contentType};base64,${Buffer.from(a.content).toString('base64')}`);
  }
  return out;
}

const CELL_ATTRIBUTES = ['align', 'valign', 'width', 'height', 'bgcolor', 'colspan', 'rowspan'];
// Values that could fetch something (url(), image-set(), @import) or run script (expression()) are refused.
const SAFE_STYLE_VALUE = [/^(?!.*(?:url|image-set|expression|image)\s*\()(?!.*@import)[^\\<>]*$/i];
const STYLED_PROPERTIES = [
  'color',
  'background-color',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'text-align',
  'text-decoration',
  'line-height',
  'vertical-align',
  'white-space',
  'margin',
  'margin-top',
  'margin-bottom',
  'margin-left',
  'margin-right',
  'padding',
  'padding-top',
  'padding-bottom',
  'padding-left',
  'padding-right',
  'border',
  'border-top',
  'border-bottom',
  'border-left',
  'border-right',
  'border-collapse',
  'width',
  'max-width',
  'height',
  'display',
];

/**
 * Mail HTML made safe to show: an allow-list of formatting tags and attributes; no script, style
 * sheet, form, frame, object, meta or base; no event handler; links keep an http(s)/mailto target
 * only as a title (nothing navigates); pictures only from data: URIs (cid: ones resolved from `cid`), so
 * no remote image or tracking pixel loads.
 */
export function sanitizeMailHtml(html: string, cid: Map<string, string> = new Map()): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'u', 's', 'strike'],
    disallowedTagsMode: 'discard',
    allowedAttributes: {
      '*': ['style', 'title', 'dir', 'lang'],
      a: ['title'],
      img: ['src', 'alt', 'width', 'height'],
      font: ['color', 'size', 'face'],
      table: ['border', 'cellpadding', 'cellspacing', ...CELL_ATTRIBUTES],
      td: CELL_ATTRIBUTES,
      th: CELL_ATTRIBUTES,
      tr: CELL_ATTRIBUTES,
    },
    allowedSchemes: [],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    allowedStyles: { '*': Object.fromEntries(STYLED_PROPERTIES.map((p) => [p, SAFE_STYLE_VALUE])) },
    transformTags: {
      a: (tagName, attribs): sanitizeHtml.Tag => ({
        tagName,
        attribs: /^(https?:|mailto:)/i.test(attribs.href ?? '') ? { title: attribs.href! } : {},
      }),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        const { src: _src, ...rest } = attribs;
        if (/^cid:/i.test(src)) {
          const data = cid.get(src.slice(4).trim().toLowerCase());
          return { tagName, attribs: data ? { ...rest, src: data } : rest };
        }
        return { tagName, attribs: /^data:image\/(png|jpeg|gif|webp);/i.test(src) ? attribs : rest };
      },
    },
  });
}
