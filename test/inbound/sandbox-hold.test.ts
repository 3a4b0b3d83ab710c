// An external sandbox that is slower than the accept-time wait: the message is accepted and held
// (state held_for_sandbox, tickets in plan.inbound.sandbox), the worker's handler re-polls, and
// once the verdict is in the tenant policy decides — quarantine for a malicious verdict, delivery
// for a clean one; no verdict before the give-up time means quarantine. With submit: suspicious
// only flagged mail (an archive) goes to the sandbox; a resend is not sent again, and is never
// stored on that decision, even should its first copy be purged before the commit. Both databases.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/util/logger.ts';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { createInboundModule } from '../../src/inbound/inbound-module.ts';
import { inboundStateOf } from '../../src/inbound/quarantine.ts';
import type { Sandbox, SandboxSubmission, SandboxVerdict } from '../../src/inbound/sandbox/sandbox-api.ts';
import type { SekishoModule } from '../../src/pipeline/pipeline.ts';
import { parseMessage } from '../../src/mime/parse-facts.ts';
import { crlf } from './shield-helpers.ts';
import { buildZip, fileEntry } from './zip-builder.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';
import { Acceptor } from '../../src/accept/acceptor.ts';
import { deleteMessageRows } from '../../src/store/message-retention.ts';

/** A sandbox whose verdicts arrive only when the test says so. */
class SlowSandbox implements Sandbox {
  readonly name = 'slow';
  ready = false;
  private next = 0;
  private readonly files = new Map<string, string>();
  readonly seen: string[] = [];
  async submit(a: SandboxSubmission): Promise<string> {
    this.seen.push(a.filename);
    const t = `slow-${++this.next}`;
    this.files.set(t, a.filename);
    return t;
  }
  async poll(ticket: string): Promise<'pending' | SandboxVerdict> {
    if (!this.ready) return 'pending';
    const filename = this.files.get(ticket)!;
    const bad = filename.startsWith('bad');
    return {
      sandbox: this.name,
      filename,
      malicious: bad,
      score: bad ? 12 : 0,
      symbols: bad ? [{ name: 'SANDBOX_RANSOMWARE', score: 12, description: 'encrypts files', detail: filename }] : [],
    };
  }
}

