// The built-in "sandbox" stage: static analysis of attachments. For each file it checks the
// name (dangerous/double extensions, bidi tricks), the true type from magic bytes, Office
// macros, PDF actions, and walks archives within hard limits on depth, entry count, total
// output and compression ratio, so a zip bomb is refused from its directory and never inflated
// past a cap. All attachments of one message share a budget (bytes inflated, milliseconds):
// past it nothing more is inflated, the cheap checks go on, and ATTACH_INSPECTION_INCOMPLETE says
// so. Pure and synchronous: bytes in, findings out, no I/O (the caller runs it off the event loop).
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { ATTACHMENT_SYMBOLS, type AttachmentSymbolName } from './attachment-symbols.ts';
import {
  ARCHIVE_EXTENSIONS,
  DANGEROUS_EXTENSIONS,
  EXECUTABLE_KINDS,
  EXPECTED_KINDS,
  extensionOf,
  sniffFileKind,
  type ExtensionClass,
  type FileKind,
} from './file-type.ts';
import { analyzeOle, type OleReport } from './ole-document.ts';
import { externalTargets, isOoxml, ooxmlParts } from './ooxml.ts';
import { scanPdf } from './pdf-scan.ts';
import { listRar } from './rar-reader.ts';
import { extractEntry, OutputCapExceeded, readZipDirectory, type ZipEntry } from './zip-reader.ts';

export interface AttachmentFinding {
  symbol: AttachmentSymbolName;
  score: number;
  /** the attachment's name as sent */
  filename: string;
  /** path inside archives/documents when the finding is about a member ('' for the file itself) */
  member: string;
  reason: string;
}

export interface AttachmentLimits {
  /** archives inside archives opened at most this deep (the attachment itself is depth 0) */
  maxDepth: number;
  /** members listed over all archives of one attachment */
  maxEntries: number;
  /** bytes inflated over all members of one attachment */
  maxTotalBytes: number;
  /** declared or real size of one member */
  maxEntryBytes: number;
  /** uncompressed/compressed ratio above which a member is a bomb … */
  maxRatio: number;
  /** … once it is at least this large (small files compress well legitimately) */
  ratioMinBytes: number;
}

export const DEFAULT_LIMITS: AttachmentLimits = {
  maxDepth: 3,
  maxEntries: 1000,
  maxTotalBytes: 64 * 1024 * 1024,
  maxEntryBytes: 32 * 1024 * 1024,
  maxRatio: 100,
  ratioMinBytes: 1024 * 1024,
};

/** What one message may cost the attachment analysis, all its attachments together. */
export interface AnalysisBudget {
  /** bytes inflated from archives and compressed files */
  maxBytes: number;
  /** milliseconds of analysis */
  maxMs: number;
}

export const DEFAULT_BUDGET: AnalysisBudget = { maxBytes: 64 * 1024 * 1024, maxMs: 5_000 };

export interface AttachmentReport {
  findings: AttachmentFinding[];
  /** why the analysis stopped short of inspecting everything, or null */
  incomplete: string | null;
}

/** The budget as it is spent during one message's analysis. */
interface Spending {
  budget: AnalysisBudget;
  bytesLeft: number;
  deadline: number;
  stopped: string | null;
}

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** Extensions that make a convincing decoy before a dangerous one (invoice.pdf.exe). */
const DECOY_EXTENSIONS = new Set([
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'txt',
  'rtf',
  'csv',
  'jpg',
  'jpeg',
  'png',
  'gif',
  'bmp',
  'tif',
  'tiff',
  'mp3',
  'mp4',
  'avi',
  'mov',
  'wav',
  'htm',
  'html',
  'zip',
  'rar',
  'eml',
  'msg',
  'xml',
  'odt',
]);
/** Single-file compressors: "x.scr.xz" is an executable in thin disguise. */
const SINGLE_FILE_COMPRESSION = new Set(['gz', 'xz', 'bz2', 'z', 'lz', 'lzma', 'zst']);
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
const CLASS_SYMBOL: Record<ExtensionClass, AttachmentSymbolName> = {
  executable: 'ATTACH_EXECUTABLE',
  script: 'ATTACH_SCRIPT',
  shortcut: 'ATTACH_SHORTCUT',
  'disk-image': 'ATTACH_DISK_IMAGE',
  installer: 'ATTACH_INSTALLER',
};

