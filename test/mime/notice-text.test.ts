// Notice texts: both languages, escaping, sizes and dates in the tenant's zone; and the HTML
// insertion point never matches "<body" hidden inside ISO-2022-JP kanji bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, webDownloadNotice, zipPasswordNotice } from '../../src/mime/notice-text.ts';
import { formatDate } from '../../src/util/zoned-time.ts';
import { htmlInsertionPoint } from '../../src/mime/rewrite/notice-insert.ts';
import { encodeIso2022Jp, encodeText } from '../../src/mime/rewrite/charset-codec.ts';

const AT = new Date('2025-03-08T09:00:00Z');

test('sizes and dates', () => {
  assert.equal(formatSize(512), '512 B');
  assert.equal(formatSize(4203), '4.1 KB');
  assert.equal(formatSize(50 * 1024 * 1024), '50.0 MB');
  assert.equal(formatSize(150 * 1024 * 1024), '150 MB');
  assert.equal(formatDate('ja', AT, 'Asia/Tokyo'), '2025年3月8日(土) 18:00');
  assert.equal(formatDate('en', AT, 'Asia/Tokyo'), 'Sat 8 Mar 2025 18:00 (GMT+9)');
  assert.equal(formatDate('en', AT, 'UTC'), 'Sat 8 Mar 2025 09:00 (GMT)');
  assert.equal(formatDate('en', AT, 'Asia/Kolkata'), 'Sat 8 Mar 2025 14:30 (GMT+5:30)');
});

test('web download notice: ja, en, both (Japanese first), escaped HTML, passcode hint', () => {
  const files = [{ filename: '見積書<最終>.pdf', size: 123456 }];
  const input = { url: 'https://s.example/d/T?a=1&b=2', files, expiresAt: AT, passcode: true, timeZone: 'Asia/Tokyo' };
  const ja = webDownloadNotice({ ...input, lang: 'ja' });
  assert.match(ja.text, /添付ファイルはダウンロードURL形式でお送りしました。/);
  assert.match(ja.text, /有効期限: 2025年3月8日\(土\) 18:00 まで/);
  assert.match(ja.text, /・見積書<最終>\.pdf \(121 KB\)/);
  assert.match(ja.text, /確認コード/);
  assert.doesNotMatch(ja.text, /Download URL/);
  assert.ok(ja.html.includes('見積書&lt;最終&gt;.pdf'));
  assert.ok(ja.html.includes('href="https://s.example/d/T?a=1&amp;b=2"'));
  const both = webDownloadNotice({ ...input, lang: 'both' });
  assert.ok(both.text.indexOf('ダウンロードURL:') < both.text.indexOf('Download URL:'));
  const en = webDownloadNotice({ ...input, lang: 'en', passcode: false });
  assert.doesNotMatch(en.text, /passcode|[ぁ-ん]/);
  // the Japanese notice travels in ISO-2022-JP as is
  assert.ok(encodeText(ja.text, 'iso-2022-jp'));
});

test('ZIP password notice', () => {
  const n = zipPasswordNotice({
    lang: 'both',
    password: 'Ab3#xyZ9pQrs',
    zipName: 'attachments.zip',
    subject: '見積書の送付',
    sentAt: AT,
    files: ['a.pdf'],
    timeZone: 'Asia/Tokyo',
  });
  assert.equal(n.subject, '[パスワード通知/Password] 見積書の送付');
  assert.match(n.text, /先ほどお送りしたメールの添付ファイルのパスワードをお知らせします。/);
  assert.match(n.text, /パスワード: Ab3#xyZ9pQrs/);
  assert.match(n.text, /Password: Ab3#xyZ9pQrs/);
  assert.ok(n.html.includes('<code style="font-size:16px">Ab3#xyZ9pQrs</code>'));
});

test('HTML insertion ignores "<body" bytes inside ISO-2022-JP double-byte runs', () => {
  // JIS bytes "<b" "od" "y>" would spell <body> if read as ASCII
  const kanji = Buffer.from('\x1b$B<body>\x1b(B', 'latin1');
  assert.equal(new TextDecoder('iso-2022-jp').decode(kanji), '錫閼偰', 'three real kanji');
  const trap = Buffer.concat([Buffer.from('<html><p>'), kanji, Buffer.from('</p><BODY class="x">text</BODY></html>')]);
  const at = htmlInsertionPoint(trap, 'iso-2022-jp', 'top');
  assert.equal(trap.subarray(0, at).toString('latin1').endsWith('<BODY class="x">'), true);
  assert.equal(trap.subarray(htmlInsertionPoint(trap, 'iso-2022-jp', 'bottom')).toString(), '</BODY></html>');
  assert.equal(encodeIso2022Jp('ｶﾀｶﾅ'), null, 'half-width katakana is not ISO-2022-JP');
});
