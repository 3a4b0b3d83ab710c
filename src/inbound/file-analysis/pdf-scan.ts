// Finds the active content of a PDF: JavaScript, Launch actions, actions run on open, embedded
// files, and encryption. Names are normalised first (/J#61vaScript is /JavaScript), and
// compressed object streams (/ObjStm, where modern PDFs keep their dictionaries) are inflated
// under a byte cap and scanned too. Only dictionaries are read: the data of other streams
// (images, fonts, page content) is skipped, where bytes such as "/JS" occur by chance and mean
// nothing to a reader. It reports keywords; it does not render or execute.
import { constants, inflateSync } from 'node:zlib';

export interface PdfReport {
  javascript: boolean;
  launch: boolean;
  openAction: boolean;
  embeddedFile: boolean;
  encrypted: boolean;
}

const MAX_OBJECT_STREAMS = 32;
const MAX_OBJECT_STREAM_BYTES = 1024 * 1024;

function normaliseNames(text: string): string {
  if (!text.includes('#')) return text;
  return text.replace(/\/[A-Za-z0-9]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*/g, (name) =>
    name.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  );
}

function scanText(text: string, report: PdfReport): void {
  const t = normaliseNames(text);
  if (/\/(?:JavaScript|JS)(?![A-Za-z0-9])/.test(t)) report.javascript = true;
  if (/\/Launch(?![A-Za-z0-9])/.test(t)) report.launch = true;
  if (/\/(?:OpenAction|AA)(?![A-Za-z0-9])/.test(t)) report.openAction = true;
  if (/\/EmbeddedFiles?(?![A-Za-z0-9])/.test(t)) report.embeddedFile = true;
  if (/\/Encrypt(?![A-Za-z0-9])/.test(t)) report.encrypted = true;
}

/** The inflated contents of the first few /ObjStm streams, each capped. */
function objectStreams(text: string, bytes: Uint8Array): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < MAX_OBJECT_STREAMS) {
    const dict = text.indexOf('/ObjStm', from);
    if (dict < 0) break;
    const start = text.indexOf('stream', dict);
    if (start < 0) break;
    let dataAt = start + 6;
    if (text[dataAt] === '\r') dataAt++;
    if (text[dataAt] === '\n') dataAt++;
    const end = text.indexOf('endstream', dataAt);
    if (end < 0) break;
    from = end;
    try {
      out.push(
        Buffer.from(
          inflateSync(bytes.subarray(dataAt, end), {
            maxOutputLength: MAX_OBJECT_STREAM_BYTES,
            finishFlush: constants.Z_SYNC_FLUSH /* tolerate a truncated or padded stream */,
          }),
        ).toString('latin1'),
      );
    } catch {
      // not Flate, damaged, or larger than the cap: the visible part was scanned already
    }
  }
  return out;
}

/**
 * The file without the data of its streams: "stream" after a dictionary's ">>" up to the next
 * "endstream". A reader takes actions and names from dictionaries only, so a keyword inside a
 * stream's data is not one. A stream whose data holds "endstream" by chance ends early here,
 * which leaves more to scan, never less; data that holds an object ("12 0 obj": a short /Length
 * hiding objects from this scan but not from a lenient reader) is scanned as it is.
 */
function withoutStreamData(text: string): string {
  return text.replace(/>>(\s*)stream(?:\r\n|\r|\n)([\s\S]*?)endstream/g, (whole, space: string, data: string) =>
    /\d+\s+\d+\s+obj\b/.test(data) ? whole : `>>${space}stream endstream`,
  );
}

export function scanPdf(bytes: Uint8Array): PdfReport {
  const report: PdfReport = { javascript: false, launch: false, openAction: false, embeddedFile: false, encrypted: false };
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  scanText(withoutStreamData(text), report);
  for (const inner of objectStreams(text, bytes)) scanText(inner, report);
  return report;
}
