// Attachment analysis against real samples (rspamd, SpamAssassin, oletools) and generated
// archives: executables, double extensions, macros, PDF JavaScript, encrypted and bomb archives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js';
import { parseMessage } from '../../src/mime/parse-facts.ts';
import { analyzeAttachment, analyzeAttachments, type AttachmentFinding } from '../../src/inbound/file-analysis/analyze-attachment.ts';
import { sniffFileKind } from '../../src/inbound/file-analysis/file-type.ts';
import { buildZip, deflatedZeros, fileEntry } from './zip-builder.ts';

const FIXTURES = new URL('../fixtures/inbound/', import.meta.url);
const fixture = (path: string): Uint8Array => readFileSync(new URL(path, FIXTURES));

async function analyzeMail(path: string): Promise<AttachmentFinding[]> {
  const parsed = await parseMessage(fixture(path), { mailFrom: 'x@example.net', recipients: ['y@example.jp'] }, 'inbound');
  return analyzeAttachments(parsed.attachments.map((a) => ({ filename: a.fact.filename, content: a.content }))).findings;
}

function symbols(findings: AttachmentFinding[]): string[] {
  return [...new Set(findings.map((f) => f.symbol))].sort();
}

// EICAR, built at run time (as its SOURCE.txt suggests) so no AV quarantines the repository.
const EICAR = Buffer.from('WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=', 'base64');

test('rspamd exe_attm: an .exe attachment is an executable', async () => {
  const f = await analyzeMail('rspamd/exe_attm.eml');
  assert.ok(symbols(f).includes('ATTACH_EXECUTABLE'));
  assert.equal(f.find((x) => x.symbol === 'ATTACH_EXECUTABLE')!.filename, 'hello_world.exe');
});

test('rspamd zip.eml: an .exe inside a zip is found by member name', async () => {
  const f = await analyzeMail('rspamd/zip.eml');
  const exe = f.find((x) => x.symbol === 'ATTACH_EXECUTABLE')!;
  assert.equal(exe.filename, 'f.zip');
  assert.equal(exe.member, 'fake.exe');
  assert.ok(!symbols(f).includes('ATTACH_DOUBLE_EXTENSION'));
});

test('rspamd zip-doublebad.eml: fake.pdf.exe inside a zip is a double extension', async () => {
  const f = await analyzeMail('rspamd/zip-doublebad.eml');
  assert.deepEqual(symbols(f), ['ATTACH_DOUBLE_EXTENSION', 'ATTACH_EXECUTABLE']);
  assert.match(f.find((x) => x.symbol === 'ATTACH_DOUBLE_EXTENSION')!.reason, /\.pdf\.exe/);
});

test('rspamd next2last-doublebad.eml: файл.scr.xz is a compressed screensaver', async () => {
  const f = await analyzeMail('rspamd/next2last-doublebad.eml');
  assert.ok(symbols(f).includes('ATTACH_DOUBLE_EXTENSION'));
  assert.ok(symbols(f).includes('ATTACH_EXECUTABLE'));
  assert.equal(f[0].filename, 'файл.scr.xz');
});

test('rspamd dotted names and RAR archives: bad extension, no double extension', async () => {
  for (const [path, ext] of [
    ['rspamd/bad_ext.dotted_file_name.eml', 'exe'],
    ['rspamd/rar4.eml', 'exe'],
    ['rspamd/rar-date-bad-ext.eml', 'scr'],
  ]) {
    const f = await analyzeMail(path);
    assert.ok(
      f.some((x) => x.symbol === 'ATTACH_EXECUTABLE' && x.reason.includes(`.${ext}`)),
      path,
    );
    assert.ok(!symbols(f).includes('ATTACH_DOUBLE_EXTENSION'), path);
  }
});

test('rspamd pdf_js.eml: PDF JavaScript', async () => {
  assert.ok(symbols(await analyzeMail('rspamd/pdf_js.eml')).includes('ATTACH_PDF_JAVASCRIPT'));
});

