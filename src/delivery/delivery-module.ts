// The delivery feature module (listed last in main.ts MODULES): its prepareDelivery signs
// outbound mail with DKIM after every other rewrite, for the From domain when it is one of the
// sending tenant's domains and has a key. Inbound mail is never DKIM-signed; inbound mail that
// Sekisho changed (subject tag, removed attachments) is ARC-sealed with the same key, also last:
// the sealer comes from main.ts (src/inbound/arc-seal.ts), as only inbound knows what it changed.
import { domainOf } from '../util/address.ts';
import type { ModuleFactory, DeliveryPreparer, ModuleContext } from '../pipeline/pipeline.ts';
import type { Store } from '../store/store.ts';
import { dkimKeyFor, type StoredDkimKey } from './dkim-keys.ts';
import { signMessage } from './dkim.ts';

const KEY_CACHE_MS = 30_000;

/** Makes the preparer that seals inbound copies (ARC), from the module context. */
export type InboundSealer = (ctx: ModuleContext) => DeliveryPreparer;

export const createDeliveryModule =
  (sealInbound: InboundSealer): ModuleFactory =>
  (ctx) => {
    const dkim = dkimPreparer(ctx.store);
    const arc = sealInbound(ctx);
    return { name: 'delivery', prepareDelivery: (m, raw, rcpts) => (m.direction === 'inbound' ? arc(m, raw, rcpts) : dkim(m, raw, rcpts)) };
  };

export function dkimPreparer(store: Store): DeliveryPreparer {
  // Keys change rarely: a found key is cached briefly. "No key" is not cached, so mail is
  // signed from the moment `sekisho dkim show` created one (one primary-key look-up per copy).
  const cache = new Map<string, { key: StoredDkimKey; until: number }>();
  const keyFor = async (domain: string) => {
    const hit = cache.get(domain);
    if (hit && hit.until > Date.now()) return hit.key;
    const key = await dkimKeyFor(store, domain);
    if (key) cache.set(domain, { key, until: Date.now() + KEY_CACHE_MS });
    return key;
  };
  return async (message, raw, recipients) => {
    if (message.direction !== 'outbound') return null;
    const domain = domainOf(message.header_from);
    if (!domain) return null;
    const key = await keyFor(domain);
    if (!key || key.tenantId !== message.tenant_id) return null;
    const signed = await signMessage(raw, { domain: key.domain, selector: key.selector, privateKeyPem: key.privateKeyPem });
    return [{ recipients, raw: signed }];
  };
}
