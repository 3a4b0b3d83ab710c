// The hand-over line seen from outside, on SQLite and PostgreSQL: mail submitted over SMTP while the
// only delivery slot waits on a slow downstream goes into the line (up to its bound), the next
// message to the queue, and /metrics says so — sekisho_delivery_handovers_total by way, and
// sekisho_delivery_line_messages while they wait; once the downstream answers, all are delivered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { LINE_DEFAULT } from '../../src/queue/worker.ts';

async function submit(port: number, n: number): Promise<void> {
  const transport = submissionClient(port);
  await transport.sendMail({ from: USER, to: 'partner@example.net', subject: `見積り ${n}`, text: `お世話になっております。${n}\n` });
  transport.close();
}

/** one metric's value in the exposition text (0 when it is absent) */
function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

for (const kind of backends()) {
  describe(`the hand-over line over SMTP on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let release = () => {};
    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, deliveryConcurrency: 1 });
    });
    after(async () => {
      release(); // a failed test must not leave a delivery waiting that the stop would wait for
      sink.dataGate = null;
      await inst.stop();
      await sink.close();
    });
    const metrics = async () => (await fetch(`http://127.0.0.1:${inst.sekisho.ports.http}/metrics`)).text();

    it('one slot busy: the next messages wait in the line, the one past its bound goes to the queue; all arrive', async () => {
      sink.dataGate = new Promise((r) => (release = r));
      const inLine = LINE_DEFAULT.perSlot; // one slot: the line holds perSlot messages
      // the first takes the slot and stays there, its delivery waiting on the downstream's reply
      await submit(inst.sekisho.ports.submission, 0);
      await waitUntil('the first delivery under way', () => sink.open > 0 || undefined);
      for (let n = 1; n <= inLine + 1; n++) await submit(inst.sekisho.ports.submission, n);

      const waiting = await metrics();
      assert.equal(seriesValue(waiting, 'sekisho_delivery_handovers_total{via="slot"}'), 1);
      assert.equal(seriesValue(waiting, 'sekisho_delivery_handovers_total{via="line"}'), inLine);
      assert.equal(seriesValue(waiting, 'sekisho_delivery_handovers_total{via="queue"}'), 1);
      assert.equal(seriesValue(waiting, 'sekisho_delivery_line_messages'), inLine);
      assert.equal(sink.messages.length, 0, 'nothing delivered while the downstream waits');

      release();
      sink.dataGate = null;
      await sink.waitFor(inLine + 2);
      const subjects = sink.messages.map((m) => /Subject: (.*)/.exec(m.raw.toString('latin1'))![1]);
      assert.equal(new Set(subjects).size, inLine + 2, 'each message once');
      assert.equal(seriesValue(await metrics(), 'sekisho_delivery_line_messages'), 0);
    });
  });
}
