// Peak memory of web download end to end for one message with a 50 MB attachment: submitted over
// SMTP (STARTTLS + AUTH), stored, prepared (attachment streamed to the blob store, notice
// inserted) and delivered to a local SMTP sink, all in this one process on SQLite. Prints the
// RSS before, the peak RSS sampled every 10 ms (split at the 250 reply: acceptance vs. prepare
// and delivery), and the process's maxRSS.
// If the outbound module does not yet store the evaluated policy plan at accept time (probed with
// a small message first), the big message is queued directly with that plan instead of over SMTP.
// Usage: node --import tsx --expose-gc bench/web-download-memory.ts [sizeMB]
import { createCipheriv } from 'node:crypto';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import { startInstance, USER, PASSWORD } from '../test/helpers/instance.ts';
import { startSink } from '../test/helpers/sink.ts';
import { queueWithPolicy, waitUntil } from '../test/attachments/attachments-helpers.ts';
import { downloadStatus } from '../src/attachments/control.ts';
import { ALL_TENANTS } from '../src/store/tenant-scope.ts';

const SIZE = Number(process.argv[2] ?? 50) * 1024 * 1024;
const CHUNK = 57 * 1024;
const POLICY = `version: 1
outbound:
  rules:
    - name: bench
      when: { attachments: true }
      then: [ { webDownload: { position: top, expiresDays: 1 } } ]
`;

function* message(size: number): Generator<Buffer> {
  yield Buffer.from(
    [
      'From: taro@acme.example',
      'To: partner@example.net',
      'Subject: bench',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'こんにちは',
      '--b',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ].join('\r\n'),
  );
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16, 0));
  for (let off = 0; off < size; off += CHUNK) {
    const b64 = cipher.update(Buffer.alloc(Math.min(CHUNK, size - off))).toString('base64');
    yield Buffer.from(b64.replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n');
  }
  yield Buffer.from('--b--\r\n');
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function main() {
  const sink = await startSink();
  const inst = await startInstance('sqlite', { relay: sink.url, pollIntervalMs: 100, maxMessageSize: SIZE * 2, logLevel: 'warn' });
  const store = inst.sekisho.store;
  await store.db
    .insertInto('policies')
    .values({ tenant_id: inst.tenantId, yaml: POLICY, created_at: Date.now(), created_by: 'bench' })
    .execute();
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inst.sekisho.ports.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER, pass: PASSWORD },
  });
  const send = async (size: number) => {
    const info = await transport.sendMail({ envelope: { from: USER, to: ['partner@example.net'] }, raw: Readable.from(message(size)) });
    return /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
  };
  // Probe: does acceptance store plan.outbound.plan yet?
  const probe = await send(1024);
  const probeRow = await store.message(probe, ALL_TENANTS);
  const viaSmtp = Boolean(probeRow?.plan.outbound?.plan);
  await sink.waitFor(1);
  sink.messages.length = 0;

  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = Date.now();
  let id: string;
  let acceptPeak = 0;
  let at250 = 0;
  if (viaSmtp) {
    id = await send(SIZE);
    // 250 received: the message is stored; what follows is prepare (web download) + delivery
    acceptPeak = peak;
    at250 = process.memoryUsage().rss;
    peak = at250;
  } else {
    const chunks: Buffer[] = [];
    for (const c of message(SIZE)) chunks.push(c);
    id = await queueWithPolicy(inst, POLICY, Buffer.concat(chunks), ['partner@example.net']);
  }
  await sink.waitFor(1, 300_000);
  await waitUntil(async () => (await store.message(id, ALL_TENANTS))?.state === 'delivered', 'delivered', 60_000);
  clearInterval(sampler);
  const files = (await downloadStatus(store, ALL_TENANTS, id)).files;
  process.stdout.write(
    [
      `web download of a ${mb(SIZE)} attachment, end to end (${
        viaSmtp ? 'SMTP submission' : 'queued with its plan directly: outbound module not wired yet'
      }), SQLite, one process`,
      `  stored file: ${files[0]!.filename} ${mb(files[0]!.size)}; delivered copy: ${mb(sink.messages[0]!.raw.length)}`,
      `  RSS before: ${mb(before)}   peak RSS: ${mb(Math.max(peak, acceptPeak))}   ` +
        `growth: ${mb(Math.max(peak, acceptPeak) - before)}   process maxRSS: ${mb(process.resourceUsage().maxRSS * 1024)}`,
      ...(viaSmtp
        ? [
            `  until the 250 reply (receive, parse, store): peak ${mb(acceptPeak)}; after it (web-download prepare, ` +
              `deliver): RSS ${mb(at250)} at 250, peak ${mb(peak)} (+${mb(peak - at250)})`,
          ]
        : []),
      `  elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ].join('\n') + '\n',
  );
  transport.close();
  await inst.stop();
  await sink.close();
}

await main();