/** A one-page PDF whose image stream's data is `imageData` and whose catalog carries `catalogExtra`. */
function pdfWithImage(imageData: Buffer, catalogExtra = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R ${catalogExtra}>>\nendobj\n`, 'latin1'),
    Buffer.from('2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n'),
    Buffer.from(`4 0 obj\n<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /Length ${imageData.length} >>\nstream\n`),
    imageData,
    Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  ]);
}

test('image data that happens to hold the bytes /JS is not JavaScript; /JS in a dictionary is', () => {
  const image = Buffer.concat([
    Buffer.from([0x89, 0x00, 0xff]),
    Buffer.from('/JS /JavaScript /Launch /OpenAction'),
    Buffer.from([0x13, 0x37]),
  ]);
  const clean = symbols(analyzeAttachment('generated.pdf', pdfWithImage(image)));
  assert.ok(!clean.includes('ATTACH_PDF_JAVASCRIPT'), clean.join(' '));
  const active = symbols(analyzeAttachment('invoice.pdf', pdfWithImage(image, '/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ')));
  assert.ok(active.includes('ATTACH_PDF_JAVASCRIPT'), active.join(' '));
  // a short /Length cannot hide an object from the scan: data holding "5 0 obj" is read as it is
  const hidden = Buffer.from('xx\nendstream_\n5 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n');
  assert.ok(symbols(analyzeAttachment('hidden.pdf', pdfWithImage(hidden))).includes('ATTACH_PDF_JAVASCRIPT'));
});

test('SpamAssassin olevbmacro samples give the reason SpamAssassin names', async () => {
  const expected: Record<string, string[]> = {
    'macro.eml': ['ATTACH_OFFICE_MACRO'], // OLEMACRO_FOUND
    'malicemacro.eml': ['ATTACH_OFFICE_MACRO', 'ATTACH_OFFICE_MACRO_AUTOEXEC'], // OLEMACRO_MALICE
    'renamedmacro.eml': ['ATTACH_OFFICE_MACRO', 'ATTACH_TYPE_MISMATCH'], // OLEMACRO_RENAME
    'encrypted.eml': ['ATTACH_OFFICE_ENCRYPTED'], // OLEMACRO_ENCRYPTED
    'zippwmacro.eml': ['ATTACH_ENCRYPTED_ARCHIVE'], // OLEMACRO_ZIP_PW
    'target_uri.eml': ['ATTACH_OFFICE_EXTERNAL_LINK'], // OLEMACRO_TURI
    'nomacro.eml': [],
    'goodcsv.eml': [],
  };
  for (const [file, want] of Object.entries(expected)) {
    assert.deepEqual(symbols(await analyzeMail(`spamassassin/olevbmacro/${file}`)), want, file);
  }
});

test('oletools samples: Excel 4 macros, VBA in PowerPoint, embedded .lnk, remote template, encryption', () => {
  const cases: Array<[string, string]> = [
    ['excel4_sample_macro.xls', 'ATTACH_EXCEL4_MACRO'],
    ['excel4_sample_macro.xlsm', 'ATTACH_EXCEL4_MACRO'],
    ['sample_with_vba.ppt', 'ATTACH_OFFICE_MACRO'],
    ['sample_with_lnk_file.doc', 'ATTACH_SHORTCUT'],
    ['sample_with_external_link_to_doc.docx', 'ATTACH_OFFICE_REMOTE_TEMPLATE'],
    ['encrypted.doc', 'ATTACH_OFFICE_ENCRYPTED'],
    ['autostart-encrypt-standardpassword.xls', 'ATTACH_OFFICE_MACRO_AUTOEXEC'],
    ['dde-test-from-office2003.doc.zip', 'ATTACH_ENCRYPTED_ARCHIVE'],
  ];
  for (const [file, symbol] of cases) {
    assert.ok(symbols(analyzeAttachment(file, fixture(`oletools/${file}`))).includes(symbol), `${file} → ${symbol}`);
  }
  assert.deepEqual(analyzeAttachment('harmless-clean.doc', fixture('oletools/harmless-clean.doc')), []);
  assert.deepEqual(analyzeAttachment('harmless-clean.docx', fixture('oletools/harmless-clean.docx')), []);
});

test('EICAR is recognised, also inside a zip inside a zip', () => {
  assert.ok(symbols(analyzeAttachment('eicar.txt', EICAR)).includes('ATTACH_EICAR'));
  const inner = buildZip([fileEntry('eicar.com', EICAR)]);
  const outer = buildZip([fileEntry('inner.zip', inner)]);
  const f = analyzeAttachment('outer.zip', outer);
  const hit = f.find((x) => x.symbol === 'ATTACH_EICAR')!;
  assert.equal(hit.member, 'inner.zip/eicar.com');
});

test('true type beats the name: a PE named .pdf, an ISO named .jpg', () => {
  const exe = minimalPe();
  assert.equal(sniffFileKind(exe), 'pe');
  // rspamd's hello_world.exe is really an ELF binary: still an executable under any name
  assert.equal(sniffFileKind(fixtureExe()), 'elf');
  assert.ok(symbols(analyzeAttachment('hello.txt', fixtureExe())).includes('ATTACH_DISGUISED_EXECUTABLE'));
  assert.ok(symbols(analyzeAttachment('請求書.pdf', exe)).includes('ATTACH_DISGUISED_EXECUTABLE'));
  const iso = Buffer.alloc(0x8800);
  iso.write('CD001', 0x8001, 'latin1');
  assert.ok(symbols(analyzeAttachment('photo.jpg', iso)).includes('ATTACH_DISK_IMAGE'));
  // a text file that merely starts with "MZ" is not an executable
  assert.deepEqual(
    analyzeAttachment('notes.txt', Buffer.from('MZ Bank notes for the meeting on Monday, nothing else here at all. '.repeat(2))),
    [],
  );
});

/** DOS header whose e_lfanew points at a "PE\0\0" signature: what every Windows .exe starts with. */
function minimalPe(): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

function fixtureExe(): Buffer {
  // the real hello_world.exe from rspamd's exe_attm.eml, via the MIME parser
  const raw = readFileSync(new URL('rspamd/exe_attm.eml', FIXTURES), 'latin1');
  const b64 = /filename="hello_world.exe"\r?\n(?:.*\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(raw)![1];
  return Buffer.from(b64, 'base64');
}

test('right-to-left override in a file name', () => {
  const name = 'invoice\u202Efdp.exe'; // shows as "invoiceexe.pdf"
  const s = symbols(analyzeAttachment(name, Buffer.from('hello')));
  assert.ok(s.includes('ATTACH_RTLO'));
  assert.ok(s.includes('ATTACH_EXECUTABLE'));
});

test('encrypted zips made by a real zip tool: ZipCrypto and AES', async () => {
  for (const zipCrypto of [true, false]) {
    const writer = new ZipWriter(new BlobWriter('application/zip'), { password: 'パスワード123', zipCrypto, encryptionStrength: 3 });
    await writer.add('見積書.docx', new TextReader('secret'));
    const zip = new Uint8Array(await (await writer.close()).arrayBuffer());
    const f = analyzeAttachment('見積書.zip', zip);
    const hit = f.find((x) => x.symbol === 'ATTACH_ENCRYPTED_ARCHIVE');
    assert.ok(hit, `zipCrypto=${zipCrypto}`);
    assert.match(hit.reason, zipCrypto ? /ZipCrypto/ : /AES/);
  }
});

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('zip bombs are refused from their sizes, without inflating them', async () => {
  const before = memory();
  const zeros = await deflatedZeros(16 * 1024 * 1024); // 16 MiB of zeros → ~16 KiB
  // honest header: ratio ~1000:1 is refused from the central directory alone
  const honest = buildZip([{ name: 'zeros.bin', data: zeros, method: 8, uncompressedSize: 16 * 1024 * 1024 }]);
  const f1 = analyzeAttachment('report.zip', honest);
  assert.deepEqual(symbols(f1), ['ATTACH_ZIP_BOMB']);
  assert.match(f1[0].reason, /compresses \d+:1/);
  // lying header: claims 1000 bytes; inflation stops at 1000 bytes
  const liar = buildZip([{ name: 'small.txt', data: zeros, method: 8, uncompressedSize: 1000 }]);
  const f2 = analyzeAttachment('report.zip', liar);
  assert.deepEqual(symbols(f2), ['ATTACH_ZIP_BOMB']);
  assert.match(f2[0].reason, /beyond its declared 1000 bytes/);
  // overlapping members (many names, one shared deflate stream)
  const overlap = buildZip([
    { name: 'a.bin', data: zeros, method: 8, uncompressedSize: 16 * 1024 * 1024 },
    ...Array.from({ length: 20 }, (_, i) => ({
      name: `b${i}.bin`,
      data: zeros,
      method: 8 as const,
      uncompressedSize: 16 * 1024 * 1024,
      sameDataAs: 0,
    })),
  ]);
  assert.ok(analyzeAttachment('x.zip', overlap).some((x) => x.symbol === 'ATTACH_ZIP_BOMB' && /overlap/.test(x.reason)));
  const grown = memory() - before;
  assert.ok(grown < 48 * 1024 * 1024, `memory grew by ${grown} bytes`);
});

test('42.zip-style nesting is stopped by depth/count/size limits, not by memory', async () => {
  const before = memory();
  // a 512 KiB leaf (below ratioMinBytes) so only the count, size and depth limits can stop it
  const leafData = deflateRawSync(Buffer.alloc(512 * 1024));
  let level = buildZip(
    Array.from({ length: 16 }, (_, i) => ({ name: `${i}.bin`, data: leafData, method: 8 as const, uncompressedSize: 512 * 1024 })),
  );
  for (let depth = 0; depth < 4; depth++) {
    const packed = deflateRawSync(level);
    level = buildZip(
      Array.from({ length: 16 }, (_, i) => ({
        name: `lib${depth}_${i}.zip`,
        data: packed,
        method: 8 as const,
        uncompressedSize: level.length,
      })),
    );
  }
  // 16^5 × 512 KiB = 512 GiB if fully unpacked; default limits stop it at 1000 entries
  assert.ok(symbols(analyzeAttachment('42.zip', level)).includes('ATTACH_ARCHIVE_TOO_MANY'));
  const limited = analyzeAttachment('42.zip', level, { maxEntries: 100_000, maxTotalBytes: 1024 ** 4 });
  assert.ok(symbols(limited).includes('ATTACH_ARCHIVE_TOO_DEEP'));
  const grown = memory() - before;
  assert.ok(grown < 96 * 1024 * 1024, `memory grew by ${grown} bytes`);
});

test('a gzip bomb is refused from its declared size', async () => {
  const zeros = await deflatedZeros(32 * 1024 * 1024);
  // wrap the raw deflate in a gzip member: header, data, CRC (unchecked here), ISIZE
  const gz = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]),
    zeros,
    Buffer.from([0, 0, 0, 0]),
    Buffer.from([0, 0, 0, 2]),
  ]);
  assert.ok(symbols(analyzeAttachment('log.gz', gz)).includes('ATTACH_ZIP_BOMB'));
});

test('one budget for all attachments of a message: past it nothing more is inflated, cheap checks go on', async () => {
  const member = deflateRawSync(Buffer.alloc(1024 * 1024 - 1));
  const zip = buildZip(
    Array.from({ length: 48 }, (_, i) => ({ name: `part${i}.txt`, data: member, method: 8 as const, uncompressedSize: 1024 * 1024 - 1 })),
  );
  const exe = buildZip([fileEntry('請求書.exe', Buffer.from('MZ'))]);
  // 100 archives each within every per-archive limit (48 MiB of 64), 4.8 GB together.
  const list = [
    ...Array.from({ length: 100 }, (_, i) => ({ filename: `report${i}.zip`, content: zip })),
    { filename: 'late.zip', content: exe },
  ];
  const report = analyzeAttachments(list);
  assert.match(report.incomplete ?? '', /per-message budget of 67108864 bytes/);
  const names = symbols(report.findings);
  assert.ok(names.includes('ATTACH_INSPECTION_INCOMPLETE'), names.join());
  assert.ok(names.includes('ATTACH_EXECUTABLE'), 'member names of archives past the budget are still checked');
  assert.ok(!names.includes('ATTACH_ZIP_BOMB'), 'within the per-archive limits: not a bomb');
  // A time budget of zero stops before the first inflation.
  const timed = analyzeAttachments(list.slice(0, 2), {}, { maxBytes: 1024 ** 3, maxMs: 0 });
  assert.match(timed.incomplete ?? '', /after 0 ms/);
  // Ordinary attachments are well within the budget.
  assert.equal(analyzeAttachments([{ filename: 'a.zip', content: exe }]).incomplete, null);
});
