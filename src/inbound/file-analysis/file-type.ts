// Recognises what a file really is from its first bytes (magic numbers), independent of the
// name it was sent under, and what a file name claims to be. Only cheap prefix checks: no
// decompression here. Unknown content is 'unknown', never a guess.

export type FileKind =
  | 'pe'
  | 'elf'
  | 'macho'
  | 'lnk'
  | 'iso'
  | 'zip'
  | 'rar'
  | '7z'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'cab'
  | 'pdf'
  | 'ole'
  | 'rtf'
  | 'png'
  | 'jpeg'
  | 'gif'
  | 'html'
  | 'script'
  | 'unknown';

const LNK_HEADER = [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < Math.min(bytes.length, at + length); i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** "MZ" plus either a PE header where e_lfanew points or binary bytes in the DOS header
 *  (a text file that merely starts with the letters "MZ" is not an executable). */
function isDosExecutable(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x4d || bytes[1] !== 0x5a || bytes.length < 64) return false;
  const peAt = bytes[0x3c] | (bytes[0x3d] << 8) | (bytes[0x3e] << 16) | (bytes[0x3f] << 24);
  if (peAt > 0 && startsWith(bytes, [0x50, 0x45, 0x00, 0x00], peAt)) return true;
  for (let i = 2; i < 64; i++) if (bytes[i] < 0x09) return true;
  return false;
}

