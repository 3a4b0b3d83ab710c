// A client that drops its connection with a TCP reset in the middle of a transaction (after
// MAIL FROM, after RCPT, inside DATA) on either port costs only its own session: the gateway
// logs it and the next client is served. (smtp-server reports such resets as server 'error'
// events, which used to end the process.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';

describe('clients that reset their connection', () => {
  let sink: Sink;
  let inst: TestInstance;

  before(async () => {
    sink = await startSink();
    inst = await startInstance('sqlite', { relay: sink.url, trustedNetworks: ['127.0.0.0/8'] }, { inboundRoute: sink.url });
  });
  after(async () => {
    await inst.stop();
    await sink.close();
  });

  const steps: Record<string, string[]> = {
    'after MAIL FROM': ['MAIL FROM:<taro@acme.example>'],
    'after RCPT TO': ['MAIL FROM:<taro@acme.example>', 'RCPT TO:<friend@example.net>'],
    'inside DATA': ['MAIL FROM:<taro@acme.example>', 'RCPT TO:<friend@example.net>', 'DATA', 'Subject: half\r\n\r\nhalf a mess'],
  };

  for (const port of ['submission', 'inbound'] as const) {
    for (const [when, commands] of Object.entries(steps)) {
      it(`${port}: a reset ${when} leaves the gateway serving`, async () => {
        const p = inst.sekisho.ports[port];
        const { talk } = await SmtpTalk.connect(p);
        await talk.cmd('EHLO client.example');
        for (const c of commands) {
          // inbound mail must be for a tenant's address; DATA's body is sent without waiting
          if (c.startsWith('Subject')) talk.write(c);
          else
            assert.ok(
              [250, 354].includes((await talk.cmd(port === 'inbound' && c.startsWith('RCPT') ? 'RCPT TO:<taro@acme.example>' : c)).code),
              c,
            );
        }
        talk.reset();
        await new Promise((r) => setTimeout(r, 100));
        const next = await SmtpTalk.connect(p);
        assert.equal(next.greeting.code, 220);
        assert.equal((await next.talk.cmd('EHLO next.example')).code, 250);
        next.talk.close();
        if (commands.length > 1)
          assert.ok(
            inst.logs.some((l) => /smtp connection error/.test(l) && /ECONNRESET/.test(l)),
            'the reset is logged',
          );
      });
    }
  }
});
