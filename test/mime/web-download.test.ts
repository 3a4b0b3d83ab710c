// Web download rewrite over real Japanese mail: attachments land in the blob store byte-identical,
// every text body part gets the notice in its own charset and transfer encoding, and every
// original character and every other byte (headers, inline images) survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../src/blob/fs-blob-store.ts';
import { webDownloadNotice } from '../../src/mime/notice-text.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';
import { removeAttachmentsWithNotice, stripAttachmentsForDownload, type DownloadFile } from '../../src/mime/rewrite/web-download.ts';
import type { Notice } from '../../src/mime/rewrite/notice-insert.ts';
import { decodeAs, fixture, headerBlock, leafParts, parseMail, textOf, type LeafPart } from './mime-test-helpers.ts';

const EXPIRES = new Date('2025-03-08T09:00:00Z');

function noticeFor(files: DownloadFile[], lang: 'ja' | 'en' | 'both' = 'both'): Notice {
  return webDownloadNotice({
    lang,
    url: 'https://sekisho.example/d/TOKEN123',
    files,
    expiresAt: EXPIRES,
    passcode: true,
    timeZone: 'Asia/Tokyo',
  });
}

function withStore<T>(fn: (store: FsBlobStore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-wd-test-'));
  return fn(new FsBlobStore(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function strip(raw: Buffer | Readable, store: FsBlobStore, position: 'top' | 'bottom' = 'top', lang: 'ja' | 'en' | 'both' = 'both') {
  let notice: Notice | null = null;
  const result = await stripAttachmentsForDownload(raw, {
    blobStore: store,
    keyPrefix: 'dl/msg1/',
    position,
    notice: (files) => (notice = noticeFor(files, lang)),
  });
  const out = await streamToBuffer(result.stream);
  return { ...result, out, notice: notice as Notice | null };
}

const eolOf = (p: LeafPart) => (p.bytes.includes('\r\n') ? '\r\n' : '\n');

/** Original text with the notice where it belongs, as the rewrite promises. */
function expectedText(original: string, notice: string, position: 'top' | 'bottom', eol: string): string {
  const n = notice.replace(/\n/g, eol);
  if (position === 'top') return n + eol + eol + original;
  const sep = original === '' || original.endsWith('\n') ? '' : eol;
  return original + sep + eol + n + eol;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

test('au-attached.eml (ISO-2022-JP + JPEG): photo stored byte-identical, notice in JIS, rest untouched', () =>
  withStore(async (store) => {
    const raw = fixture('jpmobile/au-attached.eml');
    const before = await parseMail(raw);
    const { out, files, notice, report } = await strip(raw, store);
    assert.equal(files.length, 1);
    assert.equal(files[0].filename, '20098calendar01.jpg');
    assert.equal(files[0].contentType, 'image/jpeg');
    const stored = await streamToBuffer(store.get(files[0].blobKey));
    const original = Buffer.from(before.attachments[0].content as ArrayBuffer);
    assert.equal(stored.length, original.length);
    assert.ok(stored.equals(original), 'stored attachment is byte-identical');
    assert.equal(files[0].sha256, sha256(original));
    assert.deepEqual(report, {
      attachmentsRemoved: 1,
      noticesInserted: 1,
      convertedToUtf8: 0,
      textPartsSkipped: 0,
      noticePartAdded: false,
    });

    assert.ok(headerBlock(out).equals(headerBlock(raw)), 'top-level headers byte-identical');
    const [beforeText] = await leafParts(raw);
    const parts = await leafParts(out);
    assert.equal(parts.length, 1, 'only the text part is left');
    assert.equal(parts[0].charset, 'iso-2022-jp');
    assert.equal(parts[0].encoding, '7bit');
    assert.ok(parts[0].headers.equals(beforeText.headers), 'text part headers unchanged');
    assert.equal(textOf(parts[0]), expectedText(textOf(beforeText), notice!.text, 'top', eolOf(beforeText)));
    assert.ok(!parts[0].bytes.some((b) => b >= 0x80), 'still 7-bit JIS');

    const after = await parseMail(out);
    assert.equal(after.attachments.length, 0);
    assert.equal(after.subject, before.subject);
    assert.ok(after.text!.includes('添付ファイルはダウンロードURL形式でお送りしました。'));
    assert.ok(after.text!.includes('https://sekisho.example/d/TOKEN123'));
    assert.ok(after.text!.includes(before.text!.trim()), 'original text survives decoded-identical');
  }));

test('pc-mail-attached (LF line ends), notice at the bottom, Japanese only', () =>
  withStore(async (store) => {
    const raw = fixture('jpmobile/pc-mail-attached-without-subject.eml');
    const { out, files, notice } = await strip(raw, store, 'bottom', 'ja');
    assert.equal(files.length, 1);
    assert.equal(files[0].filename, 'Transparent.gif');
    assert.ok(!out.includes('\r\n'), 'an LF-only message stays LF-only');
    const [beforeText] = await leafParts(raw);
    const [afterText, ...rest] = await leafParts(out);
    assert.equal(rest.length, 0);
    assert.equal(textOf(afterText), expectedText(textOf(beforeText), notice!.text, 'bottom', '\n'));
    assert.ok(!notice!.text.includes('Download URL'), 'ja only');
  }));

test('inline images in multipart/related stay; HTML gets the notice after <body> in ISO-2022-JP QP', async () => {
  const raw = fixture('jpmobile/docomo-decomail.eml');
  const notice = noticeFor([{ blobKey: 'x', filename: '見積書①.pdf', contentType: 'application/pdf', size: 123456, sha256: '' }]);
  const { stream, report } = removeAttachmentsWithNotice(Readable.from([raw]), { notice, position: 'top' });
  const out = await streamToBuffer(stream);
  assert.equal(report.noticesInserted, 2);
  const before = await leafParts(raw);
  const after = await leafParts(out);
  assert.deepEqual(
    after.map((p) => [p.contentType, p.charset, p.encoding]),
    before.map((p) => [p.contentType, p.charset, p.encoding]),
  );
  const img = after.find((p) => p.contentType === 'image/gif')!;
  assert.ok(img.headers.equals(before.find((p) => p.contentType === 'image/gif')!.headers));
  assert.ok(img.rawBody.equals(before.find((p) => p.contentType === 'image/gif')!.rawBody), 'inline image byte-identical');
  const html = textOf(after.find((p) => p.contentType === 'text/html')!);
  const originalHtml = textOf(before.find((p) => p.contentType === 'text/html')!);
  const at = originalHtml.indexOf('<BODY>') + '<BODY>'.length;
  assert.equal(html, originalHtml.slice(0, at) + notice.html + originalHtml.slice(at));
  assert.ok(html.includes('見積書①.pdf'), 'NEC circled digit travels in ISO-2022-JP');
  const parsed = await parseMail(out);
  assert.ok(parsed.html!.includes('添付ファイルはダウンロードURL形式でお送りしました。'));
  assert.equal(parsed.attachments.length, 1, 'the inline image is still there');
});

test('message without attachments comes back byte-identical with no files', () =>
  withStore(async (store) => {
    const raw = fixture('jpmobile/docomo-decomail.eml');
    const { out, files } = await strip(raw, store);
    assert.deepEqual(files, []);
    assert.ok(out.equals(raw));
  }));

for (const name of ['docomo-gmail-sjis.eml', 'softbank-gmail-utf8.eml', 'iphone-cp932.eml', 'au-decomail.eml']) {
  for (const position of ['top', 'bottom'] as const) {
    test(`${name}: notice (${position}) in every text part, charset and transfer encoding kept`, async () => {
      const raw = fixture('jpmobile/' + name);
      const notice = noticeFor([{ blobKey: 'x', filename: '資料.xlsx', contentType: 'application/octet-stream', size: 2048, sha256: '' }]);
      const out = await streamToBuffer(removeAttachmentsWithNotice(Readable.from([raw]), { notice, position }).stream);
      const before = await leafParts(raw);
      const after = await leafParts(out);
      assert.equal(after.length, before.length);
      for (let i = 0; i < before.length; i++) {
        const [b, a] = [before[i], after[i]];
        assert.equal(a.charset, b.charset, `${b.contentType} charset unchanged`);
        assert.equal(a.encoding, b.encoding, `${b.contentType} transfer encoding unchanged`);
        if (b.contentType === 'text/plain') {
          assert.equal(textOf(a), expectedText(textOf(b), notice.text, position, eolOf(b)));
        } else if (b.contentType === 'text/html') {
          const original = textOf(b);
          const inserted = textOf(a);
          assert.equal(inserted.replace(notice.html, ''), original, 'HTML minus the notice is the original');
        } else {
          assert.ok(a.rawBody.equals(b.rawBody));
        }
      }
      assert.ok(headerBlock(out).equals(headerBlock(raw)));
    });
  }
}

test('SJIS emoji (private use area) survive next to the notice', async () => {
  const raw = fixture('jpmobile/docomo-gmail-sjis.eml');
  const notice = noticeFor([]);
  const out = await streamToBuffer(removeAttachmentsWithNotice(Readable.from([raw]), { notice, position: 'top' }).stream);
  const [b] = await leafParts(raw);
  const [a] = await leafParts(out);
  assert.ok(a.bytes.subarray(a.bytes.length - b.bytes.length).equals(b.bytes), 'original SJIS bytes kept verbatim');
});

/** A real message (au-decomail) with real attachments added: Japanese RFC 2231 and RFC 2047 names. */
function composed(): Buffer {
  const raw = fixture('jpmobile/au-decomail.eml').toString('latin1');
  const photo = fixture('jpmobile/photo.jpg').toString('base64').replace(/.{76}/g, '$&\n');
  const close = '-------=_NextPart_15793_72254_63179--';
  const attachments = [
    '-------=_NextPart_15793_72254_63179',
    'Content-Type: image/jpeg',
    'Content-Transfer-Encoding: base64',
    "Content-Disposition: attachment; filename*=UTF-8''%E5%86%99%E7%9C%9F%E2%91%A0.jpg",
    '',
    photo,
    '-------=_NextPart_15793_72254_63179',
    'Content-Type: application/octet-stream; name="=?ISO-2022-JP?B?GyRCOCtAUT1xGyhC?=.txt"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('見積もり', 'utf8').toString('base64'),
    '',
  ].join('\n');
  assert.ok(raw.includes(close));
  return Buffer.from(raw.replace(close, attachments + close), 'latin1');
}

test('composed: Japanese file names decoded, both attachments stored, alternative body keeps both parts', () =>
  withStore(async (store) => {
    const raw = composed();
    const before = await parseMail(raw);
    assert.equal(before.attachments.length, 2);
    const { out, files, report } = await strip(raw, store);
    assert.deepEqual(
      files.map((f) => [f.filename, f.contentType, f.blobKey]),
      [
        ['写真①.jpg', 'image/jpeg', 'dl/msg1/1'],
        ['見積書.txt', 'application/octet-stream', 'dl/msg1/2'],
      ],
    );
    for (const [i, f] of files.entries()) {
      const stored = await streamToBuffer(store.get(f.blobKey));
      assert.ok(stored.equals(Buffer.from(before.attachments[i].content as ArrayBuffer)));
    }
    assert.equal(report.noticesInserted, 2);
    const after = await parseMail(out);
    assert.equal(after.attachments.length, 0);
    assert.ok(after.text!.includes('写真①.jpg (4.1 KB)'));
    assert.ok(after.html!.includes('写真①.jpg (4.1 KB)'));
    const parts = await leafParts(out);
    assert.deepEqual(
      parts.map((p) => p.contentType),
      ['text/plain', 'text/html'],
    );
  }));

test('charset that cannot hold the notice: plain part becomes UTF-8, HTML uses character references', async () => {
  const raw = Buffer.from(
    [
      'From: a@example.com',
      'To: b@example.net',
      'Subject: test',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=iso-2022-jp',
      '',
      '\x1b$BK\\J8$G$9\x1b(B',
      '--b1',
      'Content-Type: text/html; charset=us-ascii',
      '',
      '<html><body><p>Hello</p></body></html>',
      '--b1--',
      '',
    ].join('\r\n'),
    'latin1',
  );
  const notice = noticeFor([{ blobKey: 'x', filename: '😀写真.jpg', contentType: 'image/jpeg', size: 10, sha256: '' }]);
  const { stream, report } = removeAttachmentsWithNotice(Readable.from([raw]), { notice, position: 'bottom' });
  const out = await streamToBuffer(stream);
  assert.equal(report.convertedToUtf8, 1);
  assert.equal(report.noticesInserted, 1);
  const [plain, html] = await leafParts(out);
  assert.equal(plain.charset, 'utf-8');
  assert.equal(plain.encoding, 'quoted-printable', '8-bit UTF-8 cannot travel as 7bit');
  assert.equal(textOf(plain), expectedText('本文です', notice.text, 'bottom', '\r\n'));
  assert.equal(html.charset, 'us-ascii');
  assert.ok(!html.bytes.some((b) => b >= 0x80));
  const parsed = await parseMail(out);
  assert.ok(parsed.html!.includes('&#x1F600;&#x5199;&#x771F;.jpg'));
});

test('a message of attachments only gets a notice part; emptied multiparts stay valid', () =>
  withStore(async (store) => {
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'To: b@example.net',
        'Subject: files',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: application/pdf; name="a.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.4 fake').toString('base64'),
        '--outer',
        'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from([0, 1, 2, 3]).toString('base64'),
        '--outer--',
        '',
      ].join('\r\n'),
    );
    const { out, files, report, notice } = await strip(raw, store, 'top', 'ja');
    assert.deepEqual(
      files.map((f) => f.filename),
      ['a.pdf', 'attachment-2.bin'],
    );
    assert.equal(report.noticePartAdded, true);
    const parts = await leafParts(out);
    assert.equal(parts.length, 1);
    assert.equal(parts[0].charset, 'utf-8');
    assert.equal(decodeAs(parts[0].bytes, 'utf-8'), notice!.text.replace(/\n/g, '\r\n'));
  }));

test('a one-shot input stream works (spooled for the second pass)', () =>
  withStore(async (store) => {
    const raw = fixture('jpmobile/au-attached.eml');
    const { out, files } = await strip(Readable.from([raw.subarray(0, 1000), raw.subarray(1000)]), store);
    assert.equal(files.length, 1);
    assert.equal((await parseMail(out)).attachments.length, 0);
  }));

test('a failing blob store rejects the rewrite instead of hanging', async () => {
  const failing: FsBlobStore = Object.assign(Object.create(FsBlobStore.prototype), {
    async put(_key: string, content: Readable) {
      for await (const _ of content) throw new Error('disk full');
      return { size: 0, sha256: '' };
    },
  });
  await assert.rejects(
    stripAttachmentsForDownload(fixture('jpmobile/au-attached.eml'), {
      blobStore: failing,
      keyPrefix: 'x/',
      position: 'top',
      notice: (files) => noticeFor(files),
    }),
    /disk full/,
  );
});
