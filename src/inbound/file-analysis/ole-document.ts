// Looks inside OLE compound files (.doc/.xls/.ppt, vbaProject.bin, encrypted OOXML) with the
// `cfb` reader: VBA macro storages, the VBA source's auto-run and suspicious keywords
// (decompressed per MS-OVBA), Excel 4.0 macro sheets (BIFF BOUNDSHEET type 1), password
// encryption, and files embedded as OLE "Package" objects (returned for further analysis).
import { constants, inflateSync } from 'node:zlib';
import CFB from 'cfb';
import type { CFB$Entry } from 'cfb';

export interface OleReport {
  /** a VBA project is present */
  vba: boolean;
  /** auto-run entry points found in the VBA source (AutoOpen, Workbook_Open, …) */
  autoExec: string[];
  /** suspicious calls in the VBA source (Shell, CreateObject, URLDownloadToFile, …) */
  suspicious: string[];
  /** Excel 4.0 (XLM) macro sheets; `hidden` when any of them is hidden or very hidden */
  excel4: { sheets: number; hidden: boolean } | null;
  /** password-protected document (Office encryption, FILEPASS, Word fEncrypted) */
  encrypted: boolean;
  /** files embedded as OLE Package objects (Ole10Native) */
  embedded: Array<{ name: string; content: Uint8Array }>;
}

const AUTOEXEC = new RegExp(
  String.raw`\b(Auto_?Open|Auto_?Close|Auto_?Exec|Auto_?New|Document_(?:Open|Close|New|BeforeClose)|` +
    String.raw`Workbook_(?:Open|Activate|BeforeClose)|DocumentOpen|DocumentBeforeClose)\b`,
  'gi',
);
const SUSPICIOUS = new RegExp(
  String.raw`\b(Shell(?:Execute)?|WScript\.Shell|CreateObject|GetObject|PowerShell|URLDownloadToFileA?|MSXML2\.XMLHTTP|` +
    String.raw`WinHttp\.WinHttpRequest|ADODB\.Stream|Environ|CallByName|VirtualAlloc|RtlMoveMemory|CreateThread|` +
    String.raw`Lib\s+"kernel32|MacScript|SaveToFile|\.Exec\b|cmd\.exe|certutil|mshta|regsvr32|rundll32)`,
  'gi',
);

/** Sizes above which a stream is not decompressed: macro source is small, bombs are not. */
const MAX_VBA_SOURCE_BYTES = 1024 * 1024;
const MAX_BIFF_RECORDS = 20000;

function content(entry: CFB$Entry): Uint8Array {
  const c = entry.content as unknown;
  if (c instanceof Uint8Array) return c;
  return Uint8Array.from((c as number[] | undefined) ?? []);
}

export function analyzeOle(bytes: Uint8Array): OleReport {
  const report: OleReport = { vba: false, autoExec: [], suspicious: [], excel4: null, encrypted: false, embedded: [] };
  const cfb = CFB.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { type: 'buffer' });
  const autoExec = new Set<string>();
  const suspicious = new Set<string>();
  cfb.FullPaths.forEach((fullPath, i) => {
    const entry = cfb.FileIndex[i];
    const path = fullPath.toLowerCase();
    const name = entry.name.toLowerCase();
    if (name === '_vba_project' || name === 'vba' || path.includes('/vba/') || path.includes('/macros/') || name === '_vba_project_cur')
      report.vba = true;
    if (name === 'encryptedpackage' || name === 'encryptionInfo'.toLowerCase() || name === 'encryptedsummary') report.encrypted = true;
    if (entry.type !== 2) return; // streams only below
    const data = content(entry);
    if (path.includes('/vba/') && name !== 'dir' && !name.startsWith('_vba_project') && !name.startsWith('__srp_')) {
      const source = vbaSource(data);
      if (source) {
        for (const m of source.matchAll(AUTOEXEC)) autoExec.add(m[1]);
        for (const m of source.matchAll(SUSPICIOUS)) suspicious.add(m[1]);
      }
    }
    if (name === 'workbook' || name === 'book') readBiffGlobals(data, report);
    if (name === 'worddocument' && data.length > 12 && (data[11] & 0x01) !== 0) report.encrypted = true;
    if (name === 'powerpoint document') {
      // PowerPoint keeps its VBA project as a zlib-compressed OLE file inside an ExOleObjStg record
      for (const inner of pptEmbeddedStorages(data)) mergeInner(report, inner, autoExec, suspicious);
    }
    if (name === '\u0001ole10native') {
      const embedded = readOle10Native(data);
      if (embedded) report.embedded.push(embedded);
    }
  });
  report.autoExec = [...autoExec];
  report.suspicious = [...suspicious];
  return report;
}

const MAX_PPT_STORAGE_BYTES = 8 * 1024 * 1024;
const MAX_PPT_STORAGES = 8;

