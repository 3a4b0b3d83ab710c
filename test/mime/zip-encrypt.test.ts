// ZIP encryption over real mail: the AES ZIP opens in 7-Zip and the ZipCrypto ZIP in Info-ZIP
// unzip with the password, contents byte-identical, Japanese file names intact (UTF-8 flag or
// CP932); body parts and inline images untouched; no attachments → nothing done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { encryptAttachments, generatePassword, type ZipEncryptOptions } from '../../src/mime/rewrite/zip-encrypt.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';
import { fixture, headerBlock, leafParts, parseMail } from './mime-test-helpers.ts';

const PHOTO = fixture('jpmobile/photo.jpg');
const ESTIMATE = Buffer.from('見積もり金額: 1,234,000円\r\n', 'utf8');

/** Real Japanese text/HTML parts and inline image (au-decomail, docomo-decomail) with real attachments. */
function composed(): Buffer {
  const decomail = fixture('jpmobile/docomo-decomail.eml').toString('latin1');
  const alternative = decomail.slice(decomail.indexOf('--AzHFwESQ\r\n'), decomail.indexOf('--AzHFwESQ--') + '--AzHFwESQ--'.length);
  const image = decomail.slice(decomail.indexOf('Content-Type: image/gif'), decomail.indexOf('--RHe5pb6n\r\n--RHe5pb6n_0_--'));
  const photo = PHOTO.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.co.jp>',
      'To: partner@example.net',
      'Subject: =?ISO-2022-JP?B?GyRCOCtAUT1xGyhC?=',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="mix"',
      '',
      '--mix',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: multipart/alternative; boundary="AzHFwESQ"',
      '',
      alternative,
      '',
      '--rel',
      image.replace(/\r\n$/, ''),
      '--rel--',
      '',
      '--mix',
      'Content-Type: image/jpeg',
      'Content-Transfer-Encoding: base64',
      "Content-Disposition: attachment; filename*=UTF-8''%E5%86%99%E7%9C%9F%E2%91%A0.jpg",
      '',
      photo,
      '--mix',
      'Content-Type: text/plain; charset=utf-8; name="=?ISO-2022-JP?B?GyRCOCtAUT1xGyhC?=.txt"',
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: base64',
      '',
      ESTIMATE.toString('base64'),
      '--mix',
      'Content-Type: image/jpeg; name="=?UTF-8?B?5YaZ55yf4pGgLmpwZw==?="',
      'Content-Transfer-Encoding: base64',
      '',
      photo,
      '--mix--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

async function run(raw: Buffer, options: Omit<ZipEncryptOptions, 'password'> & { password?: string }) {
  const password = options.password ?? generatePassword();
  const result = await encryptAttachments(raw, { ...options, password });
  return { ...result, out: await streamToBuffer(result.stream), password };
}

function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-zip-test-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function zipOf(out: Buffer): Promise<Buffer> {
  const mail = await parseMail(out);
  const zips = mail.attachments.filter((a) => a.mimeType === 'application/zip');
  assert.equal(zips.length, 1);
  return Buffer.from(zips[0].content as ArrayBuffer);
}

test('AES-256 ZIP opens in 7-Zip with the password; contents and Japanese names intact; body untouched', () =>
  inTempDir(async (dir) => {
    const raw = composed();
    const { out, zipped, password, skipped, zipName } = await run(raw, { method: 'aes256', zipName: '添付ファイル.zip' });
    assert.equal(skipped, null);
    assert.deepEqual(
      zipped.map((z) => [z.filename, z.size]),
      [
        ['写真①.jpg', PHOTO.length],
        ['見積書.txt', ESTIMATE.length],
        ['写真① (2).jpg', PHOTO.length],
      ],
    );
    assert.ok(password.length >= 12);
    const after = await parseMail(out);
    assert.equal(after.attachments.find((a) => a.mimeType === 'application/zip')!.filename, zipName);
    assert.ok(headerBlock(out).equals(headerBlock(raw)));

    // every other part byte-identical: text, HTML, inline image
    const before = await leafParts(raw);
    const parts = await leafParts(out);
    assert.deepEqual(
      parts.map((p) => p.contentType),
      ['text/plain', 'text/html', 'image/gif', 'application/zip'],
    );
    for (let i = 0; i < 3; i++) {
      assert.ok(parts[i].headers.equals(before[i].headers) && parts[i].rawBody.equals(before[i].rawBody), parts[i].contentType);
    }

    const zipPath = join(dir, 'a.zip');
    writeFileSync(zipPath, await zipOf(out));
    const listing = execFileSync('7z', ['l', '-slt', zipPath], { encoding: 'utf8' });
    assert.match(listing, /Method = .*AES-256/);
    assert.throws(() => execFileSync('7z', ['x', '-pwrong-password', `-o${join(dir, 'bad')}`, zipPath], { stdio: 'pipe' }));
    execFileSync('7z', ['x', `-p${password}`, `-o${join(dir, 'x')}`, zipPath], { stdio: 'pipe' });
    assert.deepEqual(readdirSync(join(dir, 'x')).sort(), ['写真① (2).jpg', '写真①.jpg', '見積書.txt'].sort());
    assert.ok(readFileSync(join(dir, 'x', '写真①.jpg')).equals(PHOTO));
    assert.ok(readFileSync(join(dir, 'x', '写真① (2).jpg')).equals(PHOTO));
    assert.ok(readFileSync(join(dir, 'x', '見積書.txt')).equals(ESTIMATE));
  }));

test('ZipCrypto ZIP opens with Info-ZIP unzip -P', () =>
  inTempDir(async (dir) => {
    const { out, password } = await run(fixture('jpmobile/au-attached.eml'), { method: 'zipcrypto' });
    const zipPath = join(dir, 'z.zip');
    writeFileSync(zipPath, await zipOf(out));
    execFileSync('unzip', ['-P', password, '-d', join(dir, 'x'), zipPath], { stdio: 'pipe' });
    const original = Buffer.from((await parseMail(fixture('jpmobile/au-attached.eml'))).attachments[0].content as ArrayBuffer);
    assert.ok(readFileSync(join(dir, 'x', '20098calendar01.jpg')).equals(original));
    // the text part (ISO-2022-JP) is untouched
    const [beforeText] = await leafParts(fixture('jpmobile/au-attached.eml'));
    const [afterText] = await leafParts(out);
    assert.ok(afterText.rawBody.equals(beforeText.rawBody) && afterText.headers.equals(beforeText.headers));

    // Japanese UTF-8 names (EFS flag) through unzip as well
    const japanese = await run(composed(), { method: 'zipcrypto' });
    writeFileSync(join(dir, 'j.zip'), await zipOf(japanese.out));
    execFileSync('unzip', ['-P', japanese.password, '-d', join(dir, 'j'), join(dir, 'j.zip')], { stdio: 'pipe' });
    assert.deepEqual(readdirSync(join(dir, 'j')).sort(), ['写真① (2).jpg', '写真①.jpg', '見積書.txt'].sort());
    assert.ok(readFileSync(join(dir, 'j', '見積書.txt')).equals(ESTIMATE));
  }));

test('CP932 file names: no UTF-8 flag, names are Shift_JIS bytes old Japanese tools read', () =>
  inTempDir(async (dir) => {
    const { out, password, zipped } = await run(composed(), { method: 'zipcrypto', filenameCharset: 'cp932' });
    assert.deepEqual(
      zipped.map((z) => z.filename),
      ['写真①.jpg', '見積書.txt', '写真① (2).jpg'],
    );
    const zip = await zipOf(out);
    // local file header: general purpose flag bit 11 (EFS) clear, name in CP932
    assert.equal(zip.readUInt32LE(0), 0x04034b50);
    assert.equal(zip.readUInt16LE(6) & 0x800, 0, 'UTF-8 flag not set');
    const nameLength = zip.readUInt16LE(26);
    assert.ok(zip.subarray(30, 30 + nameLength).equals(iconv.encode('写真①.jpg', 'cp932')));
    const zipPath = join(dir, 'c.zip');
    writeFileSync(zipPath, zip);
    // p7zip on Linux writes the stored name bytes as they are: they must be the CP932 bytes
    execFileSync('7z', ['x', `-p${password}`, `-o${join(dir, 'x')}`, zipPath], { stdio: 'pipe' });
    const names = readdirSync(join(dir, 'x'), { encoding: 'buffer' });
    const expected = ['写真①.jpg', '見積書.txt', '写真① (2).jpg'].map((n) => iconv.encode(n, 'cp932'));
    assert.deepEqual(names.map((n) => n.toString('hex')).sort(), expected.map((n) => n.toString('hex')).sort());
    const photoName = Buffer.concat([Buffer.from(join(dir, 'x') + '/'), expected[0]]);
    assert.ok(readFileSync(photoName).equals(PHOTO));
    assert.ok(readFileSync(Buffer.concat([Buffer.from(join(dir, 'x') + '/'), expected[1]])).equals(ESTIMATE));
  }));

test('no attachments: nothing to do, bytes unchanged; inline images alone are not attachments', async () => {
  for (const name of ['jpmobile/docomo-decomail.eml', 'mail-iso-2022-jp/sample0.eml']) {
    const raw = fixture(name);
    const { out, skipped, zipped } = await run(raw, { method: 'aes256' });
    assert.equal(skipped, 'no-attachments');
    assert.deepEqual(zipped, []);
    assert.ok(out.equals(raw));
  }
});

test('an attached encrypted archive is wrapped too (documented choice)', () =>
  inTempDir(async (dir) => {
    const first = await run(fixture('jpmobile/au-attached.eml'), { method: 'aes256' });
    const inner = await zipOf(first.out);
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'To: b@example.net',
        'Subject: zip',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        'see attached',
        '--b',
        'Content-Type: application/zip; name="secret.zip"',
        'Content-Transfer-Encoding: base64',
        '',
        inner.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    const { out, password, zipped } = await run(raw, { method: 'aes256' });
    assert.deepEqual(
      zipped.map((z) => z.filename),
      ['secret.zip'],
    );
    writeFileSync(join(dir, 'o.zip'), await zipOf(out));
    execFileSync('7z', ['x', `-p${password}`, `-o${join(dir, 'x')}`, join(dir, 'o.zip')], { stdio: 'pipe' });
    assert.ok(readFileSync(join(dir, 'x', 'secret.zip')).equals(inner));
  }));

test('generatePassword: long enough, every class, no ambiguous characters, different each time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const p = generatePassword();
    assert.equal(p.length, 16);
    assert.match(p, /[A-Z]/);
    assert.match(p, /[a-z]/);
    assert.match(p, /[2-9]/);
    assert.doesNotMatch(p, /[0O1lIo]/);
    assert.match(p, /^[A-Za-z0-9]/, 'never starts with a symbol such as -');
    seen.add(p);
  }
  assert.equal(seen.size, 200);
  assert.equal(generatePassword(12).length, 12);
  assert.throws(() => generatePassword(8));
});
