// The inbound bench (`BENCH_MODES=inbound`): the mix of bench/inbound-mix.ts into the MX port of a
// child `sekisho start` with full analysis on (SPF, DKIM, DMARC, ARC through a DNS server on
// loopback that answers for every sender, the built-in checks, impersonation of the tenant's
// staff and executives, attachment analysis), the tenant's inbound route = the counting sink. A
// new connection per message, at each concurrency (8 and 20), after an unmeasured warm-up. Then
// Rspamd 3.4 (Debian) scores the same messages through its HTTP API (/checkv2) at the same
// concurrency, offline (network modules off) and with its SPF/DKIM/DMARC/ARC modules on against
// the same DNS server; and Postfix with that Rspamd as its milter takes the same SMTP load to the
// same sink (the whole job, as Sekisho does it; BENCH_POSTFIX=no skips it). Prints msg/s, p50/p99,
// CPU per message and DNS queries per message.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { childEnv, runCli, startBuiltProcess, withDefaultWarmUp } from '../test/helpers/process.ts';
import { startDnsServer, type DnsServer } from '../test/helpers/dns-server.ts';
import { haveRspamd, startRspamd } from '../test/inbound/daemons.ts';
import { processCount } from '../src/cli/start-processes.ts';
import { buildMix, EXECUTIVES, STAFF, TENANT_DOMAIN, type MixMessage } from './inbound-mix.ts';
import { startCountingSink, type Sink } from './sink.ts';
import { havePostfix, startPostfix } from './postfix.ts';
import { BENCH_LOG_LEVEL, KEEP_CHILD_OUTPUT, keepChildLog, sekishoNodeArgs, START_TIMEOUT_MS } from './relay.ts';
import { Session } from './smtp-client.ts';
import { benchCpuSeconds, cpuSeconds, machineBusySeconds, percentile, processTree, rssMb } from './proc.ts';

export interface InboundBenchOptions {
  /** measured messages per concurrency */
  messages: number;
  /** unmeasured messages before the first measured run of each system */
  warmup: number;
  concurrencies: number[];
  /** distinct messages in the mix (sent round and round, each with its own trace header) */
  mixSize: number;
  /** Sekisho's `processes` ('auto' or a number); Rspamd gets as many normal workers */
  processes: string;
  /** score with Rspamd too (when it is installed) */
  rspamd: boolean;
  /** and run Postfix with Rspamd as its milter (when both are installed) */
  postfix: boolean;
}

export function inboundOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): InboundBenchOptions {
  return {
    messages: Number(env.BENCH_INBOUND_MESSAGES ?? 3000),
    warmup: Number(env.BENCH_INBOUND_WARMUP ?? 1000),
    concurrencies: (env.BENCH_CONCURRENCY ?? '8,20')
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    mixSize: Number(env.BENCH_INBOUND_MIX ?? 300),
    processes: env.BENCH_PROCESSES ?? 'auto',
    rspamd: env.BENCH_RSPAMD !== 'no',
    postfix: env.BENCH_POSTFIX !== 'no',
  };
}

interface InboundResult {
  label: string;
  concurrency: number;
  messages: number;
  msgsPerSec: number;
  p50: number;
  p99: number;
  cpuMsPerMsg: number;
  peakRssMb: number;
  dnsPerMsg: number;
  /** messages refused (5xx) or failed: should be 0 */
  refused: number;
}

/** a run's timing: when the first message went out, each message's latency, and what failed */
interface Driven {
  start: number;
  end: number;
  latencies: number[];
  refused: number;
}

/** Sends messages first..first+count of the mix round and round, `concurrency` at a time. */
async function drive(count: number, concurrency: number, sendOne: (i: number) => Promise<boolean>): Promise<Driven> {
  let next = 0;
  let refused = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) break;
        const t0 = performance.now();
        if (await sendOne(i)) latencies.push(performance.now() - t0);
        else refused++;
      }
    }),
  );
  return { start, end: performance.now(), latencies: latencies.sort((a, b) => a - b), refused };
}

// ── what each message looks like on the wire ─────────────────────────────────────────────────
/** the sending MTA's address as the scanners are told it (not loopback: Rspamd skips SPF and more for local addresses) */
const SENDER_IP = '192.0.2.10';
let sequence = 0;
/** our sender's MTA trace header: it makes every send's bytes unique (a resend of the same bytes
 * would be answered with the first queue id) and is outside every DKIM signature */
