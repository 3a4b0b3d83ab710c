// Throughput of the built-in inbound checks (analyzeInbound: headers, body, phishing, links,
// attachments) on real mail, parsed once beforehand so only the verdict is timed. Also prints
// the spam/ham confusion matrix at the default thresholds.
// Usage: node --import tsx bench/inbound-verdict.ts [rounds] [extra .eml dirs…]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMessage } from '../src/mime/parse-facts.ts';
import { analyzeInbound, DEFAULT_THRESHOLDS } from '../src/inbound/spam/builtin.ts';
import type { AnalysisInput } from '../src/model/verdict.ts';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/inbound/', import.meta.url));
const TENANT = {
  domains: ['acme-shoji.co.jp'],
  staff: [{ name: '山田 太郎', email: 'yamada@acme-shoji.co.jp' }],
  executives: ['佐藤 一郎'],
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return walk(p);
    return /SOURCE|LICENSE|NOTICE|\.(xls|xlsm|doc|docx|ppt|zip)$/.test(f) ? [] : [p];
  });
}

async function load(paths: string[]): Promise<Array<{ path: string; input: AnalysisInput }>> {
  const out = [];
  for (const path of paths) {
    const raw = readFileSync(path);
    const parsed = await parseMessage(raw, { mailFrom: 'bounce@sender.example', recipients: ['user@acme-shoji.co.jp'] }, 'inbound');
    out.push({ path, input: { facts: parsed.facts, attachments: parsed.attachments, raw, tenant: TENANT } });
  }
  return out;
}

const rounds = Number(process.argv[2] ?? 5);
const spam = await load([...walk(join(FIXTURES, 'spam')), ...walk(join(FIXTURES, 'phishing'))]);
const ham = await load(walk(join(FIXTURES, 'ham')));
const other = await load([
  ...walk(join(FIXTURES, 'rspamd')),
  ...walk(join(FIXTURES, 'spamassassin')),
  ...process.argv.slice(3).flatMap(walk),
]);
const all = [...spam, ...ham, ...other];

for (const m of all) analyzeInbound(m.input); // warm-up (JIT, regex compilation)
const started = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (const m of all) analyzeInbound(m.input);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const n = rounds * all.length;
console.log(
  `analyzeInbound: ${all.length} messages × ${rounds} rounds in ${seconds.toFixed(2)} s → ${Math.round(n / seconds)} ` +
    `messages/s, ${((1000 * seconds) / n).toFixed(3)} ms/message`,
);

const { tagAt, quarantineAt } = DEFAULT_THRESHOLDS;
const table = (name: string, set: typeof spam): void => {
  const s = set.map((m) => analyzeInbound(m.input).score);
  const q = s.filter((x) => x >= quarantineAt).length;
  const t = s.filter((x) => x >= tagAt && x < quarantineAt).length;
  console.log(
    `${name.padEnd(6)} n=${String(set.length).padStart(3)}  quarantine(≥${quarantineAt})=${q}  tag(≥${tagAt})=${t}  ` +
      `deliver=${set.length - q - t}`,
  );
};
table('spam', spam);
table('ham', ham);

// Rspamd on the same messages: SEKISHO_RSPAMD_URL if set, else a local rspamd started like the
// tests do (offline configuration, test/inbound/daemons.ts) when it is installed.
const { RspamdScorer } = await import('../src/inbound/rspamd.ts');
const { haveRspamd, startRspamd } = await import('../test/inbound/daemons.ts');
let rspamdUrl = process.env.SEKISHO_RSPAMD_URL;
let stopRspamd: (() => Promise<void>) | null = null;
if (!rspamdUrl && haveRspamd()) {
  const d = await startRspamd();
  rspamdUrl = d.url;
  stopRspamd = d.stop;
}
if (!rspamdUrl) {
  console.log('rspamd: not reachable (set SEKISHO_RSPAMD_URL or apt-get install rspamd) — skipped');
} else {
  const scorer = new RspamdScorer({ url: rspamdUrl, timeoutMs: 30_000 });
  const client = {
    ip: '192.0.2.10',
    helo: 'mx.sender.example',
    mailFrom: 'bounce@sender.example',
    recipients: ['user@acme-shoji.co.jp'],
    hostname: 'sekisho.localhost',
  };
  for (const m of all) await scorer.score({ ...m.input, client }); // warm-up
  const rRounds = Math.max(1, Math.min(rounds, 3));
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rRounds; r++) for (const m of all) await scorer.score({ ...m.input, client });
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const rn = rRounds * all.length;
  console.log(
    `rspamd /checkv2 (sequential, one worker, network modules off): ${all.length} messages × ${rRounds} rounds ` +
      `in ${sec.toFixed(2)} s → ${Math.round(rn / sec)} messages/s, ${((1000 * sec) / rn).toFixed(3)} ms/message`,
  );
  const rtable = async (name: string, set: typeof spam): Promise<void> => {
    const s = await Promise.all(set.map(async (m) => (await scorer.score({ ...m.input, client })).score));
    const q = s.filter((x) => x >= quarantineAt).length;
    const t = s.filter((x) => x >= tagAt && x < quarantineAt).length;
    console.log(
      `rspamd ${name.padEnd(6)} n=${String(set.length).padStart(3)}  quarantine(≥${quarantineAt})=${q}  ` +
        `tag(≥${tagAt})=${t}  deliver=${set.length - q - t}`,
    );
  };
  await rtable('spam', spam);
  await rtable('ham', ham);
}
await stopRspamd?.();
