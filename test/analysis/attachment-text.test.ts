// The attachment text extractor and the personalData detector without a server: charsets sniffed
// (UTF-8, UTF-16 BOM, CP932, EUC-JP), Office XML reduced to text (DOCX, PPTX, XLSX inline strings),
// ZIPs nested past the depth limit, the time budget, and personalData's threshold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { decodeSniffed, inspectAttachmentTexts, MAX_ARCHIVE_DEPTH, xmlText } from '../../src/analysis/attachment-text.ts';
import { countPersonalData, findPersonalData, PERSONAL_DATA_MIN_EACH } from '../../src/policy/personal-data.ts';

const JA = '社員名簿：山田太郎、ｶﾀｶﾅ、髙橋①（〒100-0005）';

async function zipOf(files: Array<{ name: string; content: Uint8Array | string }>): Promise<Uint8Array> {
  const writer = new ZipWriter(new BlobWriter('application/zip'));
  for (const f of files)
    await writer.add(f.name, typeof f.content === 'string' ? new TextReader(f.content) : new Uint8ArrayReader(f.content));
  return new Uint8Array(await (await writer.close()).arrayBuffer());
}

const CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const BIG = { maxBytes: 64 * 1024 * 1024, maxMs: 60_000 };

describe('charset sniffing', () => {
  it('reads UTF-8, UTF-8 with BOM, UTF-16LE with BOM, CP932 (with NEC extensions) and EUC-JP', () => {
    assert.equal(decodeSniffed(Buffer.from(JA, 'utf8')), JA);
    assert.equal(decodeSniffed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JA, 'utf8')])), JA);
    assert.equal(decodeSniffed(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(JA, 'utf-16le')])), JA);
    assert.equal(decodeSniffed(iconv.encode(JA, 'cp932')), JA);
    const euc = 'お客様一覧：東京都千代田区丸の内、電話番号、生年月日';
    assert.equal(decodeSniffed(iconv.encode(euc, 'euc-jp')), euc);
  });
});

describe('Office and archives', () => {
  it('reads a DOCX body and a PPTX slide, paragraphs on their own lines, entities decoded', async () => {
    const docx = await zipOf([
      { name: '[Content_Types].xml', content: CONTENT_TYPES },
      {
        name: 'word/document.xml',
        content:
          '<w:document><w:body><w:p><w:r><w:t>社外秘 &amp; 機密</w:t></w:r></w:p><w:p><w:r><w:t>次の段落</w:t></w:r></w:p></w:body></w:document>',
      },
    ]);
    const pptx = await zipOf([
      { name: '[Content_Types].xml', content: CONTENT_TYPES },
      { name: 'ppt/slides/slide1.xml', content: '<p:sld><a:p><a:r><a:t>4111-1111-1111-1111</a:t></a:r></a:p></p:sld>' },
    ]);
    const r = await inspectAttachmentTexts(
      [
        { name: '提案書.docx', contentType: 'application/octet-stream', content: docx },
        { name: 'deck.pptx', contentType: 'application/octet-stream', content: pptx },
      ],
      BIG,
      ['社外秘 & 機密\\n次の段落', 'not there'],
    );
    assert.equal(r.incomplete, null);
    assert.deepEqual(
      r.texts.map((t) => t.file),
      ['提案書.docx', 'deck.pptx'],
    );
    assert.deepEqual(r.texts[0]!.patterns, ['社外秘 & 機密\\n次の段落'], 'entities decoded, one paragraph a line');
    assert.deepEqual(r.texts[1]!.cards, [{ masked: '************1111' }]);
    assert.deepEqual(r.texts[1]!.patterns, []);
  });

  it('keeps XLSX inline strings and numeric cells, drops shared-string indexes, keeps cells apart', () => {
    const sheet =
      '<sheetData><row><c t="s"><v>7</v></c><c t="inlineStr"><is><t>山田</t></is></c><c><v>123456789012</v></c></row></sheetData>';
    assert.equal(xmlText(sheet), '\t山田\t123456789012\t\n');
  });

  it('opens archives inside archives up to the depth limit; deeper is incomplete', async () => {
    let inner: Uint8Array = new TextEncoder().encode('社外秘');
    let name = 'secret.txt';
    for (let i = 0; i <= MAX_ARCHIVE_DEPTH; i++) {
      inner = await zipOf([{ name, content: inner }]);
      name = `level${i}.zip`;
    }
    const r = await inspectAttachmentTexts([{ name: 'top.zip', contentType: 'application/zip', content: inner }], BIG);
    assert.deepEqual(r.texts, []);
    assert.match(r.incomplete ?? '', /nested more than 3 deep/);
    const shallow = await inspectAttachmentTexts(
      [{ name: 'a.zip', contentType: 'application/zip', content: await zipOf([{ name: 'b.txt', content: '社外秘' }]) }],
      BIG,
      ['社外秘'],
    );
    assert.deepEqual(shallow.texts, [{ file: 'a.zip/b.txt', cards: [], myNumbers: [], personalData: null, patterns: ['社外秘'] }]);
  });

  it('stops at the time budget and says so', async () => {
    const files = Array.from({ length: 200 }, (_, i) => ({
      name: `f${i}.txt`,
      contentType: 'text/plain',
      content: new TextEncoder().encode('x'.repeat(200_000)),
    }));
    const r = await inspectAttachmentTexts(files, { maxBytes: 1024 * 1024 * 1024, maxMs: 1 });
    assert.match(r.incomplete ?? '', /over the inspection budget of 1 ms/);
    assert.ok(r.texts.length < files.length);
  });

  it('a broken PDF is a reason, not an error', async () => {
    const r = await inspectAttachmentTexts(
      [{ name: 'x.pdf', contentType: 'application/pdf', content: new TextEncoder().encode('%PDF-1.4\ngarbage') }],
      BIG,
    );
    assert.match(r.incomplete ?? '', /^x\.pdf could not be read/);
  });
});

describe('personalData', () => {
  const row = (i: number) =>
    `〒150-00${String(i).padStart(2, '0')},東京都渋谷区神南1-${i},090-1234-56${String(i).padStart(2, '0')},1985年4月${i + 1}日`;
  const list = (n: number) => ['住所,電話,生年月日', ...Array.from({ length: n }, (_, i) => row(i))].join('\n');

  it(`matches from ${PERSONAL_DATA_MIN_EACH} people on, not below`, () => {
    assert.deepEqual(findPersonalData(list(PERSONAL_DATA_MIN_EACH)), { addresses: 10, phones: 10, birthDates: 10 });
    assert.equal(findPersonalData(list(PERSONAL_DATA_MIN_EACH - 1)), null);
  });

  it('one kind alone does not match; dates count only under a birth label; phone numbers are not postal codes', () => {
    const phones = Array.from({ length: 30 }, (_, i) => `045-123-${4500 + i}`).join('\n');
    assert.deepEqual(countPersonalData(phones), { addresses: 0, phones: 30, birthDates: 0 });
    assert.equal(findPersonalData(phones), null);
    const invoice = Array.from({ length: 30 }, (_, i) => `2024/05/${(i % 28) + 1} 03-5555-${1000 + i}`).join('\n');
    assert.equal(countPersonalData(invoice).birthDates, 0);
    assert.equal(findPersonalData(invoice), null);
  });
});