interface Walk {
  limits: AttachmentLimits;
  filename: string;
  findings: AttachmentFinding[];
  entriesLeft: number;
  bytesLeft: number;
  spending: Spending;
}

function add(walk: Walk, symbol: AttachmentSymbolName, member: string, reason: string): void {
  // one finding per symbol and location: an archive of 500 .exe files is one reason, not 500
  if (walk.findings.some((f) => f.symbol === symbol && f.member === member)) return;
  walk.findings.push({ symbol, score: ATTACHMENT_SYMBOLS[symbol].score, filename: walk.filename, member, reason });
}

function spendingOf(budget: AnalysisBudget): Spending {
  return { budget, bytesLeft: budget.maxBytes, deadline: performance.now() + budget.maxMs, stopped: null };
}

function walkOne(filename: string, content: Uint8Array, limits: Partial<AttachmentLimits>, spending: Spending): AttachmentFinding[] {
  const full = { ...DEFAULT_LIMITS, ...limits };
  const walk: Walk = { limits: full, filename, findings: [], entriesLeft: full.maxEntries, bytesLeft: full.maxTotalBytes, spending };
  analyzeFile(walk, filename, '', content, 0);
  return walk.findings;
}

/** Analyses one attachment (and everything inside it, within `limits` and the default budget). */
export function analyzeAttachment(filename: string, content: Uint8Array, limits: Partial<AttachmentLimits> = {}): AttachmentFinding[] {
  return walkOne(filename, content, limits, spendingOf(DEFAULT_BUDGET));
}

/** Analyses every attachment of a message within one budget; findings are in attachment order. */
export function analyzeAttachments(
  list: ReadonlyArray<{ filename: string; content: Uint8Array }>,
  limits: Partial<AttachmentLimits> = {},
  budget: AnalysisBudget = DEFAULT_BUDGET,
): AttachmentReport {
  const spending = spendingOf(budget);
  const findings = list.flatMap((a) => walkOne(a.filename, a.content, limits, spending));
  if (spending.stopped) {
    findings.push({
      symbol: 'ATTACH_INSPECTION_INCOMPLETE',
      score: ATTACHMENT_SYMBOLS.ATTACH_INSPECTION_INCOMPLETE.score,
      filename: '',
      member: '',
      reason: spending.stopped,
    });
  }
  return { findings, incomplete: spending.stopped };
}

/**
 * May the analysis inflate `bytes` more? No once the message's budget is spent (in bytes or
 * time); the first refusal records why, and nothing is inflated for this message after it.
 */
function mayInflate(walk: Walk, bytes: number): boolean {
  const s = walk.spending;
  if (s.stopped) return false;
  if (performance.now() > s.deadline) s.stopped = `analysis stopped after ${s.budget.maxMs} ms (the per-message budget)`;
  else if (bytes > s.bytesLeft) {
    s.stopped = `attachments would inflate past the per-message budget of ${s.budget.maxBytes} bytes`;
  }
  return s.stopped === null;
}

function spent(walk: Walk, bytes: number): void {
  walk.bytesLeft -= bytes;
  walk.spending.bytesLeft -= bytes;
}

