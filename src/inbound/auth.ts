// SPF, DKIM, DMARC and ARC verification of one received message with mailauth's submodules
// (the package root pulls in BIMI → undici, which crashes on Node 20), through the resolver
// the caller supplies (config.dnsServers; in the gateway the cache of dns-cache.ts), parsed DKIM
// keys kept per process (dkim-key-cache.ts), SPF results too when the caller passes spf-cache.ts's
// check. Produces the compact AuthResults the scorers and the policy read, and an RFC 8601
// Authentication-Results header for our authserv-id.
// DNS trouble never throws: it shows up as temperror, so mail is not lost over a slow resolver.
// A header section over MAX_VERIFIED_HEADER_BYTES (Postfix's header_size_limit) is not handed to
// mailauth, whose header parsing grows faster than linearly, nor one whose signatures' h= tags
// would cost more than MAX_SIGNED_FIELD_LOOKUPS: DKIM, ARC and DMARC are permerror then, and
// `headerTooLarge` or `signedFieldLookups` lets the verdict say so.
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { AuthResult, AuthResults } from '../model/verdict.ts';
import { installDkimKeyCache } from './dkim-key-cache.ts';
import { concatInTurns, inSlices, nextTurn } from '../util/in-slices.ts';
import { evaluateSpf, type SpfCheck } from './spf-cache.ts';

const require = createRequire(import.meta.url);
// before mailauth's DKIM and ARC modules bind the key lookup (dkim-key-cache.ts)
installDkimKeyCache();
/* eslint-disable @typescript-eslint/no-explicit-any */
const { dkimVerify } = require('mailauth/lib/dkim/verify.js') as { dkimVerify: (input: Buffer | Readable, opts: any) => Promise<any> };
const { evaluateDmarc } = require('mailauth/lib/dmarc/index.js') as { evaluateDmarc: (opts: any) => Promise<any> };
const { arc } = require('mailauth/lib/arc/index.js') as { arc: (chain: any, opts: any) => Promise<any> };
const libmime = require('libmime') as { foldLines: (s: string, n: number) => string };

export type DnsResolve = (name: string, rrtype: string) => Promise<any>;

export interface AuthInput {
  /** the message as received from the client (without our trace header is best, but either works) */
  raw: Buffer;
  /** connecting client's IP address */
  ip: string;
  /** HELO/EHLO name the client gave */
  helo: string;
  /** envelope MAIL FROM ('' for the null sender) */
  mailFrom: string;
  /** our host name: the authserv-id */
  authservId: string;
  resolver: DnsResolve;
  /** how SPF is evaluated: mailauth's check_host each time unless given (spf-cache.ts keeps results) */
  spf?: SpfCheck;
}

/** Header bytes DKIM/ARC/DMARC verification reads at most (Postfix's header_size_limit). */
export const MAX_VERIFIED_HEADER_BYTES = 100 * 1024;

/**
 * Field look-ups the h= tags of a header section may ask of mailauth's verifier at most. It finds
 * each name an h= tag lists by searching the fields from the bottom, on the event loop: names ×
 * fields comparisons. Real mail asks hundreds to a few thousand (30 names, 100 fields); a signature
 * listing 8,000 names over 10,000 fields (88 KB) held the loop 129–137 ms.
 */
export const MAX_SIGNED_FIELD_LOOKUPS = 1_000_000;

export interface AuthVerification {
  /** the header section was too large to verify (its size in bytes), or null */
  headerTooLarge: number | null;
  /** the h= tags asked for too many field look-ups to verify (names × fields), or null */
  signedFieldLookups: number | null;
  results: AuthResults;
  /** one line per method, as they appear in the header, for the audit trail */
  details: string[];
  /** complete header field "Authentication-Results: …\r\n" */
  header: string;
}

const RESULTS: readonly AuthResult[] = ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy'];

function asResult(v: unknown): AuthResult | undefined {
  const s = String(v ?? '').toLowerCase();
  return (RESULTS as readonly string[]).includes(s) ? (s as AuthResult) : undefined;
}

