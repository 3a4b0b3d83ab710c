// Self-release is per recipient, on SQLite and PostgreSQL: quarantined spam to two people of the
// tenant, one of them presses 配送する on their digest link → the mail reaches that person only;
// for the other it stays quarantined (in their list and digest, their own link still works); the
// first person's link and digest no longer offer it; an admin's release afterwards delivers to the
// rest and never twice to anyone. The audit trail names who released it for whom. The console's
// release button does the same for a user.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { listQuarantine, releaseQuarantined } from '../../src/inbound/quarantine.ts';
import { sendDigests } from '../../src/inbound/digest.ts';
import { fixture, sendRaw, waitUntil } from './shield-helpers.ts';
import { loginApi } from '../console/api-client.ts';
import { hashPassword } from '../../src/util/password.ts';
import { PASSWORD } from '../helpers/instance.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const POLICY = `version: 1
inbound:
  spam: { tagAt: 4, quarantineAt: 8, tag: "[SPAM]" }
`;
const ICHIRO = 'ichiro@acme.example';
const JIRO = 'jiro@acme.example';
const SABURO = 'saburo@acme.example';

for (const kind of backends()) {
  describe(`self-release per recipient on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { pollIntervalMs: 50 }, { inboundRoute: sink.url });
      await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      await updateSettings(inst.sekisho.store, inst.tenantId, { selfRelease: true }, 'test');
      const passwordHash = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [ICHIRO, JIRO].map((email) => ({ email, passwordHash, role: 'user' as const })),
        'test',
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    const store = () => inst.sekisho.store;
    const base = () => `http://127.0.0.1:${inst.sekisho.ports.http}`;
    const quarantinedFor = async (who: string) =>
      (await listQuarantine(store(), { tenantId: inst.tenantId, recipient: who })).map((i) => i.id);
    /** the digest for `who` (sent now): its release links by message id */
    async function digestLinks(who: string): Promise<Map<string, string>> {
      const before = sink.messages.length;
      const r = await sendDigests({ store: store(), hostname: 'sekisho.localhost', publicUrl: base() }, inst.tenantId, { recipient: who });
      const links = new Map<string, string>();
      if (r.sent.length === 0) return links;
      inst.sekisho.worker.wake();
      const digest = await waitUntil(async () => sink.messages.slice(before).find((m) => m.recipients.includes(who)), `digest to ${who}`);
      const text = digestText(digest.raw);
      for (const m of text.matchAll(/\/q\/([A-Za-z0-9_-]+)/g)) links.set(m[1]!, `${base()}/q/${m[1]}`);
      return links;
    }
    const press = (link: string) =>
      fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=release' });
    const deliveriesOf = (id: string) =>
      sink.messages.filter((m) => m.raw.includes(id) && !m.raw.includes('Auto-Submitted: auto-generated'));

    it("one recipient's release delivers to that recipient only; the others' copy stays quarantined", async () => {
      const reply = await sendRaw(inst.sekisho.ports.inbound, fixture('spam/spamassassin/001'), {
        mailFrom: 'bulk@spam.test',
        to: [ICHIRO, JIRO, SABURO],
      });
      const id = /queued as (\S+)/.exec(reply.text)![1]!;
      assert.equal((await store().message(id, ALL_TENANTS))!.state, 'quarantined');

      const [ichiroLink] = [...(await digestLinks(ICHIRO)).values()];
      assert.ok(ichiroLink, 'the digest offers a release link');
      // the page shows the mail itself through the one message view, its body inert
      const shown = await (await fetch(ichiroLink!)).text();
      assert.match(shown, /<section class="mail">/);
      assert.match(shown, /<dt>件名 \/ Subject<\/dt>/);
      assert.match(shown, /<iframe sandbox="" |<pre aria-label/);
      assert.doesNotMatch(shown, /<script/i);
      const released = await press(ichiroLink!);
      assert.equal(released.status, 200);
      assert.match(await released.text(), /隔離を解除しました/);
      const [copy] = await waitUntil(async () => (deliveriesOf(id).length ? deliveriesOf(id) : null), 'the released copy');
      assert.deepEqual(copy!.recipients, [ICHIRO], 'only the person who released it gets it');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(deliveriesOf(id).length, 1, 'nobody else got it');

      assert.equal((await store().message(id, ALL_TENANTS))!.state, 'quarantined', 'still quarantined for the others');
      assert.ok((await quarantinedFor(JIRO)).includes(id));
      assert.ok(!(await quarantinedFor(ICHIRO)).includes(id), "no longer in ichiro's quarantine");
      const item = (await listQuarantine(store(), { tenantId: inst.tenantId })).find((i) => i.id === id)!;
      assert.deepEqual(item.recipients.sort(), [JIRO, SABURO], 'the quarantine lists the recipients it still holds it for');
      assert.equal((await digestLinks(ICHIRO)).size, 0, "ichiro's next digest does not list it");

      // ichiro's link is spent: the page says it was handled, a second press delivers nothing
      const page = await fetch(ichiroLink!);
      assert.match(await page.text(), /すでに処理されています/);
      assert.match(await (await press(ichiroLink!)).text(), /すでに処理されています/);

      // jiro releases his own copy the same way
      const [jiroLink] = [...(await digestLinks(JIRO)).values()];
      assert.match(await (await press(jiroLink!)).text(), /隔離を解除しました/);
      await waitUntil(async () => deliveriesOf(id).length === 2, "jiro's copy");
      assert.deepEqual(deliveriesOf(id)[1]!.recipients, [JIRO]);

      // the admin releases what is left: saburo only, nobody twice
      await releaseQuarantined(store(), inst.tenantId, id, 'admin@acme.example', () => inst.sekisho.worker.wake());
      await waitUntil(async () => deliveriesOf(id).length === 3, "saburo's copy");
      assert.deepEqual(deliveriesOf(id)[2]!.recipients, [SABURO]);
      await waitUntil(async () => (await store().message(id, ALL_TENANTS))!.state === 'delivered', 'the rest delivered');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(deliveriesOf(id).length, 3);

      const events = await store().events(id);
      const byRecipient = events.filter((e) => e.type === 'quarantine.released').map((e) => [e.actor, JSON.parse(e.data).recipient]);
      assert.deepEqual(byRecipient, [
        [`recipient:${ICHIRO}`, ICHIRO],
        [`recipient:${JIRO}`, JIRO],
        ['admin@acme.example', undefined],
      ]);
    });

    it('a single-recipient message released by its recipient is delivered as it was', async () => {
      const spam = fixture('spam/spamassassin/001');
      const reply = await sendRaw(inst.sekisho.ports.inbound, spam, { mailFrom: 'bulk@spam.test', to: [ICHIRO] });
      const id = /queued as (\S+)/.exec(reply.text)![1]!;
      const stored = (await store().body(id))!;
      const links = await digestLinks(ICHIRO);
      const link = [...links.values()].at(-1)!;
      assert.match(await (await press(link)).text(), /隔離を解除しました/);
      const [copy] = await waitUntil(async () => (deliveriesOf(id).length ? deliveriesOf(id) : null), 'the released message');
      assert.deepEqual(copy!.recipients, [ICHIRO]);
      assert.deepEqual(copy!.raw, stored, 'verbatim');
      await waitUntil(async () => (await store().message(id, ALL_TENANTS))!.state === 'delivered', 'delivered');
    });

    it('in the console, a user releases their own copy; an admin releases it for everyone left', async () => {
      const reply = await sendRaw(inst.sekisho.ports.inbound, fixture('spam/spamassassin/004'), {
        mailFrom: 'bulk@spam.test',
        to: [ICHIRO, JIRO],
      });
      const id = /queued as (\S+)/.exec(reply.text)![1]!;
      const ichiro = await loginApi(base(), ICHIRO, PASSWORD);
      assert.equal((await ichiro.call('POST', `/api/quarantine/${id}/release`)).status, 200);
      const [copy] = await waitUntil(async () => (deliveriesOf(id).length ? deliveriesOf(id) : null), "ichiro's copy");
      assert.deepEqual(copy!.recipients, [ICHIRO]);
      assert.equal((await store().message(id, ALL_TENANTS))!.state, 'quarantined');
      assert.equal((await ichiro.call('GET', `/api/quarantine/${id}`)).status, 404, 'no longer in his quarantine');
      const jiro = await loginApi(base(), JIRO, PASSWORD);
      const list = await jiro.call('GET', '/api/quarantine');
      assert.ok(
        (list.json.items as Array<{ id: string }>).some((i) => i.id === id),
        "still in jiro's",
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(deliveriesOf(id).length, 1);
    });
  });
}

/** The digest's text part, decoded (it is base64 UTF-8). */
function digestText(raw: Buffer): string {
  const text = raw.toString('latin1');
  const parts = [...text.matchAll(/Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/g)];
  return parts.map((p) => Buffer.from(p[1]!, 'base64').toString('utf8')).join('\n');
}
