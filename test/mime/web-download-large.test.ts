// A 50 MB attachment through web download must stream: the message is generated as a stream,
// never built in memory, and peak RSS growth is recorded (diagnostic) and must stay far below
// what buffering it a few times would cost. No timing assertions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../src/blob/fs-blob-store.ts';
import { webDownloadNotice } from '../../src/mime/notice-text.ts';
import { stripAttachmentsForDownload } from '../../src/mime/rewrite/web-download.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';
import { leafParts, textOf } from './mime-test-helpers.ts';

const SIZE = 50 * 1024 * 1024;
const CHUNK = 57 * 1024; // a multiple of 57 bytes: whole 76-character base64 lines

/** Deterministic pseudo-random bytes (an AES-CTR keystream with a fixed key), chunk by chunk. */
function* content(): Generator<Buffer> {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  for (let offset = 0; offset < SIZE; offset += CHUNK) yield cipher.update(Buffer.alloc(Math.min(CHUNK, SIZE - offset)));
}

function* bigMessage(): Generator<Buffer> {
  yield Buffer.from(
    [
      'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.co.jp>',
      'To: partner@example.net',
      'Subject: =?ISO-2022-JP?B?GyRCQmdOTD5lSnMbKEI=?=',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="big"',
      '',
      '--big',
      'Content-Type: text/plain; charset=ISO-2022-JP',
      'Content-Transfer-Encoding: 7bit',
      '',
      '\x1b$B$h$m$7$/$*4j$$$7$^$9!#\x1b(B',
      '--big',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
  for (const chunk of content()) {
    const b64 = chunk.toString('base64');
    yield Buffer.from(b64.replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n', 'latin1');
  }
  yield Buffer.from('--big--\r\n', 'latin1');
}

test('50 MB attachment streams through web download', async (t) => {
  const expected = createHash('sha256');
  for (const chunk of content()) expected.update(chunk);
  const expectedSha = expected.digest('hex');

  const dir = mkdtempSync(join(tmpdir(), 'sekisho-wd-large-'));
  try {
    global.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const store = new FsBlobStore(dir);
    const result = await stripAttachmentsForDownload(() => Readable.from(bigMessage()), {
      blobStore: store,
      keyPrefix: 'dl/big/',
      position: 'top',
      notice: (files) =>
        webDownloadNotice({
          lang: 'ja',
          url: 'https://sekisho.example/d/T',
          files,
          expiresAt: new Date(0),
          passcode: false,
          timeZone: 'Asia/Tokyo',
        }),
    });
    const out = await streamToBuffer(result.stream);
    clearInterval(sampler);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);

    const rssGrowthMb = (peakRss - base.rss) / 1024 / 1024;
    const heapGrowthMb = (peakHeap - base.heapUsed) / 1024 / 1024;
    t.diagnostic(
      `50 MB attachment: peak RSS ${(peakRss / 1048576).toFixed(1)} MB (+${rssGrowthMb.toFixed(1)} MB), peak heap ` +
        `+${heapGrowthMb.toFixed(1)} MB`,
    );

    assert.equal(result.files.length, 1);
    assert.equal(result.files[0].size, SIZE);
    assert.equal(result.files[0].sha256, expectedSha);
    assert.ok(out.length < 10_000, `rewritten message is small (${out.length} bytes)`);
    const parts = await leafParts(out);
    assert.equal(parts.length, 1);
    assert.ok(textOf(parts[0]).endsWith('よろしくお願いします。'));
    assert.ok(textOf(parts[0]).includes('big.bin (50.0 MB)'));
    assert.ok(rssGrowthMb < 100, `RSS growth ${rssGrowthMb.toFixed(1)} MB must be well below 3 × 50 MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