/** DKIM: the best result over all signatures (one valid signature is a pass). */
function bestDkim(rows: any[]): AuthResult {
  if (!rows || rows.length === 0) return 'none';
  const order: AuthResult[] = ['pass', 'temperror', 'fail', 'policy', 'permerror', 'neutral', 'none'];
  // mailauth reports a body that no longer matches its signature as "neutral (body hash did not
  // verify)"; RFC 6376 calls that a failure, and so do our scores and the policy's authFail.
  const seen = rows.map((r) =>
    /body hash did not verify/.test(String(r?.status?.comment ?? '')) ? 'fail' : (asResult(r?.status?.result) ?? 'neutral'),
  );
  return order.find((o) => seen.includes(o)) ?? 'neutral';
}

/** How many bytes of a header section are searched or walked per turn of the event loop. */
const SCAN_BYTES_PER_TURN = 1024 * 1024;

/**
 * Bytes before the empty line that ends the header section (the whole message if there is none),
 * searched a MiB per turn of the event loop: the search for CRLF CRLF slows to ~1.5 ns a byte where
 * line breaks are dense, and a 50 MB header section folded every 4 bytes held the loop 75 ms.
 */
export async function headerSectionLength(raw: Buffer): Promise<number> {
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 0;
  for (let from = 0; from < raw.length; from += SCAN_BYTES_PER_TURN) {
    if (from > 0) await nextTurn();
    // 3 bytes more than the step, so that a CRLF CRLF across two windows is found in the first
    const end = raw.subarray(0, from + SCAN_BYTES_PER_TURN + 3).indexOf('\r\n\r\n', from);
    if (end !== -1) return end + 2;
  }
  return raw.length;
}

/**
 * What mailauth's DKIM verifier reads: the whole message when a DKIM or ARC message signature may
 * cover its body, else the header section alone. Without either, the body feeds no hash and the
 * results (none, the From for DMARC, the ARC chain's headers) are the same; streaming it through
 * the verifier was most of the cost of an unsigned message. A field name found anywhere at a line
 * start of the header section counts, so a doubtful case verifies the whole message.
 */
export function dkimInput(raw: Buffer, headerBytes: number): Buffer {
  const separator = raw.toString('latin1', headerBytes, headerBytes + 2);
  if (separator !== '\r\n') return raw;
  if (SIGNATURE_FIELD.test(raw.toString('latin1', 0, headerBytes))) return raw;
  return raw.subarray(0, headerBytes + 2);
}
const SIGNATURE_FIELD = /^(?:dkim-signature|arc-message-signature)[ \t]*:/im;

/**
 * The look-ups mailauth's verifier would make for the h= tags of `header` (the header section):
 * the names the DKIM-Signature and ARC-Message-Signature fields list, times the fields. One pass.
 */
export function signedFieldLookups(header: string): number {
  const fields = header.split(/\r?\n(?![ \t])/).filter((f) => f.length > 0);
  let names = 0;
  for (const field of fields) {
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).trim().toLowerCase();
    if (colon === -1 || (name !== 'dkim-signature' && name !== 'arc-message-signature')) continue;
    const h = field
      .slice(colon + 1)
      .split(';')
      .find((tag) => /^\s*h\s*=/i.test(tag));
    if (h) names += h.split(':').length;
  }
  return names * fields.length;
}

