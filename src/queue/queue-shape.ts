// The shape of the deferred queue, like Postfix's qshape: pending recipients of deferred mail by
// recipient domain and by how long ago their message arrived (buckets of 5, 10, 20 … 1280
// minutes and more), the busiest domains first. One read over deferred messages; a tenant's
// view sees only its own.
import type { Store } from '../store/store.ts';
import type { TenantScope } from '../store/tenant-scope.ts';
import { domainOf } from '../util/address.ts';

/** upper bounds of the age buckets, minutes (qshape's); the last bucket is everything older */
export const AGE_BUCKETS_MINUTES = [5, 10, 20, 40, 80, 160, 320, 640, 1280] as const;

export interface DomainShape {
  domain: string;
  total: number;
  /** recipients per bucket: AGE_BUCKETS_MINUTES, then one more for older */
  buckets: number[];
}

export async function deferredShape(store: Store, scope: TenantScope, opts: { now?: number } = {}): Promise<DomainShape[]> {
  const now = opts.now ?? Date.now();
  const byDomain = new Map<string, DomainShape>();
  for (const r of await store.deferredRecipients(scope)) {
    const domain = domainOf(r.address) || '(none)';
    const shape = byDomain.get(domain) ?? { domain, total: 0, buckets: new Array<number>(AGE_BUCKETS_MINUTES.length + 1).fill(0) };
    const minutes = (now - Number(r.created_at)) / 60_000;
    const i = AGE_BUCKETS_MINUTES.findIndex((b) => minutes < b);
    shape.buckets[i === -1 ? AGE_BUCKETS_MINUTES.length : i]! += 1;
    shape.total += 1;
    byDomain.set(domain, shape);
  }
  return [...byDomain.values()].sort((a, b) => b.total - a.total || a.domain.localeCompare(b.domain));
}

/** qshape's table: a TOTAL row, then one row per domain; columns T, 5, 10 … 1280, 1280+ */
export function formatShape(shapes: DomainShape[]): string {
  const head = ['', 'T', ...AGE_BUCKETS_MINUTES.map(String), `${AGE_BUCKETS_MINUTES.at(-1)}+`];
  const total = {
    domain: 'TOTAL',
    total: shapes.reduce((n, s) => n + s.total, 0),
    buckets: head.slice(2).map((_, i) => shapes.reduce((n, s) => n + s.buckets[i]!, 0)),
  };
  const rows = [head, ...[total, ...shapes].map((s) => [s.domain, String(s.total), ...s.buckets.map(String)])];
  const width = head.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padStart(width[0]!) : cell.padStart(width[c]! + 1))).join(' ')).join('\n') + '\n'
  );
}
