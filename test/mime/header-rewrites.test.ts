// Header-only rewrites (BCC conversion, subject tag, trace headers) over real Japanese mail:
// only the intended header lines change; every other byte is identical, Buffer or stream, or
// rewritten in turns of the event loop as delivery does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { decodeWords } from 'postal-mime';
import { convertToBcc, toBccEdit } from '../../src/mime/rewrite/bcc.ts';
import { addSubjectTag, subjectTagEdit, tagFieldValue } from '../../src/mime/rewrite/subject-tag.ts';
import { rewriteHeadersInTurns } from '../../src/mime/rewrite/header-block.ts';
import { prependHeaders } from '../../src/mime/rewrite/add-header.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';
import { fixture, parseMail } from './mime-test-helpers.ts';
import { turnsDuring } from '../helpers/loop-turns.ts';

/** Lines of a message, line endings kept, for a line-level diff. */
const lines = (raw: Buffer) => raw.toString('latin1').split(/(?<=\n)/);

test('convertToBcc: To/Cc/Bcc lines replaced by one To: undisclosed-recipients:;, everything else byte-identical', async () => {
  const original = fixture('mail-iso-2022-jp/sample0.eml').toString('latin1'); // LF line ends
  const extra = 'Cc: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.co.jp>,\n\tsuzuki@example.co.jp\nBcc: boss@example.co.jp\n';
  const raw = Buffer.from(
    original.replace(/^To: .*\n/m, (to) => to + extra),
    'latin1',
  );
  const out = convertToBcc(raw);
  const expected = original.replace(/^To: .*\n/m, 'To: undisclosed-recipients:;\n');
  assert.equal(out.toString('latin1'), expected);
  const parsed = await parseMail(out);
  assert.equal(parsed.to?.[0].name, 'undisclosed-recipients');
  assert.equal(parsed.cc, undefined);
  const before = await parseMail(raw);
  assert.equal(parsed.text, before.text);
  assert.equal(parsed.subject, before.subject);
});

test('convertToBcc on a stream gives the same bytes; no recipients → unchanged', async () => {
  const raw = fixture('jpmobile/au-attached.eml');
  const fromStream = await streamToBuffer(convertToBcc(Readable.from([raw.subarray(0, 100), raw.subarray(100, 5000), raw.subarray(5000)])));
  assert.ok(fromStream.equals(convertToBcc(raw)));
  const diff = lines(raw).filter((l, i) => l !== lines(convertToBcc(raw))[i]);
  assert.deepEqual(diff, ['To: info@jpm-rails.org\n']);
  const noRecipients = Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n');
  assert.ok(convertToBcc(noRecipients).equals(noRecipients));
});

test('subject tag on ISO-2022-JP subjects stays ISO-2022-JP and decodes to tag + original', async () => {
  for (const name of ['jpmobile/au-attached.eml', 'mail-iso-2022-jp/sample0.eml', 'jpmobile/iphone-circled-numbers-in-jis.eml']) {
    const raw = fixture(name);
    const before = await parseMail(raw);
    for (const tag of ['[要確認] ', '[SPAM] ']) {
      const out = addSubjectTag(raw, tag);
      const after = await parseMail(out);
      assert.equal(after.subject, tag + before.subject, `${name} ${tag}`);
      const subjectLine = /^Subject:(.*(?:\r?\n[ \t].*)*)/m.exec(out.toString('latin1'))![1];
      assert.ok(!/UTF-8/i.test(subjectLine), `${name}: stays ISO-2022-JP: ${subjectLine}`);
      // only the Subject field changed
      const strip = (b: Buffer) => b.toString('latin1').replace(/^Subject:.*(?:\r?\n[ \t].*)*\r?\n/m, '');
      assert.equal(strip(out), strip(raw));
      // not tagged twice
      assert.ok(addSubjectTag(out, tag).equals(out));
    }
  }
});

test('subject tag: ASCII stays plain, Japanese tag on ASCII subject is a UTF-8 word, empty subject', async () => {
  const ascii = Buffer.from('From: a@example.com\r\nSubject: Quarterly report\r\n\r\nhi\r\n');
  assert.match(addSubjectTag(ascii, '[SPAM] ').toString(), /^Subject: \[SPAM\] Quarterly report\r$/m);
  const ja = addSubjectTag(ascii, '[要確認] ');
  assert.match(ja.toString(), /^Subject: =\?UTF-8\?B\?[^?]+\?= Quarterly report\r$/m);
  assert.equal((await parseMail(ja)).subject, '[要確認] Quarterly report');
  const empty = fixture('jpmobile/pc-mail-attached-without-subject.eml');
  assert.equal((await parseMail(addSubjectTag(empty, '[要確認] '))).subject, '[要確認]');
  const none = Buffer.from('From: a@example.com\r\n\r\nhi\r\n');
  assert.equal((await parseMail(addSubjectTag(none, '[SPAM] '))).subject, '[SPAM]');
});