function traced(m: MixMessage): Buffer {
  const id = `${Date.now().toString(36)}${(sequence++).toString(36)}`;
  const host = m.helo.replace(/^mail\./, '');
  return Buffer.concat([
    Buffer.from(`Received: from ${m.helo} (${m.helo} [${SENDER_IP}]) by mx.${host} with ESMTPS id ${id}; ${new Date().toUTCString()}\r\n`),
    m.raw,
  ]);
}
function dotStuffed(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/^\./gm, '..');
  return Buffer.from(text + (text.endsWith('\r\n') ? '' : '\r\n') + '.\r\n', 'latin1');
}

// ── Sekisho ──────────────────────────────────────────────────────────────────────────────────
const POLICY = `version: 1
inbound:
  # Every message is analysed in full and then delivered (tagged at most), so each one takes the
  # whole path to the inbound route and the sink's count tells when a run is done.
  spam: { tagAt: 5, quarantineAt: 1000, tag: "[SPAM]" }
  honourDmarc: false
  impersonation: score
`;

async function runSekisho(dir: string, dns: DnsServer, sink: Sink, mix: MixMessage[], o: InboundBenchOptions): Promise<InboundResult[]> {
  mkdirSync(dir, { recursive: true });
  const env = childEnv({ dataDir: dir }, `smtp://127.0.0.1:${sink.port}`, {
    SEKISHO_DNS_SERVERS: dns.address,
    SEKISHO_LOG_LEVEL: BENCH_LOG_LEVEL,
    SEKISHO_PROCESSES: o.processes,
    SEKISHO_HOSTNAME: 'mx.acme-shoji.example',
  });
  const cli = async (args: string[]) => {
    const r = await runCli(args, env);
    if (r.code !== 0) throw new Error(`sekisho ${args.join(' ')}: ${r.stderr || r.stdout}`);
  };
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  writeFileSync(join(dir, 'staff.csv'), STAFF.map((s) => `${s.name},${s.email}`).join('\n') + '\n');
  await cli(['init']); // the CLI never creates a database on its own
  await cli(['tenant', 'add', 'acme', '--domain', TENANT_DOMAIN, '--inbound-route', `smtp://127.0.0.1:${sink.port}`]);
  await cli(['policy', 'apply', join(dir, 'policy.yaml'), '--tenant', 'acme']);
  await cli(['quarantine', 'settings', '--tenant', 'acme', '--staff-file', join(dir, 'staff.csv'), '--executive', ...EXECUTIVES]);
  // with the start's warm-up as installs run it (SEKISHO_WARM_UP_MESSAGES=0 measures without)
  const sekisho = await startBuiltProcess(withDefaultWarmUp(env), sekishoNodeArgs(), START_TIMEOUT_MS, KEEP_CHILD_OUTPUT);
  try {
    const run = smtpRunner(sekisho.ports.inbound, sink, mix, false);
    return await measureAll(`Sekisho (processes: ${o.processes})`, () => processTree(sekisho.child.pid!), run, dns, o);
  } finally {
    keepChildLog('inbound', sekisho.output());
    sekisho.child.kill('SIGTERM');
    await Promise.race([sekisho.exited, new Promise((r) => setTimeout(r, 5000))]);
    sekisho.child.kill('SIGKILL');
  }
}

/**
 * Sends messages of the mix over SMTP into `port`, one new connection each, round and round from
 * where the last run stopped; a run resolves once every accepted message reached the sink.
 * `xclient`: the session names the sender's address (192.0.2.10) and host with XCLIENT first, as
 * Postfix lets a trusted proxy do, so a milter sees the sender as the HTTP scan's `IP` header does.
 */
function smtpRunner(port: number, sink: Sink, mix: MixMessage[], xclient: boolean) {
  let offset = 0;
  return async (count: number, concurrency: number): Promise<Driven> => {
    let accepted = 0;
    let total!: (n: number) => void;
    const arrived = sink.expect(new Promise<number>((r) => (total = r)));
    const driven = await drive(count, concurrency, async (i) => {
      const m = mix[(offset + i) % mix.length]!;
      let s: Session | null = null;
      try {
        s = await Session.open(port, m.helo);
        if (xclient) {
          await s.cmd(`XCLIENT ADDR=${SENDER_IP} NAME=${m.helo}`);
          await s.cmd(`EHLO ${m.helo}`);
        }
        const reply = await s.sendBytes(dotStuffed(traced(m)), m.mailFrom, m.rcpt);
        if (!reply.startsWith('250')) return false;
        accepted++;
        return true;
      } catch {
        return false; // counted as refused/failed and printed
      } finally {
        await s?.close();
      }
    });
    offset += count;
    total(accepted);
    await untilArrived(sink, arrived, accepted);
    return { ...driven, end: Math.max(driven.end, sink.lastAt()) };
  };
}

