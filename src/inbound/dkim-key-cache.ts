// Parsed DKIM and ARC public keys, kept per process. mailauth 7.1 parses the key record of every
// signature afresh: crypto.createPublicKey and a PEM export (about 1.3 ms per 2048-bit key on this
// machine, OpenSSL 3 decoders are slow), then crypto.verify parses the PEM again (0.3 ms). It looks
// keys up through a per-message cache made by tools.createKeyCache, which its DKIM and ARC modules
// bind when they are loaded: installDkimKeyCache() replaces that factory before they are, with one
// that still asks the resolver for the record every time (the DNS cache's TTL decides how long a
// record is trusted) and reuses the parsed key while the record's text and the checks asked for
// are the same. The key handed to crypto.verify is then a KeyObject, parsed once.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { BoundedMap } from '../util/bounded-map.ts';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
type Resolver = (name: string, rrtype: string) => Promise<any>;
interface KeyOptions {
  strict?: boolean;
  hashAlgo?: string;
}
interface PublicKeyResult {
  publicKey: string | KeyObject;
  [field: string]: unknown;
}
type GetPublicKey = (type: string, name: string, minBitLength: number | undefined, resolver: Resolver, o?: KeyOptions) => Promise<any>;
interface MailauthTools {
  getPublicKey: GetPublicKey;
  createKeyCache: (resolver: Resolver) => { resolver: Resolver; get: (...a: any[]) => Promise<any> };
  toALabel: (name: string) => string;
}

/** parsed keys kept at most; a key is a few hundred bytes plus its KeyObject */
const MAX_KEYS = 2000;
const parsed = new BoundedMap<string, Promise<PublicKeyResult>>(MAX_KEYS); // least recently used forgotten first
const counters = { parses: 0, reused: 0 };
let installed = false;

/** Key records parsed and parsed keys reused since the process started (for tests and the bench). */
export function dkimKeyCacheStats(): { parses: number; reused: number; keys: number } {
  return { ...counters, keys: parsed.size };
}

/** Must run before mailauth/lib/dkim/verify.js or mailauth/lib/arc/index.js is first required. */
export function installDkimKeyCache(): void {
  if (installed) return;
  installed = true;
  const tools = require('mailauth/lib/tools.js') as MailauthTools;
  const getPublicKey = tools.getPublicKey;
  // the same contract as mailauth's own: one promise per question within a message
  tools.createKeyCache = (resolver) => {
    const perMessage = new Map<string, Promise<any>>();
    return {
      resolver,
      get(type: string, name: string, minBitLength: number | undefined, options: KeyOptions = {}) {
        const key = [!!options.strict, minBitLength || '', options.hashAlgo || '', name].join(':');
        let lookup = perMessage.get(key);
        if (!lookup) {
          lookup = resolver
            ? lookUpKey(getPublicKey, tools.toALabel, resolver, type, name, minBitLength, options)
            : getPublicKey(type, name, minBitLength, resolver, options);
          lookup.catch(() => false); // as mailauth's: a prefetched lookup may fail before anyone waits
          perMessage.set(key, lookup);
        }
        return lookup;
      },
    };
  };
}

async function lookUpKey(
  getPublicKey: GetPublicKey,
  toALabel: (name: string) => string,
  resolver: Resolver,
  type: string,
  name: string,
  minBitLength: number | undefined,
  options: KeyOptions,
): Promise<PublicKeyResult> {
  // the record is always asked for (a DNS failure throws here, as in getPublicKey)
  const records = await resolver(toALabel(name), 'TXT');
  const key = JSON.stringify([type, name.toLowerCase(), minBitLength ?? null, !!options.strict, options.hashAlgo ?? '', records]);
  const cached = parsed.use(key);
  if (cached) {
    counters.reused++;
    return cached;
  }
  counters.parses++;
  // mailauth's own parse and checks, on the answer just received
  const result = getPublicKey(type, name, minBitLength, async () => records, options).then(withKeyObject);
  parsed.set(key, result);
  // a record mailauth refuses (revoked, too short, malformed) is not kept: its error is rare, and
  // errors carry per-call details
  result.catch(() => parsed.delete(key));
  return result;
}

/**
 * The result with its PEM key parsed once into a KeyObject that crypto.verify takes as it is.
 * mailauth also copies the key into its DKIM result with publicKey.toString(): the KeyObject's
 * own toString gives the PEM, so that field reads as before.
 */
function withKeyObject(result: PublicKeyResult): PublicKeyResult {
  if (typeof result?.publicKey !== 'string') return result;
  const pem = result.publicKey;
  const keyObject = createPublicKey(pem);
  Object.defineProperty(keyObject, 'toString', { value: () => pem });
  return { ...result, publicKey: keyObject };
}
