// The postal-mime decoder patch (src/patches/postal-mime.ts): all three decoders are patched,
// the join gives exactly the bytes the Blob round trip gave, Node's base64 decoding gives the bytes
// of postal-mime's own decodeBase64, and every .eml fixture parses to
// the same result with the patched decoders as with postal-mime's own (run in a child process
// that never loads the patch).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { applyPatches } from '../../src/patches/index.ts';
import { joinChunks, patchedDecoders, pushBase64Chunk } from '../../src/patches/postal-mime.ts';

applyPatches();

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Parses every fixture and prints one digest; PATCH=1 loads the patch first.
const DIGEST = `
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
if (process.env.PATCH) (await import(${JSON.stringify(new URL('../../src/patches/index.ts', import.meta.url).href)})).applyPatches();
const PostalMime = (await import('postal-mime')).default;
const h = createHash('sha256');
const dir = ${JSON.stringify(FIXTURES)};
for (const f of readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.eml')).sort()) {
  const e = await PostalMime.parse(readFileSync(dir + f));
  h.update(f + JSON.stringify(e, (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? Buffer.from(v).toString('base64') : v)));
}
console.log(h.digest('hex'));
`;

describe('postal-mime decoder patch', () => {
  it('patches the pass-through, base64 and quoted-printable decoders', () => {
    assert.deepEqual(patchedDecoders.sort(), ['./base64-decoder.js', './pass-through-decoder.js', './qp-decoder.js']);
  });

  it('joins chunks to the bytes a Blob gives (strings as UTF-8)', async () => {
    const chunks = [new Uint8Array([0x1b, 0x24, 0x42]), '\n', '日本語', new Uint8Array([]).buffer, new Uint8Array([0xff, 0x00])];
    const viaBlob = new Uint8Array(await new Blob(chunks).arrayBuffer());
    assert.deepEqual(new Uint8Array(joinChunks(chunks)), viaBlob);
    // runs of strings (one per line, as the pass-through decoder gathers them) are encoded together
    const lines = ['Subject: テスト\r\n', '\r\n', 'ü 😀 line\r\n', new Uint8Array([0x41]), 'end', ''];
    assert.deepEqual(new Uint8Array(joinChunks(lines)), new Uint8Array(await new Blob(lines).arrayBuffer()));
  });

  it("decodes base64 runs to the bytes of postal-mime's own decoder, at every length", async () => {
    const strings = (await import(new URL('./decode-strings.js', import.meta.resolve('postal-mime')).href)) as {
      decodeBase64: (s: string) => ArrayBuffer;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // a 32-bit LCG in exact integer arithmetic, its high bits: every length 0–69 and all 64 characters
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const runs = ['', 'A', 'QQ', 'QUI', 'QUJD', '44GC44GE', '+/+/', '/////'];
    for (let n = 0; n < 3000; n++) runs.push(Array.from({ length: next() % 70 }, () => alphabet[next() % 64]).join(''));
    for (const run of runs) {
      const decoder = { chunks: [] as Array<Uint8Array | ArrayBuffer | string> };
      pushBase64Chunk.call(decoder, run);
      const got = new Uint8Array(joinChunks(decoder.chunks));
      assert.deepEqual(got, new Uint8Array(strings.decodeBase64(run)), run);
    }
  });

  it('parses every fixture message exactly as unpatched postal-mime does', () => {
    assert.ok(readdirSync(FIXTURES, { recursive: true }).filter((f) => String(f).endsWith('.eml')).length > 50);
    const run = (patch: boolean) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DIGEST], {
        env: { ...process.env, PATCH: patch ? '1' : '' },
        encoding: 'utf8',
      }).trim();
    assert.equal(run(true), run(false));
  });
});
