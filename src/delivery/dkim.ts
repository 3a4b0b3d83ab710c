// DKIM for outbound mail, one key per tenant domain: key generation (RSA 2048), the DNS TXT
// record to publish, and signing (relaxed/relaxed, rsa-sha256) with mailauth. Signing only
// prepends DKIM-Signature; every byte of the message after it is left as it was, so it must
// run last, after every rewrite.
import { generateKeyPair, createPrivateKey, createPublicKey } from 'node:crypto';
import { promisify } from 'node:util';
// The submodule, not 'mailauth': the package root loads its BIMI code, whose undici 8 needs
// Node 22 and throws at import time on Node 20.
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { DKIMSignOptions } from 'mailauth';
import { concatInTurns, inSlices } from '../util/in-slices.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface DkimKey {
  selector: string;
  /** PKCS#8 PEM; store it as a secret */
  privateKeyPem: string;
  /** the DER SubjectPublicKeyInfo in base64, the p= of the TXT record */
  publicKeyBase64: string;
}

export interface DkimSigningKey {
  domain: string;
  selector: string;
  privateKeyPem: string;
}

export interface DkimTxtRecord {
  /** owner name, e.g. sekisho202604._domainkey.acme.example */
  name: string;
  /** the record text, e.g. "v=DKIM1; k=rsa; p=MIIB…" */
  value: string;
  /** the same record for a BIND zone file, split into ≤255-byte strings */
  zoneLine: string;
}

/**
 * The header fields signed when present. From is what DMARC aligns on; the others are what a
 * reader sees or what changes the meaning of the body. Received and Return-Path are left out:
 * relays add to them.
 */
export const SIGNED_HEADER_FIELDS = [
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
] as const;

/** A fresh RSA key for a tenant domain; the selector names the month (sekishoYYYYMM). */
export async function generateDkimKey(options: { now?: Date; bits?: number; selector?: string } = {}): Promise<DkimKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: options.bits ?? 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    selector: options.selector ?? defaultSelector(options.now ?? new Date()),
    privateKeyPem: privateKey,
    publicKeyBase64: publicKey.toString('base64'),
  };
}

/** 'sekisho' + UTC year and month: a new key next month gets a new selector (key rotation). */
export function defaultSelector(now: Date): string {
  return `sekisho${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The public half of a stored private key, as base64 DER (for `sekisho dkim show`). */
export function publicKeyFromPrivate(privateKeyPem: string): string {
  const der = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return der.toString('base64');
}

export function dkimTxtRecord(domain: string, selector: string, publicKeyBase64: string): DkimTxtRecord {
  const name = `${selector}._domainkey.${domain.toLowerCase().replace(/\.$/, '')}`;
  const value = `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
  const strings: string[] = [];
  for (let i = 0; i < value.length; i += 255) strings.push(`"${value.slice(i, i + 255)}"`);
  return { name, value, zoneLine: `${name}. IN TXT ( ${strings.join(' ')} )` };
}

export interface SignOptions {
  /** t= of the signature (default now); tests pin it */
  signTime?: Date;
  /** header fields to sign when present (default SIGNED_HEADER_FIELDS) */
  headerList?: readonly string[];
}

/**
 * Returns the message with one DKIM-Signature header prepended; the rest is byte-identical.
 * Throws when no signature could be made (bad key, bad selector): sending unsigned mail
 * that the tenant's DMARC policy expects to be signed is worse than deferring it.
 */
export async function signMessage(raw: Buffer, key: DkimSigningKey, options: SignOptions = {}): Promise<Buffer> {
  const signOptions = {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    signTime: options.signTime ?? new Date(),
    headerList: [...(options.headerList ?? SIGNED_HEADER_FIELDS)],
    // mailauth reads signing domain, selector and key only from signatureData; the same
    // fields at the top level are silently ignored (no signature at all).
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem }],
  } as unknown as DKIMSignOptions;
  // a slice per turn of the event loop: the signer hashes each chunk it is given at once (a 50 MB
  // message in one piece held the loop 436 ms)
  const result = await dkimSign(inSlices(raw), signOptions);
  if (result.errors.length > 0 || !result.signatures) {
    const why = result.errors.map((e) => e.err?.message ?? String(e)).join('; ') || 'no signature was produced';
    throw new Error(`DKIM signing for ${key.domain} (selector ${key.selector}) failed: ${why}`);
  }
  return concatInTurns([Buffer.from(result.signatures, 'latin1'), raw]);
}
