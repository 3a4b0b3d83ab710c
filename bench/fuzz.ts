// `npm run fuzz`: the long fuzz run of issue 17. 5,000 mutated messages (fixed seed; the test
// fixtures plus any folders given, e.g. the shared corpus) through the MX port and submission of
// a gateway in its own process, four at a time. Prints the transactions, the SMTP answers by
// class, what became of the accepted mail, internal errors, dropped connections, and the longest
// event-loop block the gateway had. Exits 1 if a transaction went unanswered or the gateway died.
// Usage: npm run fuzz [-- COUNT [SEED [extra corpus folders…]]]
// SEKISHO_FUZZ_TRACE=ms sends one message at a time and names each that blocked longer than ms
// ("message n", its place in the sequence; "#k" is the corpus file it was made from);
// SEKISHO_FUZZ_FROM=n starts at message n of the same sequence (to look at one window again).
import { performance } from 'node:perf_hooks';
import { dataPayload, sendMessage, type SendHow } from '../test/helpers/hostile-mail.ts';
import { asSubmittedBy, FIXTURES_DIR, fuzzMessages, loadCorpus } from '../test/helpers/fuzz-mail.ts';
import { startGatewayProcess } from './gateway-client.ts';

const count = Number(process.argv[2] ?? 5000);
const seed = Number(process.argv[3] ?? 20261203);
const corpus = loadCorpus([FIXTURES_DIR, ...process.argv.slice(4)]);
console.log(`corpus: ${corpus.length} messages; ${count} mutated with seed ${seed}`);
const gw = await startGatewayProcess();
const messages = fuzzMessages(corpus, count, seed);
const byClass: Record<string, number> = {};
const internal: string[] = [];
const dropped: string[] = [];
let worstLag = 0;
let worstOrigin = '';
let next = Number(process.env.SEKISHO_FUZZ_FROM ?? 0);
const trace = Number(process.env.SEKISHO_FUZZ_TRACE ?? 0);
const started = performance.now();
await gw.reset();
await Promise.all(
  Array.from({ length: trace ? 1 : 4 }, async () => {
    while (next < messages.length) {
      const i = next++;
      const m = messages[i]!;
      const inbound = i % 2 === 0;
      const raw = inbound || i % 4 === 1 ? m.raw : asSubmittedBy(m.raw, gw.user);
      const how: SendHow = inbound
        ? { mailFrom: 'fuzz@fuzz.test', to: ['taro@acme.example'], replyTimeoutMs: 300_000 }
        : { mailFrom: gw.user, to: ['partner@example.net'], auth: { user: gw.user, pass: gw.pass }, replyTimeoutMs: 300_000 };
      const reply = await sendMessage(inbound ? gw.ports.inbound : gw.ports.submission, dataPayload(raw), how).catch((err: Error) => ({
        code: 0,
        text: err.message,
      }));
      const key = `${inbound ? 'mx' : 'submission'} ${reply.code === 0 ? 'no answer' : `${String(reply.code)[0]}xx`}`;
      byClass[key] = (byClass[key] ?? 0) + 1;
      if (reply.code === 0) dropped.push(`${m.origin}: ${reply.text}`);
      if (/Temporary local problem/.test(reply.text)) internal.push(m.origin);
      if (trace) {
        await gw.settle(30_000); // its delivery is part of what the message costs, not the next one's
        const { maxMs } = await gw.lag();
        const where = `message ${i}, ${inbound ? 'mx' : 'submission'} ${m.origin}`;
        if (maxMs > trace) console.log(`${maxMs.toFixed(0)} ms: ${where} (${raw.length} bytes) → ${reply.code}`);
        if (maxMs > worstLag) [worstLag, worstOrigin] = [maxMs, where];
        await gw.reset();
      } else if (i % 250 === 249) {
        const { maxMs } = await gw.lag();
        if (maxMs > worstLag) [worstLag, worstOrigin] = [maxMs, `messages ${i - 249}-${i}`];
        await gw.reset();
        console.log(`${i + 1} sent, longest event-loop block so far ${worstLag.toFixed(0)} ms`);
      }
    }
  }),
);
const { maxMs } = await gw.lag();
if (maxMs > worstLag) [worstLag, worstOrigin] = [maxMs, 'the last messages'];
const seconds = (performance.now() - started) / 1000;
const states = await gw.states();
await gw.stop();
console.log(`transactions: ${messages.length} in ${seconds.toFixed(0)} s`);
console.log(`answers: ${JSON.stringify(byClass)}`);
console.log(`stored: ${JSON.stringify(states)}`);
console.log(`internal errors (451 4.3.0): ${internal.length}${internal.length ? ` — ${internal.slice(0, 5).join('; ')}` : ''}`);
console.log(`dropped connections: ${dropped.length}${dropped.length ? ` — ${dropped.slice(0, 5).join('; ')}` : ''}`);
console.log(`longest event-loop block: ${worstLag.toFixed(0)} ms (${worstOrigin})`);
process.exit(dropped.length > 0 ? 1 : 0);
