// Two-pass rewrites (store attachments, then rewrite the text around them) read the message
// twice. A source is either bytes in memory, a function that opens a fresh stream each time
// (e.g. the queue's stored file or blob), or a one-shot stream, which is spooled to a private
// temporary file first so it is never held in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type MessageSource = Uint8Array | Readable | (() => Readable);

export interface ReopenableSource {
  open(): Readable;
  dispose(): Promise<void>;
}

export async function reopenable(source: MessageSource, tmpDir: string = tmpdir()): Promise<ReopenableSource> {
  if (source instanceof Uint8Array) {
    const bytes = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    // 64 KiB chunks, like a file stream, so downstream sees the same shape either way
    return { open: () => Readable.from(chunks(bytes), { objectMode: false }), dispose: async () => {} };
  }
  if (typeof source === 'function') return { open: source, dispose: async () => {} };
  const dir = await mkdtemp(join(tmpDir, 'sekisho-msg-'));
  const file = join(dir, 'message.eml');
  try {
    await pipeline(source, createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { open: () => createReadStream(file), dispose: () => rm(dir, { recursive: true, force: true }) };
}

function* chunks(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}

/** Collects a stream into one Buffer (for callers and tests that want bytes). */
export async function streamToBuffer(stream: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(parts);
}