/**
 * The warm-up (printed), then each concurrency measured: msg/s, latencies, CPU and peak RSS of
 * `pids`. `cpuOf: 'machine'`: the CPU is the whole machine's less the bench's own (this process and
 * its reaped children), for a system whose processes come and go (Postfix's smtpd and cleanup
 * exit after their uses, and their CPU time with them).
 */
async function measureAll(
  label: string,
  pids: () => number[],
  run: (count: number, concurrency: number) => Promise<Driven>,
  dns: DnsServer,
  o: InboundBenchOptions,
  cpuOf: 'processes' | 'machine' = 'processes',
): Promise<InboundResult[]> {
  if (o.warmup > 0) {
    const dns0 = dns.queries.length;
    warmedUp(label, o.warmup, await run(o.warmup, o.concurrencies[0]!), dns, dns0);
  }
  const cpuNow = (): number => {
    if (cpuOf === 'machine') return machineBusySeconds() - benchCpuSeconds();
    const { user, system } = cpuSeconds(pids());
    return user + system;
  };
  const out: InboundResult[] = [];
  for (const c of o.concurrencies) {
    const dns0 = dns.queries.length;
    const cpu0 = cpuNow();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pids()))), 200);
    const d = await run(o.messages, c).finally(() => clearInterval(sampler));
    const cpu = cpuNow() - cpu0;
    out.push(result(label, c, o.messages, d, cpu, Math.max(peak, rssMb(pids())), dns.queries.length - dns0));
  }
  return out;
}

/** resolves with `arrived` (the sink's count reaching its target); fails if the sink stops counting for a minute */
async function untilArrived(sink: Sink, arrived: Promise<void>, accepted: number): Promise<void> {
  let seen = -1;
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (sink.count() === seen) reject(new Error(`the sink stopped at ${seen} of ${accepted} accepted messages`));
      seen = sink.count();
    }, 60_000);
  });
  try {
    await Promise.race([arrived, stall]);
  } finally {
    clearInterval(timer);
  }
}

/** the warm-up's figures: the first messages after a start, with every cache empty */
function warmedUp(label: string, n: number, d: Driven, dns: DnsServer, dns0: number): void {
  console.log(
    `${`${label}, warm-up (first ${n} after start)`.padEnd(60)} ${(n / ((d.end - d.start) / 1000)).toFixed(0).padStart(5)} msg/s   ` +
      `DNS ${((dns.queries.length - dns0) / n).toFixed(2)} queries/msg${d.refused ? `   REFUSED/FAILED ${d.refused}` : ''}`,
  );
}

function result(label: string, c: number, n: number, d: Driven, cpuSeconds: number, rss: number, dnsQueries: number): InboundResult {
  const r: InboundResult = {
    label,
    concurrency: c,
    messages: n,
    msgsPerSec: n / ((d.end - d.start) / 1000),
    p50: percentile(d.latencies, 50) ?? 0,
    p99: percentile(d.latencies, 99) ?? 0,
    cpuMsPerMsg: (cpuSeconds * 1000) / n,
    peakRssMb: rss,
    dnsPerMsg: dnsQueries / n,
    refused: d.refused,
  };
  console.log(
    `${`${label}, concurrency ${c}`.padEnd(60)} ${r.msgsPerSec.toFixed(0).padStart(5)} msg/s (${n})   ` +
      `p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   CPU ${r.cpuMsPerMsg.toFixed(2)} ms/msg   ` +
      `peak RSS ${r.peakRssMb.toFixed(0)} MB   DNS ${r.dnsPerMsg.toFixed(2)} queries/msg` +
      (r.refused ? `   REFUSED/FAILED ${r.refused}` : ''),
  );
  return r;
}

// ── Rspamd ───────────────────────────────────────────────────────────────────────────────────
async function runRspamd(variant: 'offline' | 'auth', dns: DnsServer, mix: MixMessage[], o: InboundBenchOptions): Promise<InboundResult[]> {
  const workers = processCount(o.processes === 'auto' ? 'auto' : Number(o.processes));
  const rspamd = await startRspamd({ workers, dnsServer: variant === 'auth' ? dns.address : undefined });
  const url = new URL(`${rspamd.url}/checkv2`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...o.concurrencies) });
  let offset = 0;
  const scan = (m: MixMessage): Promise<boolean> =>
    new Promise((resolve) => {
      const body = traced(m);
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Length': body.length,
            IP: SENDER_IP,
            Helo: m.helo,
            Hostname: m.helo,
            From: m.mailFrom,
            Rcpt: m.rcpt,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(res.statusCode === 200 && text.includes('"score"')));
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  const run = async (count: number, c: number) => {
    const d = await drive(count, c, (i) => scan(mix[(offset + i) % mix.length]!));
    offset += count;
    return d;
  };
  const label = `${variant === 'offline' ? 'Rspamd 3.4, offline config' : 'Rspamd 3.4, SPF/DKIM/DMARC/ARC on'} (${workers} workers)`;
  try {
    return await measureAll(label, () => processTree(rspamd.pid), run, dns, o);
  } finally {
    agent.destroy();
    await rspamd.stop();
  }
}