function analyzeFile(walk: Walk, name: string, member: string, bytes: Uint8Array, depth: number): void {
  checkName(walk, name, member);
  const kind = sniffFileKind(bytes);
  if (containsEicar(bytes)) add(walk, 'ATTACH_EICAR', member, `EICAR test signature in ${name || 'unnamed file'}`);
  checkKindAgainstName(walk, name, member, kind);
  switch (kind) {
    case 'zip':
      return walkZip(walk, name, member, bytes, depth);
    case 'rar':
      return walkRar(walk, name, member, bytes);
    case 'gzip':
      return walkGzip(walk, name, member, bytes, depth);
    case '7z':
    case 'cab':
    case 'bzip2':
    case 'xz':
      return add(walk, 'ATTACH_ARCHIVE_UNINSPECTED', member, `${kind} archive ${name} is not unpacked`);
    case 'ole':
      return inspectOle(walk, name, member, bytes, depth);
    case 'pdf':
      return inspectPdf(walk, name, member, bytes);
    case 'rtf':
      if (/\\object\b|\\objdata\b/.test(Buffer.from(bytes.subarray(0, 4 * 1024 * 1024)).toString('latin1'))) {
        add(walk, 'ATTACH_RTF_OBJECT', member, `${name} embeds an OLE object`);
      }
      return;
    default:
      return;
  }
}

function containsEicar(bytes: Uint8Array): boolean {
  // the standard allows the string at the start, followed only by whitespace, within 128 bytes
  if (bytes.length < EICAR.length || bytes.length > 4096) return false;
  return Buffer.from(bytes.subarray(0, 256)).toString('latin1').includes(EICAR);
}

/** Extension list of a base name, ignoring whitespace padding ("a.pdf      .exe"). */
function extensions(name: string): string[] {
  const base = name.replace(/^.*[\\/]/, '').replace(/[\s\u3000]+(?=\.)/g, '');
  return base
    .split('.')
    .slice(1)
    .map((e) => e.toLowerCase().trim());
}

function checkName(walk: Walk, name: string, member: string): void {
  if (!name) return;
  if (BIDI_CONTROLS.test(name)) {
    add(walk, 'ATTACH_RTLO', member, `file name ${JSON.stringify(name)} contains a bidirectional control character`);
  }
  const ext = extensionOf(name.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, ''));
  const cls = DANGEROUS_EXTENSIONS[ext];
  if (cls) add(walk, CLASS_SYMBOL[cls], member, `${name}: .${ext} files run when opened (${cls})`);
  const exts = extensions(name);
  if (exts.length >= 2) {
    const last = exts[exts.length - 1];
    const previous = exts[exts.length - 2];
    if (cls && DECOY_EXTENSIONS.has(previous)) {
      add(walk, 'ATTACH_DOUBLE_EXTENSION', member, `${name}: .${previous}.${last} shows as .${previous} but is .${last}`);
    } else if (DANGEROUS_EXTENSIONS[previous] && SINGLE_FILE_COMPRESSION.has(last)) {
      add(walk, 'ATTACH_DOUBLE_EXTENSION', member, `${name}: compressed .${previous} file`);
      add(walk, CLASS_SYMBOL[DANGEROUS_EXTENSIONS[previous]], member, `${name}: .${previous} inside .${last}`);
    }
  }
}

function checkKindAgainstName(walk: Walk, name: string, member: string, kind: FileKind): void {
  const ext = extensionOf(name);
  if (EXECUTABLE_KINDS.has(kind)) {
    const cls = DANGEROUS_EXTENSIONS[ext];
    if (!cls || (kind === 'lnk' ? cls !== 'shortcut' : cls === 'shortcut')) {
      add(
        walk,
        'ATTACH_DISGUISED_EXECUTABLE',
        member,
        `${name || 'unnamed file'} is a ${kind.toUpperCase()} executable${ext ? ` named .${ext}` : ''}`,
      );
    }
    return;
  }
  if (kind === 'iso' && DANGEROUS_EXTENSIONS[ext] !== 'disk-image') {
    add(walk, 'ATTACH_DISK_IMAGE', member, `${name} is a disk image${ext ? ` named .${ext}` : ''}`);
    return;
  }
  const expected = EXPECTED_KINDS[ext];
  if (expected && kind !== 'unknown' && !expected.includes(kind) && !(ARCHIVE_EXTENSIONS.has(ext) && isArchiveKind(kind))) {
    add(walk, 'ATTACH_TYPE_MISMATCH', member, `${name} is ${kind} content under a .${ext} name`);
  }
}

function isArchiveKind(kind: FileKind): boolean {
  return kind === 'zip' || kind === 'rar' || kind === '7z' || kind === 'gzip' || kind === 'bzip2' || kind === 'xz' || kind === 'cab';
}

