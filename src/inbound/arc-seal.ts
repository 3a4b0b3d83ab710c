// ARC sealing (RFC 8617) of inbound mail Sekisho changed before delivery — a subject tag, removed
// attachments — so the tenant's own mail server can trust the authentication results Sekisho
// saw on the original (DKIM no longer verifies once the subject or body changed). One ARC set
// per delivered copy: ARC-Authentication-Results carries our Authentication-Results, the
// ARC-Message-Signature covers the changed message, the ARC-Seal the chain (cv from our ARC
// verification of the chain that arrived). The key is the tenant's outbound DKIM key (dkim-keys.ts)
// of the recipient's domain, so d= is a tenant domain whose record is already published. Runs last
// (the delivery module's preparer), after every rewrite; a seal that cannot be made is logged and
// the mail goes out unsealed — the seal is an extra, never a reason to hold mail.
import { domainOf } from '../util/address.ts';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { concatInTurns, inSlices } from '../util/in-slices.ts';
import type { Logger } from 'pino';
import type { DeliveryPreparer } from '../pipeline/pipeline.ts';
import type { Store, Message } from '../store/store.ts';
import { dkimKeyFor, type StoredDkimKey } from '../delivery/dkim-keys.ts';
import { inboundStateOf } from './quarantine.ts';
import type { AuthResult } from '../model/verdict.ts';

const require = createRequire(import.meta.url);
// the submodule: the package root loads BIMI → undici, which throws on Node 20
const { createSeal } = require('mailauth/lib/arc/index.js') as {
  createSeal: (
    input: Buffer | Readable,
    data: {
      seal: {
        signingDomain: string;
        selector: string;
        privateKey: string;
        authResults: string;
        cv: 'none' | 'pass' | 'fail';
        signTime?: Date;
      };
    },
  ) => Promise<{ headers: string[]; errors: Array<{ err?: Error } | unknown>; warnings: string[] }>;
};

export interface ArcSealDeps {
  store: Store;
  /** our authserv-id (config hostname): whose Authentication-Results the seal carries */
  authservId: string;
  /** config arcSeal */
  enabled: boolean;
  logger: Logger;
}

/** Did the inbound delivery rewrite (prepare.ts) change this message? Released mail goes out verbatim. */
export function inboundRewritten(message: Message): boolean {
  const state = inboundStateOf(message);
  if (!state || state.released) return false;
  return (state.policy?.subjectTags?.length ?? 0) > 0 || (state.policy?.strip?.length ?? 0) > 0;
}

/** The chain validation value for our seal, from our verification of the ARC chain that arrived. */
export function chainValidation(arc: AuthResult | undefined): 'none' | 'pass' | 'fail' {
  if (arc === undefined || arc === 'none') return 'none';
  return arc === 'pass' ? 'pass' : 'fail';
}

/** How much of the header section ownAuthResults reads: ours is the second field, after our Received. */
const OWN_RESULTS_WITHIN = 64 * 1024;

/**
 * The value of the Authentication-Results field that claims `authservId` (ours: decide.ts put
 * it in, right after our Received field, and removed any forged one), folding kept, or null.
 * Only the first 64 KiB are read: the whole header section of 48 MB took 350–500 ms as a string.
 */
export function ownAuthResults(raw: Buffer, authservId: string): string | null {
  const window = raw.subarray(0, OWN_RESULTS_WITHIN);
  const end = window.indexOf('\r\n\r\n');
  const head = window.subarray(0, end < 0 ? window.length : end + 2).toString('latin1');
  const fields = head.split(/\r\n(?![ \t])/);
  const id = authservId.toLowerCase();
  for (const f of fields) {
    const m = /^authentication-results:[ \t]*/i.exec(f);
    if (!m) continue;
    const value = f.slice(m[0].length);
    const claimed = value.split(';', 1)[0]!.trim().toLowerCase();
    if (claimed === id) return value.replace(/\r\n$/, '');
  }
  return null;
}

/** The tenant DKIM key that seals mail for these recipients: a recipient's domain first, then any of the tenant's. */
export async function arcKeyFor(store: Store, tenantId: string, recipients: readonly string[]): Promise<StoredDkimKey | undefined> {
  const domains = (await store.tenantDomains(tenantId)).map((d) => d.domain.toLowerCase());
  const wanted = recipients.map(domainOf).filter((d) => domains.includes(d));
  for (const d of [...new Set([...wanted, ...domains])]) {
    const key = await dkimKeyFor(store, d);
    if (key && key.tenantId === tenantId) return key;
  }
  return undefined;
}

/** `raw` with one ARC set prepended, or null with the reason it could not be sealed. */
export async function sealWithArc(
  raw: Buffer,
  key: Pick<StoredDkimKey, 'domain' | 'selector' | 'privateKeyPem'>,
  authResults: string,
  cv: 'none' | 'pass' | 'fail',
): Promise<{ raw: Buffer } | { error: string }> {
  // a slice per turn of the event loop, as DKIM signing: the sealer hashes the body it is given at once
  const result = await createSeal(inSlices(raw), {
    seal: { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, authResults, cv },
  });
  if (result.headers.length === 0) {
    const why = result.errors.map((e) => (e as { err?: Error }).err?.message ?? String(e)).join('; ');
    return { error: why || 'no ARC set was produced' };
  }
  return { raw: await concatInTurns([Buffer.from(`${result.headers.join('\r\n')}\r\n`, 'latin1'), raw]) };
}

/** The delivery step that seals rewritten inbound mail (wired last, in the delivery module). */
export function arcSealPreparer(deps: ArcSealDeps): DeliveryPreparer {
  return async (message, raw, recipients) => {
    if (!deps.enabled || message.direction !== 'inbound' || !inboundRewritten(message)) return null;
    const key = await arcKeyFor(deps.store, message.tenant_id, recipients);
    if (!key) return null; // no DKIM key yet (sekisho dkim show): nothing a record could verify
    const authResults = ownAuthResults(raw, deps.authservId);
    if (!authResults) return null;
    const cv = chainValidation(inboundStateOf(message)?.auth?.arc);
    const sealed = await sealWithArc(raw, key, authResults, cv);
    if ('error' in sealed) {
      deps.logger.warn({ id: message.id, domain: key.domain, error: sealed.error }, 'ARC seal not added; delivered unsealed');
      return null;
    }
    return [{ recipients, raw: sealed.raw }];
  };
}
