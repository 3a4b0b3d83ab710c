// Text inside outbound attachments, for the DLP conditions and detectors (docs/policy.md
// "Attachments are inspected"): TXT/CSV (UTF-8, UTF-16 with BOM, Shift_JIS/CP932, EUC-JP
// detected), DOCX/XLSX/PPTX (their XML parts), PDF (pdf.js's text layer through unpdf; no OCR)
// and inside ZIP archives (nested at most MAX_ARCHIVE_DEPTH deep). Runs in the analysis worker
// pool. One work budget per message (bytes read or inflated, milliseconds): past it the rest is
// not read and `incomplete` says why; encrypted archives are named in `encryptedArchives`.
// The detectors and the policy's attachmentText regexes run here too, on each file's text, so
// megabytes of text are never scanned on the event loop; only masked finds and counts go back.
import iconv from 'iconv-lite';
import { scanNumbers } from '../policy/detectors.ts';
import { countPersonalData, hasBirthLabel, inBulk, type PersonalDataCount } from '../policy/personal-data.ts';
import { compiledRegex } from '../policy/conditions.ts';
import type { ContentInspection, InspectedText } from '../policy/content-inspection.ts';
import { extensionOf, sniffFileKind } from '../inbound/file-analysis/file-type.ts';
import { isOoxml } from '../inbound/file-analysis/ooxml.ts';
import { extractEntry, OutputCapExceeded, readZipDirectory, type ZipEntry } from '../inbound/file-analysis/zip-reader.ts';

export interface InspectionBudget {
  /** bytes read from attachments and inflated from archives, all attachments together */
  maxBytes: number;
  /** milliseconds of extraction for the whole message */
  maxMs: number;
}

export const DEFAULT_INSPECTION_BUDGET: InspectionBudget = { maxBytes: 32 * 1024 * 1024, maxMs: 5_000 };

/** Archives inside archives are opened this deep (a ZIP in a ZIP in a ZIP); deeper is incomplete. */
export const MAX_ARCHIVE_DEPTH = 3;
/** Members read from one archive at most; more makes the inspection incomplete. */
export const MAX_ARCHIVE_ENTRIES = 1000;
/** Text kept per file; a longer text is cut there and the inspection is incomplete. */
export const MAX_TEXT_CHARS_PER_FILE = 4 * 1024 * 1024;

export interface InspectedFile {
  name: string;
  contentType: string;
  content: Uint8Array;
}

interface Walk {
  out: ContentInspection;
  patterns: readonly string[];
  bytesLeft: number;
  deadline: number;
  budget: InspectionBudget;
}

/** Every attachment's text within the budget; never throws (a broken file is a reason, not an error). */
export async function inspectAttachmentTexts(
  files: InspectedFile[],
  budget: InspectionBudget,
  patterns: readonly string[] = [],
): Promise<ContentInspection> {
  const walk: Walk = {
    out: { texts: [], encryptedArchives: [], incomplete: null },
    patterns,
    bytesLeft: budget.maxBytes,
    deadline: Date.now() + budget.maxMs,
    budget,
  };
  for (const f of files) {
    if (stopped(walk)) break;
    await inspectFile(walk, f.name || '(unnamed)', f.contentType, f.content, 0);
  }
  return walk.out;
}

function incomplete(walk: Walk, why: string): void {
  walk.out.incomplete ??= why;
}

/** True (and the reason recorded) once the budget is spent. */
function stopped(walk: Walk): boolean {
  if (walk.bytesLeft < 0) incomplete(walk, `over the inspection budget of ${walk.budget.maxBytes} bytes`);
  else if (Date.now() > walk.deadline) incomplete(walk, `over the inspection budget of ${walk.budget.maxMs} ms`);
  else return false;
  return true;
}

type Format = 'text' | 'ooxml-or-zip' | 'pdf' | 'skip';

const TEXT_EXTENSIONS = new Set(['txt', 'csv', 'tsv', 'log', 'md', 'json', 'xml', 'html', 'htm', 'eml', 'ini', 'yaml', 'yml']);

function formatOf(name: string, contentType: string, bytes: Uint8Array): Format {
  const kind = sniffFileKind(bytes);
  if (kind === 'zip') return 'ooxml-or-zip';
  if (kind === 'pdf') return 'pdf';
  // images, executables, other archives: no text to read
  if (kind !== 'unknown' && kind !== 'html' && kind !== 'script' && kind !== 'rtf') return 'skip';
  if (TEXT_EXTENSIONS.has(extensionOf(name)) || contentType.startsWith('text/')) return 'text';
  return 'skip';
}

