// Encodes and decodes text in the charsets Japanese mail uses, for rewrites that must put new
// text into an existing part or header without touching the original bytes. `encodeText`
// returns null when the charset cannot represent the text exactly (checked by decoding the
// result back with the WHATWG decoder mail clients use), so callers pick a safe fallback
// instead of sending '?' or mojibake. ISO-2022-JP is encoded here (iconv-lite lacks it).
import iconv from 'iconv-lite';

/** Canonical lower-case charset name, with the aliases mail software actually sends. */
export function normalizeCharset(charset: string | false | null | undefined): string {
  const name = (charset || 'us-ascii').toString().trim().toLowerCase().replace(/^"|"$/g, '');
  switch (name) {
    case 'ascii':
    case 'us-ascii':
    case 'ansi_x3.4-1968':
    case '7bit':
      return 'us-ascii';
    case 'utf8':
      return 'utf-8';
    case 'sjis':
    case 'shift-jis':
    case 'x-sjis':
    case 'shift_jis':
      return 'shift_jis';
    case 'cp932':
    case 'ms932':
    case 'windows-31j':
    case 'x-ms-cp932':
      return 'windows-31j';
    case 'iso-2022-jp':
    case 'csiso2022jp':
    case 'jis':
      return 'iso-2022-jp';
    case 'euc-jp':
    case 'eucjp':
    case 'x-euc-jp':
      return 'euc-jp';
    default:
      return name;
  }
}

/** Stateful 7-bit charsets: ASCII bytes inside them may belong to a double-byte run. */
export function isIso2022(charset: string): boolean {
  return /^iso-2022-/.test(normalizeCharset(charset));
}

/**
 * True when every ASCII byte in text of this charset is an ASCII character outside ISO-2022
 * double-byte runs (handled separately by `maskIso2022`), so byte-level ASCII searches and
 * byte splicing are safe. UTF-16/32 and unknown charsets are not.
 */
export function isAsciiCompatible(charset: string): boolean {
  const name = normalizeCharset(charset);
  if (isIso2022(name)) return name === 'iso-2022-jp';
  if (/^utf-(16|32)|^ucs-|^utf-7/.test(name)) return false;
  return name === 'us-ascii' || name === 'utf-8' || iconv.encodingExists(name);
}

/** Decodes bytes; null when the charset is unknown (the caller must then leave them alone). */
export function decodeText(bytes: Uint8Array, charset: string): string | null {
  const name = normalizeCharset(charset);
  // us-ascii: WHATWG reads mislabelled 8-bit bytes as windows-1252, as mail readers do
  if (name === 'utf-8') return Buffer.from(bytes).toString('utf8');
  try {
    return new TextDecoder(name).decode(bytes);
  } catch {
    // not a WHATWG label: iconv-lite knows more single-byte tables
  }
  if (iconv.encodingExists(name)) return iconv.decode(Buffer.from(bytes), name);
  return null;
}

/** Encodes text exactly in the charset, or returns null if any character would be lost. */
export function encodeText(text: string, charset: string): Buffer | null {
  const name = normalizeCharset(charset);
  let bytes: Buffer | null;
  if (name === 'us-ascii') bytes = /^[\x00-\x7f]*$/.test(text) ? Buffer.from(text, 'latin1') : null;
  else if (name === 'utf-8') bytes = Buffer.from(text, 'utf8');
  else if (name === 'iso-2022-jp') bytes = encodeIso2022Jp(text);
  else if (iconv.encodingExists(name)) bytes = iconv.encode(text, name);
  else return null;
  if (bytes === null) return null;
  return decodeText(bytes, name) === text ? bytes : null;
}

/**
 * ISO-2022-JP (RFC 1468): ASCII and JIS X 0208 (with the NEC/IBM rows the WHATWG decoder
 * accepts). Ends in ASCII state, so the bytes can be spliced anywhere ASCII is expected.
 * Half-width katakana and JIS X 0212 are not part of ISO-2022-JP: null.
 */
export function encodeIso2022Jp(text: string): Buffer | null {
  const out: number[] = [];
  let kanji = false;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      if (code === 0x1b || code === 0x0e || code === 0x0f) return null; // would corrupt the shift state
      if (kanji) out.push(0x1b, 0x28, 0x42);
      kanji = false;
      out.push(code);
      continue;
    }
    const euc = iconv.encode(ch, 'euc-jp');
    if (euc.length !== 2 || euc[0] < 0xa1 || euc[1] < 0xa1) return null;
    if (!kanji) out.push(0x1b, 0x24, 0x42);
    kanji = true;
    out.push(euc[0] - 0x80, euc[1] - 0x80);
  }
  if (kanji) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

/**
 * Copy of ISO-2022 bytes where every byte inside a non-ASCII shift state is replaced by 0, so
 * ASCII searches ('<body', '</body>') cannot match half of a kanji. Same length as the input.
 */
export function maskIso2022(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  let ascii = true;
  for (let i = 0; i < out.length; i++) {
    const b = out[i];
    if (b === 0x1b) {
      const rest = out.subarray(i + 1, i + 4).toString('latin1');
      if (rest.startsWith('(B') || rest.startsWith('(J')) ascii = true;
      else if (rest.startsWith('$') || rest.startsWith('(I')) ascii = false;
      continue;
    }
    if (b === 0x0a || b === 0x0d) {
      ascii = true; // RFC 1468: every line ends in ASCII; be lenient with broken senders
      continue;
    }
    if (!ascii) out[i] = 0;
  }
  return out;
}

/**
 * Encodes HTML text in the charset, writing characters it cannot represent as numeric
 * character references (&#x...;), which every HTML reader decodes, so the charset stays.
 */
export function encodeHtmlWithReferences(html: string, charset: string): Buffer | null {
  const direct = encodeText(html, charset);
  if (direct) return direct;
  let safe = '';
  for (const ch of html) {
    safe += encodeText(ch, charset) ? ch : `&#x${ch.codePointAt(0)!.toString(16).toUpperCase()};`;
  }
  return encodeText(safe, charset);
}
