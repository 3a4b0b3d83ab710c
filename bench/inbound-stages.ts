// CPU per message of each inbound analysis stage, per kind of message in the inbound bench's mix
// (bench/inbound-mix.ts): MIME parsing (parseMessage), authentication (verifyAuthentication with the
// gateway's DNS, DKIM key and SPF result caches, against the loopback DNS server, warmed up first) and the
// built-in checks (analyzeInbound). In one process, one message at a time; CPU time rather than
// wall time, so a busy machine disturbs the figures less. The library patches are applied first,
// as every gateway process does (src/patches/).
// Each round's total is printed too: how the cost falls as the process meets more mail.
// Usage: node --import tsx bench/inbound-stages.ts [rounds=3] [mix size=300] (BENCH_DNS_CACHE=off: no DNS
// cache; BENCH_SPF_CACHE=off: no SPF results kept; BENCH_START_WARM_UP=N: first the warm-up
// `sekisho start` runs, with N messages, as a fresh process has)
import { applyPatches } from '../src/patches/index.ts';
import { parseMessage } from '../src/mime/parse-facts.ts';
import { analyzeInbound } from '../src/inbound/spam/builtin.ts';
import { verifyAuthentication } from '../src/inbound/auth.ts';
import { createCachingResolver } from '../src/inbound/dns-cache.ts';
import { createSpfCache } from '../src/inbound/spf-cache.ts';
import { createResolver, mailauthResolver } from '../src/delivery/mx.ts';
import { startDnsServer } from '../test/helpers/dns-server.ts';
import { buildMix, EXECUTIVES, STAFF, TENANT_DOMAIN, type MixMessage } from './inbound-mix.ts';

applyPatches();
const startWarmUp = Number(process.env.BENCH_START_WARM_UP ?? 0);
if (startWarmUp > 0) await runStartWarmUp(startWarmUp);
const rounds = Number(process.argv[2] ?? 3);
const { messages, zone } = await buildMix(Number(process.argv[3] ?? 300));
const dns = await startDnsServer(zone);
// BENCH_DNS_CACHE=off: every look-up goes to the DNS server (as before the cache)
const caching = process.env.BENCH_DNS_CACHE === 'off' ? null : createCachingResolver([dns.address], { timeoutMs: 2000, tries: 2 });
const resolver = caching ? caching.resolve : mailauthResolver(createResolver([dns.address], { timeoutMs: 2000, tries: 2 }));
// SPF results kept as the gateway keeps them; BENCH_SPF_CACHE=off (or no DNS cache): evaluated each time
const spf = caching && process.env.BENCH_SPF_CACHE !== 'off' ? createSpfCache(caching).check : undefined;
const tenant = { domains: [TENANT_DOMAIN], staff: STAFF, executives: EXECUTIVES };

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Stage = 'parse' | 'auth' | 'checks';
const totals = new Map<string, Record<Stage, number> & { n: number }>();

async function once(m: MixMessage, record: boolean): Promise<void> {
  let t = cpuMs();
  const lap = (stage: Stage) => {
    const now = cpuMs();
    if (record) {
      for (const key of [m.kind, 'all']) {
        const row = totals.get(key) ?? { parse: 0, auth: 0, checks: 0, n: 0 };
        row[stage] += now - t;
        if (stage === 'checks') row.n++;
        totals.set(key, row);
      }
    }
    t = cpuMs();
  };
  const parsed = await parseMessage(m.raw, { mailFrom: m.mailFrom, recipients: [m.rcpt] }, 'inbound');
  lap('parse');
  const auth = await verifyAuthentication({
    raw: m.raw,
    ip: '127.0.0.1',
    helo: m.helo,
    mailFrom: m.mailFrom,
    authservId: 'mx.test',
    resolver,
    ...(spf ? { spf } : {}),
  });
  lap('auth');
  analyzeInbound({ facts: parsed.facts, attachments: parsed.attachments, raw: m.raw, tenant, auth: auth.results });
  lap('checks');
}

for (const m of messages) await once(m, false); // warm-up: JIT, caches
const perRound: string[] = [];
for (let r = 0; r < rounds; r++) {
  const before = cpuMs();
  for (const m of messages) await once(m, true);
  perRound.push(((cpuMs() - before) / messages.length).toFixed(2));
}
await dns.close();

const warmed = startWarmUp > 0 ? `the start's warm-up of ${startWarmUp} messages, then ` : '';
console.log(`CPU ms per message, ${messages.length} messages × ${rounds} rounds (after ${warmed}one unmeasured round)`);
console.log(`each round, all stages (and the timing itself): ${perRound.join(' ')}`);
console.log(
  `${'kind'.padEnd(12)} ${'n'.padStart(5)} ${'parse'.padStart(7)} ${'auth'.padStart(7)} ${'checks'.padStart(7)} ${'total'.padStart(7)}`,
);
for (const [kind, row] of totals) {
  const f = (v: number) => (v / row.n).toFixed(2).padStart(7);
  console.log(
    `${kind.padEnd(12)} ${String(row.n / rounds).padStart(5)} ${f(row.parse)} ${f(row.auth)} ${f(row.checks)} ` +
      f(row.parse + row.auth + row.checks),
  );
}

/** The warm-up `sekisho start` runs before it listens (src/cli/warm-up.ts), on a throwaway data directory. */
async function runStartWarmUp(count: number): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadConfig } = await import('../src/config/load.ts');
  const { warmUp } = await import('../src/cli/warm-up.ts');
  const { createLogger } = await import('../src/util/logger.ts');
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-stages-'));
  try {
    const config = loadConfig({ SEKISHO_CONFIG: '/dev/null', SEKISHO_DATA_DIR: dir, SEKISHO_WARM_UP_MESSAGES: String(count) });
    await warmUp(config, createLogger('silent'), { by: null, done: () => {} }); // no signal ends it here
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