export async function verifyAuthentication(input: AuthInput): Promise<AuthVerification> {
  const lines: string[] = [];
  const results: AuthResults = {};
  const resolver = input.resolver;
  const headerBytes = await headerSectionLength(input.raw);
  const headerTooLarge = headerBytes > MAX_VERIFIED_HEADER_BYTES ? headerBytes : null;
  const lookups = headerTooLarge ? 0 : signedFieldLookups(input.raw.toString('latin1', 0, headerBytes));
  const tooManyLookups = lookups > MAX_SIGNED_FIELD_LOOKUPS ? lookups : null;
  // why DKIM, ARC and DMARC are not verified, or null
  const unverified = headerTooLarge
    ? `header section of ${headerTooLarge} bytes is over the ${MAX_VERIFIED_HEADER_BYTES} verified`
    : tooManyLookups
      ? `signatures' h= tags ask ${tooManyLookups} field look-ups, over the ${MAX_SIGNED_FIELD_LOOKUPS} verified`
      : null;
  let dkim: any = null;
  if (unverified) {
    results.dkim = 'permerror';
    lines.push(`dkim=permerror (${unverified})`);
  } else {
    try {
      // a slice per turn of the event loop: the verifier hashes each chunk it is given at once
      dkim = await dkimVerify(inSlices(dkimInput(input.raw, headerBytes)), { resolver, sender: input.mailFrom || undefined });
      for (const row of dkim?.results ?? []) if (row?.info) lines.push(row.info);
      results.dkim = bestDkim(dkim?.results ?? []);
    } catch (err) {
      results.dkim = 'temperror';
      lines.push(`dkim=temperror (${cleanComment((err as Error).message)})`);
    }
  }

  // HELO as an IP literal goes in brackets, like mailauth's authenticate() does.
  const helo = /^[\d.]+$|:/.test(input.helo) ? `[${input.helo}]` : input.helo || `[${input.ip}]`;
  let spfResult: any = null;
  try {
    const query = { sender: input.mailFrom || undefined, ip: input.ip, helo, mta: input.authservId, resolver };
    spfResult = await (input.spf ?? evaluateSpf)(query);
    if (spfResult?.info) lines.push(spfResult.info);
    results.spf = asResult(spfResult?.status?.result) ?? 'none';
  } catch (err) {
    results.spf = 'temperror';
    lines.push(`spf=temperror (${cleanComment((err as Error).message)})`);
  }

  let arcResult: any = null;
  if (unverified) {
    results.arc = 'permerror';
    lines.push(`arc=permerror (${unverified})`);
  } else
    try {
      arcResult = await arc(dkim?.arc ?? {}, { resolver, ip: input.ip });
      if (arcResult?.info) lines.push(arcResult.info);
      results.arc = asResult(arcResult?.status?.result) ?? 'none';
    } catch (err) {
      results.arc = 'temperror';
      lines.push(`arc=temperror (${cleanComment((err as Error).message)})`);
    }

  if (unverified) {
    results.dmarc = 'permerror';
    lines.push(`dmarc=permerror (${unverified})`);
  } else if (dkim?.headerFrom) {
    try {
      const { response } = await evaluateDmarc({
        headerFrom: dkim.headerFrom,
        fromFields: dkim.fromFields,
        spfDomains: [].concat((spfResult?.status?.result === 'pass' && spfResult.domain) || []),
        dkimDomains: (dkim.results ?? [])
          .filter((r: any) => r.status?.result === 'pass')
          .map((r: any) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized })),
        arcResult,
        resolver,
      });
      if (response?.info) lines.push(response.info);
      results.dmarc = asResult(response?.status?.result) ?? 'none';
      const p = String(response?.policy ?? '').toLowerCase();
      if (p === 'none' || p === 'quarantine' || p === 'reject') results.dmarcPolicy = p;
    } catch (err) {
      results.dmarc = 'temperror';
      lines.push(`dmarc=temperror (${cleanComment((err as Error).message)})`);
    }
  } else {
    results.dmarc = 'none';
    lines.push('dmarc=none (no single author domain)');
  }

  const folded = lines.map((l) => libmime.foldLines(l.replace(/[\r\n]+/g, ' '), 160));
  const header = `Authentication-Results: ${input.authservId};\r\n ${folded.length ? folded.join(';\r\n ') : 'none'}\r\n`;
  return { headerTooLarge, signedFieldLookups: tooManyLookups, results, details: lines, header };
}

function cleanComment(s: string): string {
  return s.replace(/[()\\\r\n]/g, ' ').slice(0, 120);
}

/** How many lines of a header section addAuthResults scans per turn of the event loop (or SCAN_BYTES_PER_TURN). */
const LINES_PER_TURN = 65_536;
const CRLF = Buffer.from('\r\n');
const AR_NAME = 'authentication-results';

