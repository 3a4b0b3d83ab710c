// The attachment symbols with their default scores and descriptions, in one table so docs,
// tests and the admin console agree. Scores are on the spam scale (tag 4, quarantine 8): a
// single executable or an archive bomb is enough to quarantine on its own. `findingsToSymbols`
// turns the analysis's findings into the verdict's symbols (the built-in scorer and sandbox).
import type { InboundSymbol } from '../../model/verdict.ts';
import type { AttachmentFinding } from './analyze-attachment.ts';

export const ATTACHMENT_SYMBOLS = {
  ATTACH_EXECUTABLE: { score: 10, description: 'Executable program attached (.exe, .scr, .com, …)' },
  ATTACH_SCRIPT: { score: 10, description: 'Script file attached (.js, .vbs, .hta, .wsf, .ps1, .bat, …)' },
  ATTACH_SHORTCUT: { score: 10, description: 'Shortcut file attached (.lnk, .url)' },
  ATTACH_DISK_IMAGE: { score: 8, description: 'Disk image attached (.iso, .img, .vhd): often carries executables' },
  ATTACH_INSTALLER: { score: 8, description: 'Installer package attached (.msi, .appx, …)' },
  ATTACH_DISGUISED_EXECUTABLE: { score: 12, description: 'Executable content hidden under a harmless-looking name' },
  ATTACH_TYPE_MISMATCH: { score: 3, description: 'File content does not match its extension' },
  ATTACH_DOUBLE_EXTENSION: { score: 6, description: 'Double extension hides the real type (invoice.pdf.exe)' },
  ATTACH_RTLO: { score: 8, description: 'Bidirectional control character (U+202E) disguises the file name' },
  ATTACH_OFFICE_MACRO: { score: 5, description: 'Office document contains VBA macros' },
  ATTACH_OFFICE_MACRO_AUTOEXEC: { score: 3, description: 'Macro runs automatically when the document opens' },
  ATTACH_OFFICE_MACRO_SUSPICIOUS: { score: 4, description: 'Macro calls risky functions (Shell, CreateObject, downloads, …)' },
  ATTACH_EXCEL4_MACRO: { score: 8, description: 'Excel 4.0 (XLM) macro sheet' },
  ATTACH_OFFICE_REMOTE_TEMPLATE: { score: 6, description: 'Office document loads a template or object from a remote address' },
  ATTACH_OFFICE_EXTERNAL_LINK: { score: 0.5, description: 'Office document links to an external address' },
  ATTACH_OFFICE_ENCRYPTED: { score: 3, description: 'Password-protected Office document: contents cannot be inspected' },
  ATTACH_OLE_EMBEDDED_FILE: { score: 2, description: 'Office document embeds a file (OLE package)' },
  ATTACH_PDF_JAVASCRIPT: { score: 5, description: 'PDF contains JavaScript' },
  ATTACH_PDF_LAUNCH: { score: 8, description: 'PDF launches a program (/Launch action)' },
  ATTACH_PDF_AUTO_ACTION: { score: 1, description: 'PDF runs an action when opened (/OpenAction, /AA)' },
  ATTACH_PDF_EMBEDDED_FILE: { score: 2, description: 'PDF carries an embedded file' },
  ATTACH_PDF_ENCRYPTED: { score: 1, description: 'Encrypted PDF' },
  ATTACH_RTF_OBJECT: { score: 3, description: 'RTF document embeds an OLE object' },
  ATTACH_ENCRYPTED_ARCHIVE: { score: 4, description: 'Password-protected archive: contents cannot be inspected' },
  ATTACH_ARCHIVE_UNINSPECTED: { score: 1, description: 'Archive format that is not unpacked (7z, cab, xz, bzip2)' },
  ATTACH_ARCHIVE_MALFORMED: { score: 4, description: 'Archive or document container is damaged or uses tricks that prevent inspection' },
  ATTACH_ARCHIVE_TOO_DEEP: { score: 6, description: 'Archives nested deeper than the limit' },
  ATTACH_ARCHIVE_TOO_MANY: { score: 6, description: 'Archive holds more files than the limit' },
  ATTACH_ZIP_BOMB: { score: 15, description: 'Archive bomb: expands far beyond the size or ratio limits; not unpacked' },
  ATTACH_EICAR: { score: 20, description: 'EICAR anti-virus test file' },
  ATTACH_INSPECTION_INCOMPLETE: {
    score: 5,
    description: "Attachments exceed the message's analysis budget (bytes or time): not all could be inspected",
  },
} as const satisfies Record<string, { score: number; description: string }>;

export type AttachmentSymbolName = keyof typeof ATTACHMENT_SYMBOLS;

export function findingsToSymbols(findings: readonly AttachmentFinding[]): InboundSymbol[] {
  return findings.map((f) => ({
    name: f.symbol,
    score: f.score,
    description: ATTACHMENT_SYMBOLS[f.symbol].description,
    detail: f.member ? `${f.filename} › ${f.member}: ${f.reason}` : f.reason,
  }));
}
