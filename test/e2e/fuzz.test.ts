// A bounded fuzz run in the suite (issue 17): 300 mutated fixture messages (fixed seed,
// test/helpers/fuzz-mail.ts) through the MX port and through submission of one gateway on SQLite,
// four at a time. Every transaction gets an SMTP answer (250, 4xx or 5xx, never a dropped
// connection), none is an internal error, /healthz keeps answering throughout, and afterwards the
// gateway still accepts ordinary mail. The long run is `npm run fuzz` (docs/security.md).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInstance, USER, PASSWORD, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { dataPayload, sendMessage, type SendHow } from '../helpers/hostile-mail.ts';
import { asSubmittedBy, FIXTURES_DIR, fuzzMessages, loadCorpus } from '../helpers/fuzz-mail.ts';
import { watchHealth } from '../helpers/health-watch.ts';

const SEED = 20261203;
const COUNT = 300;

describe('fuzz: mutated mail through both ports', () => {
  let sink: Sink;
  let dns: DnsServer;
  let inst: TestInstance;

  before(async () => {
    dns = await startDnsServer([]);
    sink = await startSink();
    inst = await startInstance('sqlite', { relay: sink.url, dnsServers: [dns.address], logLevel: 'warn' }, { inboundRoute: sink.url });
  });
  after(async () => {
    await inst.stop();
    await sink.close();
    await dns.close();
  });

  it(`${COUNT} messages (seed ${SEED}): every one answered, no internal error, /healthz always answering`, async () => {
    const corpus = loadCorpus([FIXTURES_DIR]);
    assert.ok(corpus.length > 50, `corpus of ${corpus.length} messages`);
    const jobs = fuzzMessages(corpus, COUNT, SEED).map((m, i) => {
      const inbound = i % 2 === 0;
      const raw = inbound || i % 4 === 1 ? m.raw : asSubmittedBy(m.raw, USER);
      const how: SendHow = inbound
        ? { mailFrom: 'fuzz@fuzz.test', to: ['taro@acme.example'], replyTimeoutMs: 120_000 }
        : { mailFrom: USER, to: ['partner@example.net'], auth: { user: USER, pass: PASSWORD }, replyTimeoutMs: 120_000 };
      return {
        origin: m.origin,
        port: inbound ? inst.sekisho.ports.inbound : inst.sekisho.ports.submission,
        payload: dataPayload(raw),
        how,
      };
    });
    const health = watchHealth(inst.sekisho.ports.http);
    const answers: Array<{ origin: string; code: number; text: string }> = [];
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < jobs.length) {
            const job = jobs[next++]!;
            const reply = await sendMessage(job.port, job.payload, job.how).catch((err: Error) => ({ code: 0, text: err.message }));
            answers.push({ origin: job.origin, code: reply.code, text: reply.text });
          }
        }),
      );
    } finally {
      await health.stop();
    }
    const unanswered = answers.filter((a) => !(a.code === 250 || (a.code >= 400 && a.code < 600)));
    assert.deepEqual(unanswered, [], 'every transaction got 250, 4xx or 5xx');
    const internal = answers.filter((a) => /Temporary local problem/.test(a.text));
    assert.deepEqual(internal, [], 'no internal error');
    assert.deepEqual(health.failures, [], '/healthz never stopped answering');
    const ok = await sendMessage(
      inst.sekisho.ports.inbound,
      dataPayload(Buffer.from('From: a@b.test\r\nSubject: after\r\n\r\nstill here\r\n')),
      {
        mailFrom: 'a@b.test',
        to: ['taro@acme.example'],
      },
    );
    assert.equal(ok.code, 250, ok.text);
  });
});
