// The MX port's pre-greeting pause, remembered per client (src/smtp/greet-pass.ts) over real
// loopback SMTP: a client that talks before the greeting gets 421; once a client has waited for
// the greeting, its next connections are greeted without the pause — opened just after one from
// another address (127.0.0.2) that has not passed, its greeting still comes first; with
// inboundGreetPassHours: 0 every connection waits and early talk is refused every time.
// Protocol only, so SQLite only. The pause is 1.5 s so that the order cannot come out by chance.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { GreetPass } from '../../src/smtp/greet-pass.ts';

/** connects and sends EHLO before the greeting: the reply code (421: too soon) */
async function talkFirst(port: number): Promise<number> {
  const talk = await SmtpTalk.open(port);
  talk.write('EHLO early.example\r\n');
  const code = (await talk.reply()).code;
  talk.close();
  return code;
}

/** opens one connection from each address, each after the previous one is connected; which got its greeting first */
async function greetedInOrder(port: number, froms: string[]): Promise<string[]> {
  const order: string[] = [];
  const talks: SmtpTalk[] = [];
  for (const from of froms) talks.push(await SmtpTalk.open(port, '127.0.0.1', from));
  await Promise.all(
    talks.map(async (talk, i) => {
      const { code } = await talk.reply();
      order.push(`${froms[i]} ${code}`);
      talk.close();
    }),
  );
  return order;
}

for (const passHours of [24, 0]) {
  describe(`inbound greeting pause with inboundGreetPassHours: ${passHours}`, () => {
    let inst: TestInstance;
    before(async () => {
      inst = await startInstance('sqlite', { inboundGreetDelayMs: 1500, inboundGreetPassHours: passHours });
    });
    after(async () => inst?.stop());

    it('an early talker is refused; a client that waited once is greeted without the pause from then on', async () => {
      const port = inst.sekisho.ports.inbound;
      assert.equal(await talkFirst(port), 421);
      const { talk, greeting } = await SmtpTalk.connect(port);
      assert.equal(greeting.code, 220);
      talk.close();
      if (passHours > 0) {
        // 127.0.0.2 connects first, yet the client that passed is greeted first
        assert.deepEqual(await greetedInOrder(port, ['127.0.0.2', '127.0.0.1']), ['127.0.0.1 220', '127.0.0.2 220']);
      } else {
        assert.equal(await talkFirst(port), 421, 'without a pass the pause applies to every connection');
      }
    });
  });
}

describe('GreetPass', () => {
  it('remembers for the TTL, per IPv4 address and IPv6 /64, forgetting the oldest beyond its size', () => {
    const pass = new GreetPass(1000, 2);
    pass.remember('192.0.2.1', 0);
    assert.equal(pass.has('192.0.2.1', 999), true);
    assert.equal(pass.has('::ffff:192.0.2.1', 999), true);
    assert.equal(pass.has('192.0.2.1', 1000), false);
    pass.remember('2001:db8:1:2::1', 0);
    assert.equal(pass.has('2001:db8:1:2:ffff::9', 10), true);
    pass.remember('192.0.2.2', 0);
    pass.remember('192.0.2.3', 0);
    assert.equal(pass.has('2001:db8:1:2::1', 10), false, 'the oldest pass is forgotten first');
    assert.equal(new GreetPass(0).has('192.0.2.1'), false);
  });
});
