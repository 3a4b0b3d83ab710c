// The tenant's sending history the outbound evaluator reads (contactedDomains, src/outbound/decide.ts):
// the count of every recipient domain that was mailed before, however many domains one message
// names (they are looked up in groups whose statements are built once), on SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { contactedDomains, recordContacts } from '../../src/outbound/decide.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

for (const kind of backends()) {
  describe(`contacted domains on ${kind}`, () => {
    let store: Store;
    let tenantId: string;
    let otherTenant: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      otherTenant = (await store.createTenant({ name: 'globex', domains: ['globex.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('gives the count of each domain mailed before, for one domain and for forty', async () => {
      const forty = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
      // every fourth domain, all through the list, mailed 10 - i / 4 times: d0 ten times … d36 once
      // (the rarely mailed ones, not among the usual partners, sit in the last group of the look-up)
      const mailed = forty.filter((_, i) => i % 4 === 0);
      const times = (i: number) => 10 - i / 4;
      for (const [i, domain] of forty.entries()) {
        if (i % 4 === 0) for (let n = 0; n < times(i); n++) await recordContacts(store.db, store.kind, tenantId, [domain]);
      }
      await recordContacts(store.db, store.kind, otherTenant, forty);

      const one = await contactedDomains(store, tenantId, ['d36.example']);
      assert.equal(one.get('d36.example'), 1);
      const all = await contactedDomains(store, tenantId, forty);
      for (const [i, domain] of forty.entries()) assert.equal(all.get(domain), i % 4 === 0 ? times(i) : undefined, domain);
      assert.equal((await contactedDomains(store, otherTenant, forty)).size, 40, 'the other tenant has its own history');
      // the usual partners (mailed at least three times) come with every answer, for the look-alike check
      assert.deepEqual([...(await contactedDomains(store, tenantId, [])).keys()].sort(), mailed.slice(0, 8).sort());
    });
  });
}