async function inspectFile(walk: Walk, path: string, contentType: string, bytes: Uint8Array, depth: number): Promise<void> {
  const format = formatOf(path, contentType, bytes);
  if (format === 'skip') return;
  walk.bytesLeft -= bytes.byteLength;
  if (stopped(walk)) return;
  try {
    if (format === 'text') keep(walk, path, decodeSniffed(bytes));
    else if (format === 'pdf') keep(walk, path, await pdfText(walk, bytes));
    else await inspectZip(walk, path, bytes, depth);
  } catch (err) {
    incomplete(walk, `${path} could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function keep(walk: Walk, file: string, text: string): void {
  if (text.length > MAX_TEXT_CHARS_PER_FILE) incomplete(walk, `${file}: text longer than ${MAX_TEXT_CHARS_PER_FILE} characters was cut`);
  const kept = text.slice(0, MAX_TEXT_CHARS_PER_FILE);
  if (kept.trim() === '') return;
  const found = analyzeText(file, kept, walk.patterns, walk.deadline);
  if (found.cutShort) incomplete(walk, `over the inspection budget of ${walk.budget.maxMs} ms while searching ${file}`);
  walk.out.texts.push(found.result);
}

/** Detectors scan a long text in pieces this long (cut at a line end), the clock checked between. */
const SCAN_PIECE_CHARS = 256 * 1024;

/** Pieces of the text cut at line ends: no number or address the detectors look for spans a line. */
function* pieces(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + SCAN_PIECE_CHARS);
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      if (nl > at) end = nl + 1;
    }
    yield text.slice(at, end);
    at = end;
  }
}

/**
 * The detectors and the policy's regexes over one file's text (regexes on the NFKC-folded text,
 * linear time). Past the deadline the detectors stop between pieces: `cutShort`.
 */
export function analyzeText(
  file: string,
  text: string,
  patterns: readonly string[],
  deadline = Infinity,
): { result: InspectedText; cutShort: boolean } {
  const result: InspectedText = { file, cards: [], myNumbers: [], personalData: null, patterns: [] };
  const folded = patterns.length > 0 ? text.normalize('NFKC') : '';
  result.patterns = patterns.filter((p) => compiledRegex(p).test(folded));
  const labelled = hasBirthLabel(text);
  const people: PersonalDataCount = { addresses: 0, phones: 0, birthDates: 0 };
  let cutShort = false;
  for (const piece of pieces(text)) {
    if (Date.now() > deadline) {
      cutShort = true;
      break;
    }
    const { cards, myNumbers } = scanNumbers(piece);
    result.cards.push(...cards);
    result.myNumbers.push(...myNumbers);
    const c = countPersonalData(piece, labelled);
    people.addresses += c.addresses;
    people.phones += c.phones;
    people.birthDates += c.birthDates;
  }
  result.personalData = inBulk(people);
  return { result, cutShort };
}

// ---------------------------------------------------------------- plain text

/**
 * Decodes text of unknown charset the way Japanese files come: a BOM decides; valid UTF-8 is
 * UTF-8; otherwise whichever of CP932 (Shift_JIS as Windows writes it) and EUC-JP decodes with
 * fewer invalid sequences (CP932 on a tie: it is what Japanese Excel saves CSV as).
 */
export function decodeSniffed(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  if (buf[0] === 0xff && buf[1] === 0xfe) return iconv.decode(buf.subarray(2), 'utf-16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return iconv.decode(buf.subarray(2), 'utf-16be');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // not UTF-8: one of the Japanese legacy charsets
  }
  const sjis = iconv.decode(buf, 'cp932');
  const euc = iconv.decode(buf, 'euc-jp');
  return invalidCount(euc) < invalidCount(sjis) ? euc : sjis;
}

function invalidCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) n++;
  // Half-width katakana runs are how EUC-JP bytes look when misread as CP932.
  return n + (text.match(/[\uff61-\uff9f]{2,}/g)?.length ?? 0);
}

// ---------------------------------------------------------------- ZIP and Office Open XML

async function inspectZip(walk: Walk, path: string, bytes: Uint8Array, depth: number): Promise<void> {
  const dir = readZipDirectory(bytes, MAX_ARCHIVE_ENTRIES + 1);
  if (dir.entries.length > MAX_ARCHIVE_ENTRIES) incomplete(walk, `${path}: more than ${MAX_ARCHIVE_ENTRIES} members`);
  if (dir.truncated || dir.overlapping) incomplete(walk, `${path}: the archive's directory is broken`);
  const entries = dir.entries.slice(0, MAX_ARCHIVE_ENTRIES);
  if (entries.some((e) => e.encrypted)) walk.out.encryptedArchives.push(path);
  if (isOoxml(entries)) return keep(walk, path, ooxmlText(walk, path, bytes, entries));
  if (depth + 1 > MAX_ARCHIVE_DEPTH)
    return incomplete(walk, `${path}: archives nested more than ${MAX_ARCHIVE_DEPTH} deep were not opened`);
  for (const e of entries) {
    if (e.isDirectory || e.encrypted) continue;
    if (stopped(walk)) return;
    const content = member(walk, path, bytes, e);
    if (content) await inspectFile(walk, `${path}/${e.name}`, '', content, depth + 1);
  }
}

/** A member's bytes inflated within what is left of the budget; null (and the reason) when it does not fit. */
function member(walk: Walk, path: string, bytes: Uint8Array, e: ZipEntry): Uint8Array | null {
  const cap = Math.min(e.uncompressedSize, Math.max(0, walk.bytesLeft));
  try {
    return extractEntry(bytes, e, cap);
  } catch (err) {
    if (err instanceof OutputCapExceeded) {
      walk.bytesLeft = -1;
      incomplete(walk, `${path}/${e.name}: over the inspection budget of ${walk.budget.maxBytes} bytes`);
    } else incomplete(walk, `${path}/${e.name} could not be unpacked: ${(err as Error).message}`);
    return null;
  }
}

/** The parts of a document that hold what its reader sees, in reading order. */
function isTextPart(name: string): boolean {
  return (
    /^word\/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml$/.test(name) ||
    name === 'xl/sharedStrings.xml' ||
    /^xl\/worksheets\/sheet\d+\.xml$/.test(name) ||
    /^ppt\/(slides\/slide|notesSlides\/notesSlide)\d+\.xml$/.test(name)
  );
}

function ooxmlText(walk: Walk, path: string, bytes: Uint8Array, entries: ZipEntry[]): string {
  const parts = entries
    .filter((e) => !e.encrypted && isTextPart(e.name))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const texts: string[] = [];
  for (const e of parts) {
    if (stopped(walk)) break;
    const xml = member(walk, path, bytes, e);
    if (!xml) continue;
    walk.bytesLeft -= xml.byteLength;
    texts.push(xmlText(Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength).toString('utf8')));
  }
  return texts.join('\n');
}

/**
 * An Office XML part reduced to its text: paragraphs, rows and shared strings end lines, cells
 * and tabs become tabs (so neighbouring cells never read as one number). Worksheet cells that
 * point into sharedStrings (t="s") hold an index, not text: dropped; sharedStrings has the text.
 */
export function xmlText(xml: string): string {
  return decodeXmlEntities(
    xml
      .replace(/<c\b[^>]*\bt="s"[^>]*>[\s\S]*?<\/c>/g, '\t')
      .replace(/<\/(w:p|a:p|si|row)>/g, '\n')
      .replace(/<w:tab\/>|<w:br\/>|<\/c>|<\/w:tc>|<\/a:tc>/g, '\t')
      .replace(/<[^>]*>/g, ''),
  );
}

function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|lt|gt|quot|apos|amp);/gi, (_, e: string) => {
    if (e[0] === '#') {
      const n = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\ufffd';
    }
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[e.toLowerCase()] ?? '';
  });
}

// ---------------------------------------------------------------- PDF

/** The text layer of every page, page by page so the time budget is checked between pages. */
async function pdfText(walk: Walk, bytes: Uint8Array): Promise<string> {
  const { getDocumentProxy } = await import('unpdf');
  // pdf.js takes ownership of the buffer it is given: hand it a copy.
  const doc = await getDocumentProxy(new Uint8Array(bytes), { stopAtErrors: false });
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      if (stopped(walk)) break;
      const content = await (await doc.getPage(i)).getTextContent();
      pages.push(content.items.map((it) => ('str' in it ? it.str + (it.hasEOL ? '\n' : '') : '')).join(''));
    }
    return pages.join('\n');
  } finally {
    await doc.loadingTask.destroy();
  }
}
