// Test helper: writes ZIP archives byte by byte, including malformed ones real tools refuse to
// make (sizes that lie, overlapping members), so bomb defences can be tested without ever
// creating the huge content. Real encrypted archives come from @zip.js/zip.js instead.
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** the bytes stored in the archive (already deflated when method is 8) */
  data: Uint8Array;
  method: 0 | 8;
  uncompressedSize: number;
  flags?: number;
  /** reuse another entry's local header and data (overlapping-member bomb) */
  sameDataAs?: number;
}

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export function buildZip(entries: RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    if (e.sameDataAs !== undefined) {
      offsets.push(offsets[e.sameDataAs]);
      return;
    }
    const name = Buffer.from(e.name, 'utf8');
    const header = Uint8Array.from([
      ...u32(0x04034b50),
      ...u16(20),
      ...u16((e.flags ?? 0) | 0x800),
      ...u16(e.method),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(e.data.length),
      ...u32(e.uncompressedSize),
      ...u16(name.length),
      ...u16(0),
    ]);
    offsets.push(offset);
    parts.push(header, name, e.data);
    offset += header.length + name.length + e.data.length;
    void i;
  });
  const cdStart = offset;
  entries.forEach((e, i) => {
    const name = Buffer.from(e.name, 'utf8');
    const src = e.sameDataAs !== undefined ? entries[e.sameDataAs] : e;
    const cd = Uint8Array.from([
      ...u32(0x02014b50),
      ...u16(20),
      ...u16(20),
      ...u16((e.flags ?? 0) | 0x800),
      ...u16(src.method),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(src.data.length),
      ...u32(e.uncompressedSize),
      ...u16(name.length),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(offsets[i]),
    ]);
    parts.push(cd, name);
    offset += cd.length + name.length;
  });
  parts.push(
    Uint8Array.from([
      ...u32(0x06054b50),
      ...u16(0),
      ...u16(0),
      ...u16(entries.length),
      ...u16(entries.length),
      ...u32(offset - cdStart),
      ...u32(cdStart),
      ...u16(0),
    ]),
  );
  return Buffer.concat(parts);
}

/** A stored or deflated entry holding `content`, with honest sizes. */
export function fileEntry(name: string, content: Uint8Array, method: 0 | 8 = 8): RawEntry {
  return { name, data: method === 8 ? deflateRawSync(content) : content, method, uncompressedSize: content.length };
}

/** Raw deflate of `size` zero bytes, streamed so the zeros never exist in memory at once. */
export async function deflatedZeros(size: number): Promise<Uint8Array> {
  const chunk = Buffer.alloc(1024 * 1024);
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  for (let left = size; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!deflate.write(piece)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat(out);
}