/**
 * Inserts our Authentication-Results header right after the first header field (our own
 * Received trace header, as Postfix+OpenDKIM place it), and removes any Authentication-Results
 * header in the message that claims our authserv-id: only we may say what we verified. The
 * header section is walked as bytes, line by line, a MiB or 65,536 lines per turn of the event
 * loop, and its end (the blank line) is found by that walk: a section of 33 MB (a message without
 * a blank line) made into one string held the loop ~400 ms, one field folded over 16 million
 * lines ~1 s, and a search for CRLF CRLF ahead of the walk 75 ms in a 50 MB folded field.
 */
export async function addAuthResults(raw: Buffer, header: string, authservId: string): Promise<{ body: Buffer; removedForged: number }> {
  const added = Buffer.from(header, 'latin1');
  // a message that begins with a blank line has no header field: ours goes first
  if (raw[0] === 0x0d && raw[1] === 0x0a) return { body: await concatInTurns([added, raw]), removedForged: 0 };
  const id = authservId.toLowerCase();
  const pieces: Buffer[] = [];
  let removedForged = 0;
  let kept = 0; // start of the kept bytes not yet in pieces
  let fieldStart = 0;
  let index = 0;
  let pos = 0; // start of the next line
  let fieldsEnd = -1; // where the header fields end (after the CRLF before the blank line), once found
  let nextTurnAt = SCAN_BYTES_PER_TURN;
  let lines = 0;
  // line by line, so that one field folded over millions of lines is walked in turns too
  while (fieldsEnd === -1) {
    const nl = raw.indexOf(CRLF, pos);
    // no blank line: the whole message is header fields; CRLF CRLF: a blank line follows
    if (nl === -1) pos = fieldsEnd = raw.length;
    else if (raw[nl + 2] === 0x0d && raw[nl + 3] === 0x0a) pos = fieldsEnd = nl + 2;
    else pos = nl + 2;
    // a field ends at a CRLF not followed by folding white space
    if (fieldsEnd !== -1 || (raw[pos] !== 0x20 && raw[pos] !== 0x09)) {
      if (index++ === 0) {
        pieces.push(raw.subarray(0, pos), added);
        kept = pos;
      } else if (claimsAuthservId(raw, fieldStart, pos, id)) {
        pieces.push(raw.subarray(kept, fieldStart));
        kept = pos;
        removedForged++;
      }
      fieldStart = pos;
    }
    if (pos >= raw.length) fieldsEnd = raw.length; // the message ends with a CRLF and no blank line
    if (++lines >= LINES_PER_TURN || pos >= nextTurnAt) {
      lines = 0;
      nextTurnAt = pos + SCAN_BYTES_PER_TURN;
      await nextTurn();
    }
  }
  pieces.push(raw.subarray(kept, fieldsEnd), raw.subarray(fieldsEnd));
  return { body: await concatInTurns(pieces), removedForged };
}

/**
 * How far into an Authentication-Results field its authserv-id is looked for. A real one is on the
 * field's first line (998 bytes at most, RFC 5322); only that much of the field is made a string.
 */
const AUTHSERV_ID_WINDOW = 4096;

/**
 * Whether the field in raw[start, end) is an Authentication-Results header for our authserv-id.
 * A field whose authserv-id is not within its first AUTHSERV_ID_WINDOW bytes (folding white space
 * by the megabyte) cannot be told apart from a forged one and counts as one: removed, never passed on.
 */
function claimsAuthservId(raw: Buffer, start: number, end: number, id: string): boolean {
  // only a field that begins with the name is made into a string
  if (end - start < AR_NAME.length || raw.toString('latin1', start, start + AR_NAME.length).toLowerCase() !== AR_NAME) return false;
  const windowEnd = Math.min(end, start + AUTHSERV_ID_WINDOW);
  const text = raw.toString('latin1', start, windowEnd);
  const m = /^authentication-results[ \t]*:[ \t\r\n]*("?)([^;\s"]+)/i.exec(text);
  // the id (or the white space before it) runs on past the window: undecidable, so unsafe
  if (windowEnd < end && (m === null ? /^authentication-results[ \t]*(?::[ \t\r\n]*"?)?$/i.test(text) : m[0].length === text.length))
    return true;
  return m !== null && m[2]!.toLowerCase() === id;
}
