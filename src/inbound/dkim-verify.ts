// DKIM verification of one message (and of the newest ARC-Message-Signature, for arc()) with
// mailauth's DkimVerifier, fed so that no message holds the event loop: mailauth's own dkimVerify
// wrote 64 KB chunks, but each chunk's 'drain' came within the same turn, so a whole body was
// canonicalized and hashed at once (215 ms for 25 MB, 4.3 s for 5 MB under 500 signatures). Here a
// turn of the event loop passes between slices. The signatures verified are capped by the patch.
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import type { DnsResolve } from './auth.ts';
import { installDkimKeyCache } from './dkim-key-cache.ts';

const require = createRequire(import.meta.url);
// before the verifier's module binds the key lookup (dkim-key-cache.ts)
installDkimKeyCache();
const { DkimVerifier } = require('mailauth/lib/dkim/dkim-verifier.js') as { DkimVerifier: new (options: object) => Verifier };

interface Verifier extends Writable {
  headerFrom: string[];
  fromFields: number;
  results: DkimRow[];
  arc: unknown;
}

/** The parts of one of mailauth's DKIM result rows that authentication reads. */
export interface DkimRow {
  id?: string;
  signingDomain?: string;
  status?: { result?: string; comment?: string; aligned?: string | false; underSized?: number };
  /** the row as it goes into Authentication-Results ("dkim=pass header.d=…") */
  info?: string;
}

/** What dkimVerify returned that authentication reads. */
export interface DkimVerification {
  /** the From addresses (DMARC's author domain) and how many From fields there were */
  headerFrom: string[];
  fromFields: number;
  /** one row per DKIM-Signature verified, as mailauth gives them */
  results: DkimRow[];
  /** the ARC chain as parsed, with the newest message signature's result, for mailauth's arc() */
  arc: unknown;
}

/** Bytes handed to the verifier per turn of the event loop: one 64 KB slice costs ~0.1 ms per body hash. */
export const SLICE_BYTES = 64 * 1024;

export async function verifyDkim(message: Buffer, options: { resolver: DnsResolve; sender?: string }): Promise<DkimVerification> {
  const verifier = new DkimVerifier(options);
  const finished = new Promise<void>((resolve, reject) => {
    verifier.once('finish', resolve);
    verifier.once('error', reject);
  });
  // observed below; a slice's write may fail on the same error first
  finished.catch(() => {});
  for (let at = 0; at < message.length; at += SLICE_BYTES) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (!verifier.write(message.subarray(at, at + SLICE_BYTES))) await drained(verifier);
  }
  verifier.end();
  await finished;
  return { headerFrom: verifier.headerFrom, fromFields: verifier.fromFields, results: verifier.results, arc: verifier.arc };
}

function drained(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}
