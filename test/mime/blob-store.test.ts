// The filesystem blob store: round trip with size and SHA-256, replace, delete, missing blobs,
// and keys that try to leave the root directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../src/blob/fs-blob-store.ts';
import { assertBlobKey, BlobNotFoundError, InvalidBlobKeyError } from '../../src/blob/blob-store.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';

test('put/get/exists/delete round trip with size and sha256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-blob-'));
  try {
    const store = new FsBlobStore(join(dir, 'blobs'));
    const bytes = Buffer.from('添付ファイル\x00\xff'.repeat(1000), 'utf8');
    const info = await store.put('download/msg-1/1', Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]));
    assert.deepEqual(info, { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    assert.equal(await store.exists('download/msg-1/1'), true);
    assert.ok((await streamToBuffer(store.get('download/msg-1/1'))).equals(bytes));
    await store.put('download/msg-1/1', Readable.from([Buffer.from('v2')]));
    assert.equal((await streamToBuffer(store.get('download/msg-1/1'))).toString(), 'v2');
    assert.deepEqual(readdirSync(join(dir, 'blobs/download/msg-1')), ['1'], 'no temporary files left');
    await store.delete('download/msg-1/1');
    await store.delete('download/msg-1/1');
    assert.equal(await store.exists('download/msg-1/1'), false);
    await assert.rejects(streamToBuffer(store.get('download/msg-1/1')), BlobNotFoundError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing source stream stores nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-blob-'));
  try {
    const store = new FsBlobStore(dir);
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.put('a/b', failing), /client went away/);
    assert.equal(await store.exists('a/b'), false);
    assert.deepEqual(readdirSync(join(dir, 'a')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keys cannot escape the root', async () => {
  for (const bad of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a\\b', '', '.', 'a/./b', '.hidden', 'a/b/', 'x'.repeat(600)]) {
    assert.throws(() => assertBlobKey(bad), InvalidBlobKeyError, bad);
  }
  for (const good of ['download/01HXYZ/1', 'a', 'msg_1.eml', 'tenant-1/q/abc.def']) assertBlobKey(good);
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-blob-'));
  try {
    const store = new FsBlobStore(join(dir, 'root'));
    await assert.rejects(store.put('../outside', Readable.from([Buffer.from('x')])), InvalidBlobKeyError);
    assert.equal(existsSync(join(dir, 'outside')), false);
    assert.equal(await store.exists('../../etc/passwd'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
