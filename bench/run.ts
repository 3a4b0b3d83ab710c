// `npm run bench`: the relay bench (bench/relay.ts: Sekisho and Postfix, new connection per message
// and reused, each cold and steady) and the inbound bench (bench/inbound.ts: Sekisho's MX port with
// full analysis and Rspamd on the same mix). BENCH_MODES=new,reused,inbound (any of them, comma
// separated) picks; all three by default. Everything runs in a temp dir removed at the end
// (BENCH_KEEP=1 keeps it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRelayBench, type RelayMode } from './relay.ts';
import { inboundOptionsFromEnv, runInboundBench } from './inbound.ts';

const MODES = ['new', 'reused', 'inbound'] as const;
const asked = (process.env.BENCH_MODES ?? MODES.join(','))
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
const unknown = asked.filter((m) => !(MODES as readonly string[]).includes(m));
if (unknown.length > 0) {
  console.error(`BENCH_MODES: unknown mode ${unknown.join(', ')} (known: ${MODES.join(', ')})`);
  process.exit(2);
}

// the benches run Sekisho as installs do, from dist/: rebuild what is older than its sources first
execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'sekisho-bench-'));
const started = performance.now();
try {
  const relayModes = asked.filter((m): m is RelayMode => m === 'new' || m === 'reused');
  if (relayModes.length > 0) await runRelayBench(dir, relayModes);
  if (asked.includes('inbound')) {
    if (relayModes.length > 0) console.log('');
    await runInboundBench(join(dir, 'inbound'), inboundOptionsFromEnv());
  }
  console.log(`\nbench done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
