// Lists the member names of a RAR archive (versions 4 and 5) from its block headers, without
// decompressing anything: enough to see an .exe or .scr hidden inside. Stops at the first
// malformed header or when headers are encrypted, and says so.

export interface RarListing {
  names: string[];
  /** some member is password protected, or the headers themselves are encrypted */
  encrypted: boolean;
  /** names could not be read (encrypted headers or a broken block) */
  incomplete: boolean;
}

const RAR4_SIG = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00];
const RAR5_SIG = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00];

function has(bytes: Uint8Array, sig: number[]): boolean {
  return sig.every((b, i) => bytes[i] === b);
}

export function listRar(bytes: Uint8Array, maxEntries: number): RarListing {
  if (has(bytes, RAR5_SIG)) return listRar5(bytes, maxEntries);
  if (has(bytes, RAR4_SIG)) return listRar4(bytes, maxEntries);
  return { names: [], encrypted: false, incomplete: true };
}

function listRar4(bytes: Uint8Array, maxEntries: number): RarListing {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RarListing = { names: [], encrypted: false, incomplete: false };
  let at = RAR4_SIG.length;
  while (at + 7 <= bytes.length && out.names.length < maxEntries) {
    const type = bytes[at + 2];
    const flags = dv.getUint16(at + 3, true);
    const headSize = dv.getUint16(at + 5, true);
    if (headSize < 7) {
      out.incomplete = true;
      break;
    }
    let addSize = 0;
    if (flags & 0x8000 && at + 11 <= bytes.length) addSize = dv.getUint32(at + 7, true);
    if (type === 0x73 && flags & 0x0080) {
      out.encrypted = true;
      out.incomplete = true;
      break;
    } // MHD_PASSWORD
    if (type === 0x74 && at + 32 <= bytes.length) {
      const packSize = dv.getUint32(at + 7, true);
      const nameSize = dv.getUint16(at + 26, true);
      const nameAt = at + 32 + (flags & 0x100 ? 8 : 0);
      if (flags & 0x04) out.encrypted = true;
      const raw = bytes.subarray(nameAt, Math.min(bytes.length, nameAt + nameSize));
      // with LHD_UNICODE the name is "ascii\0encoded-unicode"; the ASCII part is enough for extensions
      const zero = raw.indexOf(0);
      out.names.push(Buffer.from(zero >= 0 ? raw.subarray(0, zero) : raw).toString(flags & 0x200 && zero < 0 ? 'utf8' : 'latin1'));
      addSize = packSize;
    }
    if (type === 0x7b) break; // end of archive
    at += headSize + addSize;
  }
  return out;
}

function readVint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 1;
  for (let i = 0; i < 10 && at + i < bytes.length; i++) {
    const b = bytes[at + i];
    value += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  throw new Error('bad vint');
}

function listRar5(bytes: Uint8Array, maxEntries: number): RarListing {
  const out: RarListing = { names: [], encrypted: false, incomplete: false };
  let at = RAR5_SIG.length;
  try {
    while (at + 4 < bytes.length && out.names.length < maxEntries) {
      const [headerSize, afterSize] = readVint(bytes, at + 4);
      const headerEnd = afterSize + headerSize;
      let [type, p] = readVint(bytes, afterSize);
      let flags: number;
      [flags, p] = readVint(bytes, p);
      let dataSize = 0;
      if (flags & 1) [, p] = readVint(bytes, p);
      if (flags & 2) [dataSize, p] = readVint(bytes, p);
      if (type === 4) {
        out.encrypted = true;
        out.incomplete = true;
        break;
      } // archive encryption header
      if (type === 2) {
        let fileFlags: number;
        [fileFlags, p] = readVint(bytes, p);
        [, p] = readVint(bytes, p); // unpacked size
        [, p] = readVint(bytes, p); // attributes
        if (fileFlags & 2) p += 4; // mtime
        if (fileFlags & 4) p += 4; // data CRC32
        [, p] = readVint(bytes, p); // compression info
        [, p] = readVint(bytes, p); // host OS
        let nameLength: number;
        [nameLength, p] = readVint(bytes, p);
        out.names.push(Buffer.from(bytes.subarray(p, p + nameLength)).toString('utf8'));
        // file encryption record (type 1) in the extra area
        if (flags & 1 && bytes.subarray(p + nameLength, headerEnd).length > 0) {
          const [, q] = readVint(bytes, p + nameLength);
          const [recordType] = readVint(bytes, q);
          if (recordType === 1) out.encrypted = true;
        }
      }
      if (type === 5) break; // end of archive
      at = headerEnd + dataSize;
    }
  } catch {
    out.incomplete = true;
  }
  return out;
}
