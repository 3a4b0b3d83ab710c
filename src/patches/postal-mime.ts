// Two behaviours of postal-mime 4.0 patched once per process: each part's content decoder joins
// its chunks through `new Blob(chunks).arrayBuffer()` (read back part by part through promise jobs:
// a sixth of the gateway's CPU per 10 KB message), and the base64 decoder decodes in a JavaScript
// loop (~35× Node's native decoder). The patches join the chunks into one ArrayBuffer directly and
// decode base64 with Buffer.from; the bytes and the signatures are unchanged.
// Applied by applyPatches() (src/patches/index.ts) in each process and analysis thread.

type Chunk = Uint8Array | ArrayBuffer | string;
interface Decoder {
  chunks: Chunk[];
  flushRemainder?: () => void;
  flushBuffer?: () => void;
  pushChunk?: (base64: string) => void;
}

const encoder = new TextEncoder();
const NEWLINE = encoder.encode('\n');

/** The bytes `new Blob(chunks).arrayBuffer()` would give: strings as UTF-8, buffers as they are. */
export function joinChunks(chunks: Chunk[]): ArrayBuffer {
  // Strings among the chunks: each run of them is joined and encoded once (UTF-8 of a
  // concatenation is the concatenation of the UTF-8s, as long as no surrogate pair is split
  // between chunks, which whole lines never do).
  const parts: Uint8Array[] = [];
  let run: string[] = [];
  const flushRun = () => {
    // The pass-through decoder's body lines are bytes, each followed by the string '\n': that
    // one is the same bytes every time, not worth an encoder call per line.
    if (run.length === 1 && run[0] === '\n') parts.push(NEWLINE);
    else if (run.length) parts.push(encoder.encode(run.length === 1 ? run[0]! : run.join('')));
    run = [];
  };
  for (const c of chunks) {
    if (typeof c === 'string') run.push(c);
    else {
      flushRun();
      parts.push(c instanceof Uint8Array ? c : new Uint8Array(c));
    }
  }
  flushRun();
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}

// postal-mime exports only its entry point; the decoders are siblings of that file and the very
// module instances postal-mime itself imports, so patching their prototypes reaches its parser.
const entry = import.meta.resolve('postal-mime');
// Each decoder with the method its own finalize() calls before joining (pending input flushed).
const decoders: Array<[string, 'flushRemainder' | 'flushBuffer' | null]> = [
  ['./pass-through-decoder.js', null],
  ['./base64-decoder.js', 'flushRemainder'],
  ['./qp-decoder.js', 'flushBuffer'],
];

const loaded: Array<{ file: string; flush: 'flushRemainder' | 'flushBuffer' | null; Decoder: DecoderClass }> = [];
for (const [file, flush] of decoders) {
  const mod = (await import(new URL(file, entry).href)) as { default: DecoderClass };
  loaded.push({ file, flush, Decoder: mod.default });
}
type DecoderClass = (new () => Decoder) & { prototype: Decoder & { finalize: () => Promise<ArrayBuffer> } };

export const patchedDecoders: string[] = [];
let patched = false;

/** Replaces each decoder's finalize() and the base64 decoder's pushChunk() (see the top); called by applyPatches(). */
export function patchPostalMime(): void {
  if (patched) return;
  patched = true;
  for (const { file, flush, Decoder } of loaded) {
    const proto = Decoder.prototype;
    // Only where the shape is the one this patch was written for; otherwise postal-mime's own code runs.
    if (!Array.isArray(new Decoder().chunks)) continue;
    if (flush && typeof proto[flush] !== 'function') continue;
    proto.finalize = async function finalize(this: Decoder) {
      if (flush) this[flush]!();
      return joinChunks(this.chunks);
    };
    patchedDecoders.push(file);
    if (file === './base64-decoder.js' && typeof proto.pushChunk === 'function') proto.pushChunk = pushBase64Chunk;
  }
}

/**
 * The base64 decoder's pushChunk with Node's decoder: postal-mime hands it one run of base64
 * characters (it has removed everything else and split the text at each '=' already), which
 * Buffer.from decodes to the same bytes, a trailing single character (no whole byte) dropped alike.
 */
export function pushBase64Chunk(this: Decoder, base64: string): void {
  if (base64.length) this.chunks.push(Buffer.from(base64, 'base64'));
}