function join(member: string, name: string): string {
  return member ? `${member}/${name}` : name;
}

function walkZip(walk: Walk, name: string, member: string, bytes: Uint8Array, depth: number): void {
  let directory: ReturnType<typeof readZipDirectory>;
  try {
    directory = readZipDirectory(bytes, walk.entriesLeft + 1);
  } catch (err) {
    return add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: ${(err as Error).message}`);
  }
  const entries = directory.entries;
  walk.entriesLeft -= entries.length;
  if (walk.entriesLeft < 0) {
    return add(walk, 'ATTACH_ARCHIVE_TOO_MANY', member, `${name}: more than ${walk.limits.maxEntries} files in archives`);
  }
  if (directory.truncated) add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: central directory is truncated`);
  const ooxml = isOoxml(entries);
  if (!ooxml) for (const e of entries) checkName(walk, e.name, join(member, e.name));
  const bomb = bombReason(walk, entries, directory.overlapping);
  if (bomb) return add(walk, 'ATTACH_ZIP_BOMB', member, `${name}: ${bomb}`);
  const encrypted = entries.filter((e) => e.encrypted);
  if (encrypted.length > 0) {
    const how = encrypted.some((e) => e.aes) ? 'AES' : 'ZipCrypto';
    add(
      walk,
      'ATTACH_ENCRYPTED_ARCHIVE',
      member,
      `${name}: ${encrypted.length} of ${entries.length} files are password protected (${how}) and cannot be inspected`,
    );
  }
  if (ooxml) return inspectOoxml(walk, name, member, bytes, entries, depth);
  if (depth + 1 > walk.limits.maxDepth) {
    if (entries.some((e) => !e.isDirectory))
      add(walk, 'ATTACH_ARCHIVE_TOO_DEEP', member, `${name}: archives nested more than ${walk.limits.maxDepth} deep`);
    return;
  }
  for (const e of entries) {
    if (e.isDirectory || e.encrypted) continue;
    const content = readMember(walk, name, member, bytes, e);
    if (content === 'stop') return;
    if (content) analyzeFile(walk, e.name, join(member, e.name), content, depth + 1);
  }
}

/** Why this directory describes a bomb, from declared sizes and layout alone; null if it does not. */
function bombReason(walk: Walk, entries: readonly ZipEntry[], overlapping: boolean): string | null {
  const { maxEntryBytes, maxTotalBytes, maxRatio, ratioMinBytes } = walk.limits;
  if (overlapping) return 'members overlap each other (a bomb built from shared data)';
  let total = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
    if (e.uncompressedSize >= ratioMinBytes && ratio > maxRatio) return `${e.name} compresses ${Math.round(ratio)}:1 (limit ${maxRatio}:1)`;
    if (e.uncompressedSize > maxEntryBytes) return `${e.name} would expand to ${e.uncompressedSize} bytes (limit ${maxEntryBytes})`;
  }
  if (total > walk.bytesLeft) return `members would expand to ${total} bytes (limit ${maxTotalBytes} in total)`;
  return null;
}

/** A member's bytes, never more than its declared size or the budget; 'stop' after a bomb. */
function readMember(walk: Walk, name: string, member: string, bytes: Uint8Array, e: ZipEntry): Uint8Array | null | 'stop' {
  if (e.method !== 0 && e.method !== 8) {
    add(walk, 'ATTACH_ARCHIVE_UNINSPECTED', join(member, e.name), `${name}: ${e.name} uses compression method ${e.method}`);
    return null;
  }
  if (!mayInflate(walk, e.method === 0 ? 0 : e.uncompressedSize)) return null;
  const cap = Math.min(e.uncompressedSize, walk.bytesLeft, walk.limits.maxEntryBytes);
  try {
    const content = extractEntry(bytes, e, cap);
    spent(walk, e.method === 0 ? 0 : content.length);
    return content;
  } catch (err) {
    if (err instanceof OutputCapExceeded) {
      add(
        walk,
        'ATTACH_ZIP_BOMB',
        member,
        `${name}: ${e.name} expands beyond its declared ${e.uncompressedSize} bytes; stopped at the cap`,
      );
      return 'stop';
    }
    add(walk, 'ATTACH_ARCHIVE_MALFORMED', join(member, e.name), `${name}: ${(err as Error).message}`);
    return null;
  }
}

