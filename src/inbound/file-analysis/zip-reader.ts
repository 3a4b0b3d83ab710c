// Reads a ZIP archive's table of contents (central directory) without decompressing anything,
// and inflates single entries under a hard output cap. Sizes come from the central directory
// first, so a bomb is refused from its declared sizes; an entry that lies about its size is
// stopped by zlib's maxOutputLength at the cap, never inflated into memory beyond it.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** general-purpose flag bit 0: the entry is encrypted (ZipCrypto or AES) */
  encrypted: boolean;
  /** WinZip AES extra field (0x9901) present */
  aes: boolean;
  /** 0 stored, 8 deflate; anything else we cannot inflate */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  isDirectory: boolean;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** the directory claims more entries than could be read (truncated or malformed) */
  truncated: boolean;
  /** two entries share bytes: the overlapping-file bomb construction (Fifield 2019) */
  overlapping: boolean;
}

export class ZipFormatError extends Error {}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function findEndOfCentralDirectory(bytes: Uint8Array, dv: DataView): number {
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (dv.getUint32(i, true) === EOCD_SIG) return i;
  }
  throw new ZipFormatError('no end-of-central-directory record');
}

function readBigSize(dv: DataView, at: number): number {
  const n = dv.getBigUint64(at, true);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** Lists the entries of a ZIP from its central directory; at most `maxEntries` are read. */
export function readZipDirectory(bytes: Uint8Array, maxEntries: number): ZipDirectory {
  const dv = view(bytes);
  const eocd = findEndOfCentralDirectory(bytes, dv);
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && dv.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const z64 = readBigSize(dv, locator + 8);
    if (z64 + 56 <= bytes.length && dv.getUint32(z64, true) === ZIP64_EOCD_SIG) {
      count = readBigSize(dv, z64 + 32);
      cdOffset = readBigSize(dv, z64 + 48);
    }
  }
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  const wanted = Math.min(count, maxEntries);
  while (entries.length < wanted && at + 46 <= bytes.length && dv.getUint32(at, true) === CDH_SIG) {
    const flags = dv.getUint16(at + 8, true);
    const method = dv.getUint16(at + 10, true);
    let compressedSize = dv.getUint32(at + 20, true);
    let uncompressedSize = dv.getUint32(at + 24, true);
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    let localHeaderOffset = dv.getUint32(at + 42, true);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = decodeName(nameBytes, (flags & 0x800) !== 0);
    let aes = false;
    let x = at + 46 + nameLength;
    const extraEnd = Math.min(bytes.length, x + extraLength);
    while (x + 4 <= extraEnd) {
      const id = dv.getUint16(x, true);
      const size = dv.getUint16(x + 2, true);
      if (id === 0x9901) aes = true;
      if (id === 0x0001) {
        // ZIP64 extended sizes: present only for the fields that are 0xFFFFFFFF
        let p = x + 4;
        if (uncompressedSize === 0xffffffff && p + 8 <= extraEnd) {
          uncompressedSize = readBigSize(dv, p);
          p += 8;
        }
        if (compressedSize === 0xffffffff && p + 8 <= extraEnd) {
          compressedSize = readBigSize(dv, p);
          p += 8;
        }
        if (localHeaderOffset === 0xffffffff && p + 8 <= extraEnd) {
          localHeaderOffset = readBigSize(dv, p);
        }
      }
      x += 4 + size;
    }
    entries.push({
      name,
      encrypted: (flags & 1) !== 0,
      aes,
      method,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      isDirectory: name.endsWith('/'),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, truncated: entries.length < wanted, overlapping: hasOverlap(entries) };
}

/** ZIP names are UTF-8 when flag 11 is set; otherwise CP437 in theory, but Japanese Windows
 *  writes CP932. Decode as UTF-8 when valid, else keep bytes as latin1 (names are only
 *  matched for extensions, which are ASCII). */
function decodeName(nameBytes: Uint8Array, utf8: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(nameBytes);
  } catch {
    if (utf8) return new TextDecoder('utf-8').decode(nameBytes);
    return Buffer.from(nameBytes).toString('latin1');
  }
}

function hasOverlap(entries: ZipEntry[]): boolean {
  const spans = entries
    .filter((e) => !e.isDirectory || e.compressedSize > 0)
    .map((e) => [e.localHeaderOffset, e.localHeaderOffset + 30 + e.compressedSize] as const)
    .sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) return true;
  return false;
}

/** Where an entry's compressed data starts, from its local header. */
function dataOffset(bytes: Uint8Array, entry: ZipEntry): number {
  const dv = view(bytes);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || dv.getUint32(at, true) !== LFH_SIG) throw new ZipFormatError(`bad local header for ${entry.name}`);
  return at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
}

export class OutputCapExceeded extends Error {}

/**
 * The entry's content, inflated with at most `cap` bytes of output. Throws OutputCapExceeded
 * when the real content would be larger (the declared size lied, or the cap is smaller).
 */
export function extractEntry(bytes: Uint8Array, entry: ZipEntry, cap: number): Uint8Array {
  const start = dataOffset(bytes, entry);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipFormatError(`entry ${entry.name} runs past the end of the archive`);
  const data = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (data.length > cap) throw new OutputCapExceeded(entry.name);
    return data;
  }
  if (entry.method !== 8) throw new ZipFormatError(`unsupported compression method ${entry.method}`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, cap) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new OutputCapExceeded(entry.name);
    throw new ZipFormatError(`cannot inflate ${entry.name}: ${(err as Error).message}`);
  }
}
