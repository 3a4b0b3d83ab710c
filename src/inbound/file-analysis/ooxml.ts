// Recognises Office Open XML documents (.docx/.xlsm/…) from their ZIP member names, and says
// which members hold risk: VBA projects (vbaProject.bin), Excel 4.0 macro sheets
// (xl/macrosheets/), embedded objects, and relationship files that may point to a remote
// template or object (the "template injection" trick). Names only: reading is the caller's.
import type { ZipEntry } from './zip-reader.ts';

export function isOoxml(entries: readonly ZipEntry[]): boolean {
  return entries.some((e) => e.name === '[Content_Types].xml');
}

export interface OoxmlParts {
  vbaProjects: ZipEntry[];
  macroSheets: ZipEntry[];
  embeddings: ZipEntry[];
  relationships: ZipEntry[];
}

export function ooxmlParts(entries: readonly ZipEntry[]): OoxmlParts {
  const parts: OoxmlParts = { vbaProjects: [], macroSheets: [], embeddings: [], relationships: [] };
  for (const e of entries) {
    const n = e.name.toLowerCase();
    if (n.endsWith('vbaproject.bin')) parts.vbaProjects.push(e);
    else if (n.startsWith('xl/macrosheets/') && !n.endsWith('/')) parts.macroSheets.push(e);
    else if (/\/embeddings\/[^/]+$/.test(n)) parts.embeddings.push(e);
    else if (n.endsWith('.rels')) parts.relationships.push(e);
  }
  return parts;
}

export interface ExternalTargets {
  /** loaded automatically when the document opens: templates, OLE objects, frames */
  loaded: string[];
  /** plain hyperlinks the reader may click */
  links: string[];
}

const LOADED_TYPES = /\/(attachedTemplate|oleObject|frame|subDocument|externalLinkPath)["']/i;

/** External targets of a .rels document, split by whether Office fetches them by itself. */
export function externalTargets(relsXml: string): ExternalTargets {
  const out: ExternalTargets = { loaded: [], links: [] };
  for (const m of relsXml.matchAll(/<Relationship\b[^>]*>/g)) {
    const tag = m[0];
    if (!/TargetMode\s*=\s*["']External["']/i.test(tag)) continue;
    const target = /Target\s*=\s*["']([^"']*)["']/i.exec(tag);
    if (!target) continue;
    (LOADED_TYPES.test(tag) ? out.loaded : out.links).push(target[1]);
  }
  return out;
}
