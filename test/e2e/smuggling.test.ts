// SMTP smuggling: each of the 12 fake end-of-data sequences public tools send
// (fixtures/smtp-smuggling/eod-sequences.tsv) is followed by a pipelined second transaction.
// Only CRLF.CRLF ends DATA, so at most ONE message is accepted (none when the content carries
// NUL), the smuggled transaction never becomes a message of its own, and what Sekisho relays
// carries no bare CR or LF that a downstream server could take for end-of-data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const sequences = readFileSync(new URL('../fixtures/smtp-smuggling/eod-sequences.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [name, , hex] = l.split('\t');
    return { name: name!, bytes: Buffer.from(hex!.replace(/\s+/g, ''), 'hex') };
  });

for (const kind of backends()) {
  describe(`SMTP smuggling on ${kind}`, () => {
    let route: Sink;
    let inst: TestInstance;

    before(async () => {
      route = await startSink();
      inst = await startInstance(kind, {}, { inboundRoute: route.url });
    });
    after(async () => {
      await inst.stop();
      await route.close();
    });

    it('has all 12 sequences from the corpus', () => {
      assert.equal(sequences.length, 12);
    });

    for (const seq of sequences) {
      it(`${seq.name}: one transaction, nothing smuggled`, async () => {
        const { talk } = await SmtpTalk.connect(inst.sekisho.ports.inbound);
        await talk.cmd('EHLO smuggler.example');
        assert.equal((await talk.cmd('MAIL FROM:<outer@example.org>')).code, 250);
        assert.equal((await talk.cmd('RCPT TO:<taro@acme.example>')).code, 250);
        assert.equal((await talk.cmd('DATA')).code, 354);
        talk.write(
          Buffer.concat([
            Buffer.from(`From: outer@example.org\r\nSubject: carrier ${seq.name}\r\n\r\nfirst line`),
            seq.bytes,
            Buffer.from(
              'MAIL FROM:<ceo@acme.example>\r\nRCPT TO:<taro@acme.example>\r\nDATA\r\nFrom: ' +
                'ceo@acme.example\r\nSubject: smuggled\r\n\r\nwire the money\r\n.\r\n',
            ),
          ]),
        );
        const end = await talk.reply();
        const hasNul = seq.bytes.includes(0);
        assert.equal(end.code, hasNul ? 554 : 250, end.text);
        // Nothing else is pending: the next reply belongs to our QUIT.
        assert.equal((await talk.cmd('QUIT')).code, 221);
        talk.close();
        const mine = (await inst.sekisho.store.listMessages({ scope: ALL_TENANTS, direction: 'inbound', limit: 1000 })).filter(
          (m) => m.subject.includes(seq.name) || m.subject === 'smuggled',
        );
        assert.equal(mine.length, hasNul ? 0 : 1);
        assert.ok(!mine.some((m) => m.subject === 'smuggled'));
        if (!hasNul) {
          const got = await waitForSubject(route, `carrier ${seq.name}`);
          assert.doesNotMatch(got.raw.toString('latin1'), /[^\r]\n|\r[^\n]/, 'no bare LF or CR is relayed');
          assert.match(
            got.raw.toString('latin1'),
            /\r\nMAIL FROM:<ceo@acme\.example>\r\n/,
            'the smuggled commands stay inside the one message',
          );
        }
      });
    }
  });
}

async function waitForSubject(sink: Sink, subject: string) {
  for (let i = 0; i < 400; i++) {
    const m = sink.messages.find((x) => x.raw.toString('latin1').includes(`Subject: ${subject}\r\n`));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`not relayed: ${subject}`);
}