// ── Postfix with Rspamd as its milter ────────────────────────────────────────────────────────
/**
 * The same SMTP load into Postfix relaying the tenant's domain to the sink, with Rspamd
 * (SPF/DKIM/DMARC/ARC on, as many workers as Sekisho has processes) as its milter: the open-source
 * inbound gateway a site would build instead, doing the same whole job (SMTP in, the scan, the
 * queue's durable commit before 250, delivery to the route).
 */
async function runPostfixRspamd(
  dir: string,
  dns: DnsServer,
  sink: Sink,
  mix: MixMessage[],
  o: InboundBenchOptions,
): Promise<InboundResult[] | null> {
  if (!havePostfix()) return null;
  const workers = processCount(o.processes === 'auto' ? 'auto' : Number(o.processes));
  const rspamd = await startRspamd({ workers, dnsServer: dns.address, milter: true });
  try {
    mkdirSync(dir, { recursive: true });
    const postfix = await startPostfix(dir, sink.port, { milter: rspamd.milter!, relayDomains: [TENANT_DOMAIN], xclient: true });
    if (!postfix) return null;
    try {
      const pids = () => [...postfix.pids(), ...processTree(rspamd.pid)];
      const label = `Postfix + Rspamd 3.4 milter, SPF/DKIM/DMARC/ARC on (${workers} workers)`;
      console.log("(Postfix + Rspamd: CPU is the machine's less the bench's own, since Postfix's processes come and go)");
      return await measureAll(label, pids, smtpRunner(postfix.port, sink, mix, true), dns, o, 'machine');
    } finally {
      postfix.stop();
    }
  } finally {
    await rspamd.stop();
  }
}

/** Runs the inbound bench in `dir`; prints as it goes. */
export async function runInboundBench(dir: string, o: InboundBenchOptions): Promise<void> {
  const t0 = performance.now();
  const { messages: mix, zone } = await buildMix(o.mixSize);
  const signed = mix.filter((m) => m.dkimSigned).length;
  const avg = mix.reduce((a, m) => a + m.raw.length, 0) / mix.length;
  console.log(
    `inbound bench — ${mix.length} distinct messages (avg ${(avg / 1024).toFixed(1)} KB, ` +
      `${Math.round((100 * signed) / mix.length)} % DKIM-signed; ` +
      `built in ${((performance.now() - t0) / 1000).toFixed(1)} s), new connection per message, ${o.warmup} unmeasured, ` +
      `then ${o.messages} per concurrency (${o.concurrencies.join(', ')}); DNS on loopback answers ${zone.length} records\n`,
  );
  const dns = await startDnsServer(zone);
  const sink = await startCountingSink();
  try {
    const results = await runSekisho(join(dir, 'sekisho'), dns, sink, mix, o);
    if (!o.rspamd) console.log('Rspamd skipped (BENCH_RSPAMD=no)');
    else if (!haveRspamd()) console.log('Rspamd not installed (apt-get install rspamd): no comparison');
    else {
      const offline = await runRspamd('offline', dns, mix, o);
      const auth = await runRspamd('auth', dns, mix, o);
      const stack = o.postfix ? await runPostfixRspamd(join(dir, 'postfix'), dns, sink, mix, o) : null;
      console.log('');
      for (const r of results) {
        const ratio = (x: InboundResult[]) => {
          const p = x.find((y) => y.concurrency === r.concurrency);
          return p ? `${(r.msgsPerSec / p.msgsPerSec).toFixed(2)}×` : 'n/a';
        };
        console.log(
          `ratio Sekisho / Rspamd, concurrency ${r.concurrency}: ` +
            `${ratio(auth)} (Rspamd with SPF/DKIM/DMARC/ARC), ${ratio(offline)} (offline)` +
            (stack ? `; ${ratio(stack)} against Postfix + Rspamd milter` : ''),
        );
      }
    }
  } finally {
    await sink.close();
    await dns.close();
  }
}