function walkRar(walk: Walk, name: string, member: string, bytes: Uint8Array): void {
  const listing = listRar(bytes, Math.max(0, walk.entriesLeft));
  walk.entriesLeft -= listing.names.length;
  for (const n of listing.names) checkName(walk, n, join(member, n));
  if (listing.encrypted) add(walk, 'ATTACH_ENCRYPTED_ARCHIVE', member, `${name}: password-protected RAR cannot be inspected`);
  else if (listing.incomplete) add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: RAR headers could not be read`);
  // RAR members are listed, not decompressed: their contents stay unknown
  add(walk, 'ATTACH_ARCHIVE_UNINSPECTED', member, `RAR archive ${name}: member names checked, contents not unpacked`);
}

function gzipInnerName(name: string, bytes: Uint8Array): string {
  // FNAME (flag 0x08) holds the original name; else drop the .gz suffix
  if (bytes.length > 10 && (bytes[3] & 0x08) !== 0) {
    let at = 10;
    if (bytes[3] & 0x04) at += 2 + (bytes[10] | (bytes[11] << 8));
    const end = bytes.indexOf(0, at);
    if (end > at) return Buffer.from(bytes.subarray(at, end)).toString('latin1');
  }
  return name.replace(/\.(gz|tgz)$/i, (m) => (m.toLowerCase() === '.tgz' ? '.tar' : ''));
}

function walkGzip(walk: Walk, name: string, member: string, bytes: Uint8Array, depth: number): void {
  if (depth + 1 > walk.limits.maxDepth)
    return add(walk, 'ATTACH_ARCHIVE_TOO_DEEP', member, `${name}: archives nested more than ${walk.limits.maxDepth} deep`);
  const inner = gzipInnerName(name, bytes);
  // ISIZE (last 4 bytes) is the declared size mod 2^32: a cheap first bomb check
  const declared = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
  const cap = Math.min(walk.bytesLeft, walk.limits.maxEntryBytes, walk.spending.bytesLeft);
  if (declared >= walk.limits.ratioMinBytes && declared / bytes.length > walk.limits.maxRatio) {
    return add(
      walk,
      'ATTACH_ZIP_BOMB',
      member,
      `${name}: compresses ${Math.round(declared / bytes.length)}:1 (limit ${walk.limits.maxRatio}:1)`,
    );
  }
  // ISIZE can lie, so the real output is capped too; a cap set by the message's budget is not a bomb.
  if (!mayInflate(walk, declared)) return;
  let content: Uint8Array;
  try {
    content = gunzipSync(bytes, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      if (cap === walk.spending.bytesLeft && cap < Math.min(walk.bytesLeft, walk.limits.maxEntryBytes)) {
        walk.spending.stopped ??= `attachments would inflate past the per-message budget of ${walk.spending.budget.maxBytes} bytes`;
        return;
      }
      return add(walk, 'ATTACH_ZIP_BOMB', member, `${name}: expands beyond ${cap} bytes; stopped at the cap`);
    }
    return add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: ${e.message}`);
  }
  spent(walk, content.length);
  analyzeFile(walk, inner, join(member, inner), content, depth + 1);
}