test('subject tag: the tag cannot hold a character the charset lacks → UTF-8 word, original words kept', () => {
  const value = '=?ISO-2022-JP?B?GyRCQmpMPhsoQngbJEJ1OhsoQg==?=';
  const tagged = tagFieldValue(value, '[😀] ')!;
  assert.ok(tagged.endsWith(value), 'original encoded word kept byte for byte');
  assert.match(tagged, /^=\?UTF-8\?B\?/);
  assert.equal(decodeWords(tagged), '[😀] ' + decodeWords(value));
  // long tags and subjects fold between encoded words
  const long = '[社外秘・取扱注意・転送禁止・要確認・上長承認済み・添付ファイル暗号化済み] ';
  const longTagged = tagFieldValue(value, long)!;
  assert.equal(decodeWords(longTagged), long + decodeWords(value));
  assert.ok(longTagged.split(' ').every((w) => w.length <= 75));
});

test('prependHeaders: trace fields on top, non-ASCII encoded, CR/LF cannot inject a field', async () => {
  const raw = fixture('mail-iso-2022-jp/sample0.eml');
  const out = prependHeaders(raw, [
    { key: 'X-Sekisho-Policy', value: '外部宛て一時保留' },
    { key: 'X-Sekisho-Action', value: 'hold\r\nBcc: evil@example.com' },
  ]);
  const text = out.toString('latin1');
  assert.ok(text.endsWith(raw.toString('latin1')));
  assert.ok(!/^Bcc:/m.test(text));
  const parsed = await parseMail(out);
  assert.equal(decodeWords(parsed.headers.find((h) => h.key === 'x-sekisho-policy')!.value), '外部宛て一時保留');
  assert.throws(() => prependHeaders(raw, [{ key: 'Bad Name', value: 'x' }]), /invalid header field name/);
});

test('rewriteHeadersInTurns: the bytes of the Buffer form, a large body copied over turns of the event loop', async () => {
  const raw = fixture('mail-iso-2022-jp/sample0.eml');
  assert.ok((await rewriteHeadersInTurns(raw, toBccEdit)).equals(convertToBcc(raw)));
  assert.ok((await rewriteHeadersInTurns(raw, subjectTagEdit('[要確認] '))).equals(addSubjectTag(raw, '[要確認] ')));
  assert.equal(await rewriteHeadersInTurns(raw, () => null), raw, 'no edit, no copy');
  assert.throws(() => subjectTagEdit('a\r\nBcc: x@example.com'), /one line/);
  // 15 MB of body: copied in one turn, it held the loop 45–83 ms in the corpus fuzz run
  const large = Buffer.concat([Buffer.from('Subject: big\r\nTo: a@example.com\r\n\r\n'), Buffer.alloc(15 * 1024 * 1024, 0x61)]);
  const { value, turns } = await turnsDuring(() => rewriteHeadersInTurns(large, subjectTagEdit('[SPAM] ')));
  assert.ok(value.equals(addSubjectTag(large, '[SPAM] ')));
  assert.ok(turns >= 10, `${turns} turns for 15 MB`);
});

test('tagFieldValue on a hostile 300 KB subject: the tag check reads its start only, the subject keeps its bytes', () => {
  const words = Array.from({ length: 6000 }, (_, i) => `=?UTF-8?B?${Buffer.from(`件名${i}`).toString('base64')}?=`).join(' ');
  const tagged = tagFieldValue(words, '[SPAM] ')!;
  assert.ok(tagged.endsWith(words));
  assert.ok(decodeWords(tagged).startsWith('[SPAM] 件名0件名1'));
  assert.equal(tagFieldValue(tagged, '[SPAM] '), null, 'already tagged: told from the first words');
  // a non-ASCII tag glued to plain text: too long to re-encode whole, so the tag's word and a space go first
  const plain = 'x'.repeat(300_000);
  const glued = tagFieldValue(plain, '[要確認]')!;
  assert.equal(decodeWords(glued), `[要確認] ${plain}`);
  assert.equal(tagFieldValue(glued, '[要確認]'), null);
});