function mail(filename: string, content: Uint8Array = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n')): Buffer {
  return crlf(
    `Received: from mx.sender.test (unknown [127.0.0.1])\n\tby sekisho.localhost (Sekisho) with ESMTP id X;\n\tMon, 1 ` +
      `Jun 2026 00:00:00 +0000\nFrom: a@sender.test\nTo: taro@acme.example\nSubject: file\nDate: Mon, 1 Jun 2026 10:00:00 ` +
      `+0900\nMessage-ID: <${filename}@sender.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
      `boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee file\n--b\nContent-Type: application/pdf; ` +
      `name="${filename}"\nContent-Disposition: attachment; filename="${filename}"\nContent-Transfer-Encoding: ` +
      `base64\n\n${Buffer.from(content).toString('base64')}\n--b--\n`,
  );
}

for (const kind of backends()) {
  describe(`external sandbox hold on ${kind}`, () => {
    let db: TestDatabase;
    /** answers every look-up at once (NXDOMAIN): at a closed port each one waited out its 4 s time-out */
    let dns: DnsServer;
    let store: Store;
    let mod: SekishoModule;
    const sandbox = new SlowSandbox();
    let tenantId: string;
    let moduleCtx: Parameters<ReturnType<typeof createInboundModule>>[0];

    before(async () => {
      db = await createTestDatabase(kind);
      store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
      dns = await startDnsServer();
      const config = loadConfig({}, { dataDir: db.dataDir, databaseUrl: db.url, dnsServers: [dns.address], demoTenant: false });
      const logger = createLogger('silent');
      moduleCtx = { config, store, logger, metrics: createMetrics(), node: 'n1', wake: () => {} };
      mod = await createInboundModule({ sandbox: { sandbox, waitMs: 50, repollMs: 1000, giveUpMs: 3_600_000 } })(moduleCtx);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'], inboundRoute: 'smtp://127.0.0.1:9' })).id;
    });
    after(async () => {
      await mod.stop?.();
      await store.close();
      await db.drop();
      await dns.close();
    });

    async function decide(m: SekishoModule, filename: string, content?: Uint8Array, resendOf?: () => Promise<string | null>) {
      const raw = mail(filename, content);
      const envelope = { mailFrom: 'a@sender.test', recipients: ['taro@acme.example'] };
      const parsed = await parseMessage(raw, envelope, 'inbound');
      return (await m.decideInbound!({
        id: `msg-${filename}`,
        tenantId,
        direction: 'inbound',
        user: null,
        envelope,
        facts: parsed.facts,
        raw,
        remoteAddress: '127.0.0.1',
        helo: 'mail.sender.test',
        attachments: async () => parsed.attachments,
        ...(resendOf ? { resendOf } : {}),
      }))!;
    }

    async function accept(filename: string): Promise<string> {
      const raw = mail(filename);
      const envelope = { mailFrom: 'a@sender.test', recipients: ['taro@acme.example'] };
      const parsed = await parseMessage(raw, envelope, 'inbound');
      const id = `msg-${filename}`;
      const d = await decide(mod, filename);
      assert.ok(d.outcome === 'store');
      assert.equal(d.state, 'held_for_sandbox');
      await store.insertMessage({
        id,
        tenantId,
        direction: 'inbound',
        state: d.state,
        dueAt: d.dueAt,
        mailFrom: envelope.mailFrom,
        recipients: envelope.recipients,
        headerFrom: 'a@sender.test',
        subject: 'file',
        messageId: null,
        size: raw.length,
        facts: parsed.facts,
        plan: d.plan,
        submittedBy: null,
        body: d.body ?? raw,
        events: d.events,
      });
      return id;
    }

    async function repoll(): Promise<void> {
      const due = await store.claimDue('n1', Date.now() + 2000, 10, 30_000);
      for (const m of due) await mod.handlers!.held_for_sandbox!(m, { node: 'n1' });
    }

    it('a resend (the acceptor found its first copy) is not submitted to the sandbox again', async () => {
      const before = sandbox.seen.length;
      let asked = 0;
      const d = await decide(mod, 'again.pdf', undefined, async () => {
        asked++;
        return 'first-copy-id';
      });
      assert.equal(asked, 1);
      assert.equal(sandbox.seen.length, before, 'nothing submitted for the resend');
      assert.ok(d.outcome === 'store' && d.state !== 'held_for_sandbox', 'decided by the built-in analysis alone');
      await decide(mod, 'again.pdf', undefined, async () => null);
      assert.deepEqual(sandbox.seen.slice(before), ['again.pdf'], 'a new message is submitted');
    });

    it('a resend whose first copy is purged before its commit is answered as a resend, not stored unsandboxed', async () => {
      const decideInbound = mod.decideInbound!;
      let purgeFirst = false;
      const acceptor = new Acceptor({
        store,
        hostname: 'mx.acme.example',
        logger: createLogger('silent'),
        metrics: moduleCtx.metrics,
        onQueued: () => {},
        duplicateWindowMs: 3_600_000,
        decideInbound: [
          async (ctx) => {
            const decision = await decideInbound(ctx);
            // what a retention purge (or an operator) could do between the decision and the commit
            const first = purgeFirst ? await ctx.resendOf?.() : null;
            if (first) await store.db.transaction().execute((trx) => deleteMessageRows(trx, [first]));
            return decision;
          },
        ],
      });
      const client = {
        remoteAddress: '192.0.2.7',
        clientHostname: '[192.0.2.7]',
        helo: 'mx.sender.test',
        protocol: 'ESMTP',
        user: null,
        trusted: false,
      };
      const raw = mail('purged.pdf');
      const envelope = { mailFrom: 'a@sender.test', recipients: ['taro@acme.example'] };
      const tenantOf = new Map([['taro@acme.example', tenantId]]);
      const seen = sandbox.seen.length;
      const [first] = await acceptor.acceptInbound(client, envelope, raw, tenantOf);
      assert.equal(sandbox.seen.length, seen + 1, 'the first copy went to the sandbox');
      purgeFirst = true;
      const [again] = await acceptor.acceptInbound(client, envelope, raw, tenantOf);
      assert.equal(again, first, 'answered with the first queue id');
      assert.equal(sandbox.seen.length, seen + 1, 'the resend was not submitted');
      // the other tests' messages have ids msg-…; the acceptor's first copy is purged, and no other is stored
      const rows = await store.db.selectFrom('messages').select('id').where('tenant_id', '=', tenantId).execute();
      assert.deepEqual(
        rows.map((r) => r.id).filter((id) => !id.startsWith('msg-')),
        [],
      );
    });

    it('holds while the sandbox is pending, then quarantines a malicious file and delivers a clean one', async () => {
      const bad = await accept('bad-invoice.pdf');
      const good = await accept('good-report.pdf');
      const held = inboundStateOf((await store.message(bad, ALL_TENANTS))!)!;
      assert.equal(held.sandbox!.pending.length, 1);

      await repoll(); // still pending: stays held, due again later
      assert.equal((await store.message(bad, ALL_TENANTS))!.state, 'held_for_sandbox');

      sandbox.ready = true;
      await repoll();
      const b = (await store.message(bad, ALL_TENANTS))!;
      assert.equal(b.state, 'quarantined');
      assert.ok(inboundStateOf(b)!.symbols.some((s) => s.name === 'SANDBOX_RANSOMWARE'));
      assert.equal((await store.message(good, ALL_TENANTS))!.state, 'queued');
      assert.ok((await store.events(bad)).some((e) => e.type === 'inbound.sandbox'));
    });

    it('submit: suspicious leaves a clean document to the built-in analysis and sends an archive', async () => {
      const picky = new SlowSandbox();
      const m = await createInboundModule({ sandbox: { sandbox: picky, submit: 'suspicious', waitMs: 50 } })(moduleCtx);
      try {
        assert.notEqual((await decide(m, 'minutes.pdf')).state, 'held_for_sandbox');
        const zip = buildZip([fileEntry('minutes.txt', new TextEncoder().encode('agenda'))]);
        assert.equal((await decide(m, 'minutes.zip', zip)).state, 'held_for_sandbox');
        assert.deepEqual(picky.seen, ['minutes.zip']);
      } finally {
        await m.stop?.();
      }
    });
  });
}