function inspectOle(walk: Walk, name: string, member: string, bytes: Uint8Array, depth: number): void {
  let report: ReturnType<typeof analyzeOle>;
  try {
    report = analyzeOle(bytes);
  } catch (err) {
    return add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: unreadable OLE document (${(err as Error).message})`);
  }
  if (report.vba) add(walk, 'ATTACH_OFFICE_MACRO', member, `${name} contains VBA macros`);
  addMacroBehaviour(walk, name, member, report);
  if (report.excel4) {
    add(
      walk,
      'ATTACH_EXCEL4_MACRO',
      member,
      `${name} has ${report.excel4.sheets} Excel 4.0 macro sheet(s)${report.excel4.hidden ? ', hidden' : ''}`,
    );
  }
  if (report.encrypted) add(walk, 'ATTACH_OFFICE_ENCRYPTED', member, `${name} is password protected and cannot be inspected`);
  for (const e of report.embedded) {
    add(walk, 'ATTACH_OLE_EMBEDDED_FILE', join(member, e.name), `${name} embeds ${e.name}`);
    if (depth + 1 <= walk.limits.maxDepth) analyzeFile(walk, e.name, join(member, e.name), e.content, depth + 1);
  }
}

function inspectOoxml(walk: Walk, name: string, member: string, bytes: Uint8Array, entries: readonly ZipEntry[], depth: number): void {
  const parts = ooxmlParts(entries);
  if (parts.macroSheets.length > 0) {
    add(walk, 'ATTACH_EXCEL4_MACRO', member, `${name} has ${parts.macroSheets.length} Excel 4.0 macro sheet(s)`);
  }
  if (parts.vbaProjects.length > 0) add(walk, 'ATTACH_OFFICE_MACRO', member, `${name} contains VBA macros (${parts.vbaProjects[0].name})`);
  for (const rel of parts.relationships) {
    const content = readMember(walk, name, member, bytes, rel);
    if (content === 'stop') return;
    if (!content) continue;
    const targets = externalTargets(Buffer.from(content).toString('utf8'));
    if (targets.loaded.length > 0) add(walk, 'ATTACH_OFFICE_REMOTE_TEMPLATE', member, `${name} loads ${targets.loaded[0]} when opened`);
    if (targets.links.length > 0) add(walk, 'ATTACH_OFFICE_EXTERNAL_LINK', member, `${name} links to ${targets.links[0]}`);
  }
  if (depth + 1 > walk.limits.maxDepth) return;
  // VBA projects and embedded objects are OLE/other files: analyse them like attachments
  for (const e of [...parts.vbaProjects, ...parts.embeddings]) {
    const content = readMember(walk, name, member, bytes, e);
    if (content === 'stop') return;
    if (!content) continue;
    if (parts.vbaProjects.includes(e)) inspectVbaProject(walk, name, member, content);
    else analyzeFile(walk, e.name.replace(/^.*\//, ''), join(member, e.name), content, depth + 1);
  }
}

function inspectVbaProject(walk: Walk, name: string, member: string, content: Uint8Array): void {
  try {
    addMacroBehaviour(walk, name, member, analyzeOle(content));
  } catch {
    add(walk, 'ATTACH_ARCHIVE_MALFORMED', member, `${name}: unreadable vbaProject.bin`);
  }
}

function addMacroBehaviour(walk: Walk, name: string, member: string, report: OleReport): void {
  if (report.autoExec.length > 0)
    add(walk, 'ATTACH_OFFICE_MACRO_AUTOEXEC', member, `${name}: macro runs on open (${report.autoExec.join(', ')})`);
  if (report.suspicious.length > 0)
    add(walk, 'ATTACH_OFFICE_MACRO_SUSPICIOUS', member, `${name}: macro calls ${report.suspicious.slice(0, 5).join(', ')}`);
}

function inspectPdf(walk: Walk, name: string, member: string, bytes: Uint8Array): void {
  const pdf = scanPdf(bytes);
  if (pdf.javascript) add(walk, 'ATTACH_PDF_JAVASCRIPT', member, `${name} contains JavaScript`);
  if (pdf.launch) add(walk, 'ATTACH_PDF_LAUNCH', member, `${name} has a /Launch action`);
  if (pdf.openAction) add(walk, 'ATTACH_PDF_AUTO_ACTION', member, `${name} runs an action when opened`);
  if (pdf.embeddedFile) add(walk, 'ATTACH_PDF_EMBEDDED_FILE', member, `${name} embeds a file`);
  if (pdf.encrypted) add(walk, 'ATTACH_PDF_ENCRYPTED', member, `${name} is encrypted`);
}