/** Compressed ExOleObjStg records (type 0x1011, instance 1) that inflate to OLE files. */
function pptEmbeddedStorages(data: Uint8Array): OleReport[] {
  const out: OleReport[] = [];
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at + 14 < data.length && out.length < MAX_PPT_STORAGES; at++) {
    if (data[at + 2] !== 0x11 || data[at + 3] !== 0x10 || dv.getUint16(at, true) >> 4 !== 1) continue;
    const length = dv.getUint32(at + 4, true);
    if (length < 6 || at + 8 + length > data.length) continue;
    try {
      const inner = inflateSync(data.subarray(at + 12, at + 8 + length), {
        maxOutputLength: MAX_PPT_STORAGE_BYTES,
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      if (inner[0] === 0xd0 && inner[1] === 0xcf) out.push(analyzeOle(inner));
    } catch {
      // not a compressed storage after all
    }
  }
  return out;
}

function mergeInner(report: OleReport, inner: OleReport, autoExec: Set<string>, suspicious: Set<string>): void {
  report.vba ||= inner.vba;
  report.encrypted ||= inner.encrypted;
  for (const a of inner.autoExec) autoExec.add(a);
  for (const a of inner.suspicious) suspicious.add(a);
  report.embedded.push(...inner.embedded);
}

/**
 * The decompressed VBA source of a module stream. Rather than walk the (compressed) dir
 * stream for each module's offset, find the compressed container by its first literal run
 * "\0Attribut" ("Attribute VB_Name" always starts the source) as olevba and SpamAssassin do.
 */
export function vbaSource(stream: Uint8Array): string | null {
  const marker = Buffer.from('\x00Attribut', 'latin1');
  const at = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength).indexOf(marker);
  if (at < 3 || stream[at - 3] !== 0x01) return null;
  const out = decompressOvba(stream, at - 3, MAX_VBA_SOURCE_BYTES);
  return Buffer.from(out).toString('latin1');
}

/** MS-OVBA 2.4.1 decompression, stopping at `cap` output bytes. */
export function decompressOvba(data: Uint8Array, start: number, cap: number): Uint8Array {
  const out = new Uint8Array(cap);
  let n = 0;
  let pos = start + 1;
  while (pos + 2 <= data.length && n < cap) {
    const header = data[pos] | (data[pos + 1] << 8);
    pos += 2;
    const chunkEnd = Math.min(data.length, pos + (header & 0x0fff) + 1);
    const chunkStart = n;
    if ((header & 0x8000) === 0) {
      const end = Math.min(data.length, pos + 4096);
      while (pos < end && n < cap) out[n++] = data[pos++];
      continue;
    }
    while (pos < chunkEnd && n < cap) {
      const flags = data[pos++];
      for (let bit = 0; bit < 8 && pos < chunkEnd && n < cap; bit++) {
        if (((flags >> bit) & 1) === 0) {
          out[n++] = data[pos++];
          continue;
        }
        if (pos + 1 >= data.length) return out.subarray(0, n);
        const token = data[pos] | (data[pos + 1] << 8);
        pos += 2;
        let bitCount = 4;
        while (1 << bitCount < n - chunkStart) bitCount++;
        const lengthMask = 0xffff >> bitCount;
        const length = (token & lengthMask) + 3;
        const offset = (token >> (16 - bitCount)) + 1;
        const from = n - offset;
        if (from < 0) return out.subarray(0, n);
        for (let k = 0; k < length && n < cap; k++) out[n++] = out[from + k]!;
      }
    }
  }
  return out.subarray(0, n);
}

/** Walks the workbook globals substream: BOUNDSHEET records (0x85) and FILEPASS (0x2F). */
function readBiffGlobals(data: Uint8Array, report: OleReport): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let i = 0; i < MAX_BIFF_RECORDS && at + 4 <= data.length; i++) {
    const type = dv.getUint16(at, true);
    const length = dv.getUint16(at + 2, true);
    const body = at + 4;
    if (type === 0x002f) report.encrypted = true;
    if (type === 0x0085 && body + 6 <= data.length) {
      const hidden = (data[body + 4] & 0x03) !== 0;
      const sheetType = data[body + 5];
      if (sheetType === 0x01) {
        report.excel4 ??= { sheets: 0, hidden: false };
        report.excel4.sheets++;
        report.excel4.hidden ||= hidden;
      }
    }
    if (type === 0x000a && i > 0) break; // EOF of the globals substream
    at = body + length;
  }
}

/** An OLE Package object: [size u32][u16][label\0][path\0][u32][u32 len][temp path\0][u32 size][data]. */
function readOle10Native(data: Uint8Array): { name: string; content: Uint8Array } | null {
  try {
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = 6;
    const cstr = (): string => {
      const end = data.indexOf(0, at);
      if (end < 0) throw new Error('unterminated');
      const s = Buffer.from(data.subarray(at, end)).toString('latin1');
      at = end + 1;
      return s;
    };
    const label = cstr();
    cstr(); // original path
    at += 4;
    const tempLength = dv.getUint32(at, true);
    at += 4 + tempLength;
    const size = dv.getUint32(at, true);
    at += 4;
    if (at + size > data.length) return null;
    return { name: label, content: data.subarray(at, at + size) };
  } catch {
    return null;
  }
}
