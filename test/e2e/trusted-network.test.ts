// SEKISHO_TRUSTED_NETWORKS: an Exchange / M365 connector submits without AUTH; the sender's domain
// picks the tenant. A sender domain that no tenant owns is refused even from a trusted network.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { tenantScope } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`trusted network submission on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, trustedNetworks: ['127.0.0.0/8', '::1/128'] });
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('accepts without AUTH and files the message under the sender domain tenant', async () => {
      const { talk } = await SmtpTalk.connect(inst.sekisho.ports.submission);
      await talk.cmd('EHLO exchange.acme.example');
      assert.equal((await talk.cmd('MAIL FROM:<hanako@acme.co.jp>')).code, 250);
      assert.equal((await talk.cmd('RCPT TO:<client@example.net>')).code, 250);
      assert.equal((await talk.cmd('DATA')).code, 354);
      const done = await talk.cmd('From: hanako@acme.co.jp\r\nSubject: via connector\r\n\r\nhi\r\n.');
      assert.equal(done.code, 250);
      const unknown = await talk.cmd('MAIL FROM:<someone@not-ours.example>');
      assert.equal(unknown.code, 553);
      assert.match(unknown.text, /5\.7\.1/);
      talk.close();
      await sink.waitFor(1);
      const [m] = await inst.sekisho.store.listMessages({ scope: tenantScope(inst.tenantId) });
      assert.equal(m!.subject, 'via connector');
      assert.match(m!.submitted_by!, /^trusted:/);
    });

    it('keeps the domain rule for every From, Sender and Resent-From mailbox (any address of the tenant, nothing else)', async () => {
      const send = async (header: string) => {
        const { talk } = await SmtpTalk.connect(inst.sekisho.ports.submission);
        await talk.cmd('EHLO exchange.acme.example');
        assert.equal((await talk.cmd('MAIL FROM:<hanako@acme.co.jp>')).code, 250);
        assert.equal((await talk.cmd('RCPT TO:<client@example.net>')).code, 250);
        assert.equal((await talk.cmd('DATA')).code, 354);
        const r = await talk.cmd(`${header}\r\nSubject: connector\r\n\r\nhi\r\n.`);
        talk.close();
        return r;
      };
      assert.equal((await send('From: taro@acme.example, hanako@acme.co.jp\r\nSender: soumu@acme.example')).code, 250);
      for (const header of [
        'From: hanako@acme.co.jp\r\nFrom: ceo@globex.example',
        'From: hanako@acme.co.jp\r\nResent-From: ceo@globex.example',
      ]) {
        const r = await send(header);
        assert.equal(r.code, 550, header);
        assert.match(r.text, /5\.7\.1 .*ceo@globex\.example> is not an address of your organisation/);
      }
    });
  });
}