/** The true type of `bytes`, from magic numbers only. */
export function sniffFileKind(bytes: Uint8Array): FileKind {
  if (bytes.length < 2) return 'unknown';
  if (isDosExecutable(bytes)) return 'pe';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'elf';
  if (
    startsWith(bytes, [0xcf, 0xfa, 0xed, 0xfe]) ||
    startsWith(bytes, [0xce, 0xfa, 0xed, 0xfe]) ||
    startsWith(bytes, [0xfe, 0xed, 0xfa, 0xcf]) ||
    startsWith(bytes, [0xfe, 0xed, 0xfa, 0xce])
  )
    return 'macho';
  if (startsWith(bytes, LNK_HEADER)) return 'lnk';
  if (
    startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(bytes, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(bytes, [0x50, 0x4b, 0x07, 0x08])
  )
    return 'zip';
  if (startsWith(bytes, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'rar';
  if (startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(bytes, [0x42, 0x5a, 0x68])) return 'bzip2';
  if (startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(bytes, [0x4d, 0x53, 0x43, 0x46])) return 'cab';
  if (startsWith(bytes, OLE_MAGIC)) return 'ole';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 4) === 'GIF8') return 'gif';
  // ISO 9660 / UDF volume descriptors live at sector 16 (0x8000) + 1
  for (const at of [0x8001, 0x8801, 0x9001]) {
    const id = ascii(bytes, at, 5);
    if (id === 'CD001' || id === 'BEA01' || id === 'NSR02' || id === 'NSR03') return 'iso';
  }
  const head = ascii(bytes, 0, 1024);
  if (head.startsWith('{\\rt')) return 'rtf';
  if (head.includes('%PDF-')) return 'pdf'; // readers accept the header anywhere in the first 1 KB
  const lead = head
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  if (lead.startsWith('#!')) return 'script';
  if (lead.startsWith('<!doctype html') || lead.startsWith('<html') || lead.startsWith('<hta:')) return 'html';
  return 'unknown';
}

/** Last extension of a file name, lower-case, without the dot ('' if none). */
export function extensionOf(filename: string): string {
  const base = filename.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base
    .slice(dot + 1)
    .toLowerCase()
    .trim();
}

export type ExtensionClass = 'executable' | 'script' | 'shortcut' | 'disk-image' | 'installer';

/**
 * Extensions that run code when opened on Windows/macOS, by class. Modelled on Outlook's
 * Level 1 blocked list and rspamd's bad_extensions; .iso/.img/.vhd mount as a drive and were
 * used to carry executables past Mark-of-the-Web.
 */
export const DANGEROUS_EXTENSIONS: Readonly<Record<string, ExtensionClass>> = {
  exe: 'executable',
  scr: 'executable',
  com: 'executable',
  pif: 'executable',
  cpl: 'executable',
  dll: 'executable',
  sys: 'executable',
  ocx: 'executable',
  xll: 'executable',
  jar: 'executable',
  app: 'executable',
  gadget: 'executable',
  msc: 'executable',
  hlp: 'executable',
  chm: 'executable',
  bat: 'script',
  cmd: 'script',
  js: 'script',
  jse: 'script',
  vbs: 'script',
  vbe: 'script',
  wsf: 'script',
  wsh: 'script',
  wsc: 'script',
  hta: 'script',
  ps1: 'script',
  psm1: 'script',
  psd1: 'script',
  sct: 'script',
  reg: 'script',
  inf: 'script',
  scf: 'script',
  ins: 'script',
  isp: 'script',
  shb: 'script',
  shs: 'script',
  vb: 'script',
  applescript: 'script',
  command: 'script',
  lnk: 'shortcut',
  url: 'shortcut',
  'library-ms': 'shortcut',
  settingcontent_ms: 'shortcut',
  'settingcontent-ms': 'shortcut',
  iso: 'disk-image',
  img: 'disk-image',
  vhd: 'disk-image',
  vhdx: 'disk-image',
  dmg: 'disk-image',
  msi: 'installer',
  msp: 'installer',
  mst: 'installer',
  appx: 'installer',
  appxbundle: 'installer',
  msix: 'installer',
  msixbundle: 'installer',
  application: 'installer',
  xbap: 'installer',
  apk: 'installer',
};

/** Archive extensions (their members are examined too). */
export const ARCHIVE_EXTENSIONS = new Set(['zip', 'rar', '7z', 'gz', 'tgz', 'bz2', 'xz', 'cab', 'tar', 'lzh', 'ace', 'arj', 'zipx']);

/**
 * What each common extension should contain. A file whose sniffed kind is known but not in
 * its extension's list is disguised (e.g. a PE named .pdf, an OLE document named .txt).
 */
export const EXPECTED_KINDS: Readonly<Record<string, readonly FileKind[]>> = {
  pdf: ['pdf'],
  doc: ['ole', 'rtf', 'html'],
  dot: ['ole'],
  xls: ['ole', 'html'],
  xlt: ['ole'],
  ppt: ['ole'],
  pps: ['ole'],
  pot: ['ole'],
  msg: ['ole'],
  // OOXML is a zip, or an OLE container when password protected (EncryptedPackage)
  docx: ['zip', 'ole'],
  docm: ['zip', 'ole'],
  dotx: ['zip', 'ole'],
  dotm: ['zip', 'ole'],
  xlsx: ['zip', 'ole'],
  xlsm: ['zip', 'ole'],
  xlsb: ['zip', 'ole'],
  xltx: ['zip', 'ole'],
  xltm: ['zip', 'ole'],
  xlam: ['zip', 'ole'],
  pptx: ['zip', 'ole'],
  pptm: ['zip', 'ole'],
  ppsx: ['zip', 'ole'],
  ppsm: ['zip', 'ole'],
  potx: ['zip', 'ole'],
  potm: ['zip', 'ole'],
  odt: ['zip'],
  ods: ['zip'],
  odp: ['zip'],
  zip: ['zip'],
  rar: ['rar'],
  '7z': ['7z'],
  gz: ['gzip'],
  tgz: ['gzip'],
  bz2: ['bzip2'],
  xz: ['xz'],
  cab: ['cab'],
  rtf: ['rtf'],
  png: ['png'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  gif: ['gif'],
  txt: ['unknown', 'html', 'script'],
  csv: ['unknown'],
  htm: ['html', 'unknown'],
  html: ['html', 'unknown'],
  exe: ['pe'],
  dll: ['pe'],
  scr: ['pe'],
  com: ['pe', 'unknown'],
  iso: ['iso'],
  lnk: ['lnk'],
};

/** Kinds that are native executable code wherever they are found. */
export const EXECUTABLE_KINDS: ReadonlySet<FileKind> = new Set<FileKind>(['pe', 'elf', 'macho', 'lnk']);
