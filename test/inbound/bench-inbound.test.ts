// The inbound bench mode must keep working: `npm run bench`'s entry point with BENCH_MODES=inbound
// on 50 messages (one concurrency, no warm-up) runs Sekisho's MX port with full analysis against
// the loopback DNS server, and Rspamd on the same messages where it is installed (and Postfix with
// Rspamd as its milter where Postfix is too), and prints their figures. Nothing here judges the
// figures themselves (the bench is not a test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { haveRspamd } from './daemons.ts';
import { havePostfix } from '../../bench/postfix.ts';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const FIGURES =
  /concurrency 8 +(\d+) msg\/s \(50\) +p50 ([\d.]+) ms +p99 ([\d.]+) ms +CPU ([\d.]+) ms\/msg +peak RSS \d+ MB +DNS ([\d.]+) queries\/msg$/;

function runBench(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('the inbound bench runs on 50 messages and prints msg/s, p50/p99, CPU and DNS per message', { timeout: 300_000 }, async () => {
  const { code, out } = await runBench({
    BENCH_MODES: 'inbound',
    BENCH_INBOUND_MESSAGES: '50',
    BENCH_INBOUND_WARMUP: '0',
    BENCH_INBOUND_MIX: '40',
    BENCH_CONCURRENCY: '8',
  });
  assert.equal(code, 0, out);
  const lines = out.split('\n');
  const figures = (label: RegExp) => {
    const line = lines.find((l) => label.test(l));
    assert.ok(line, `no line for ${label} in:\n${out}`);
    const m = FIGURES.exec(line);
    assert.ok(m, `figures missing or refused messages in: ${line}`);
    return m.slice(1).map(Number);
  };
  const [rate, , , cpu, dns] = figures(/^Sekisho \(processes: auto\), concurrency 8/);
  assert.ok(rate! > 0 && cpu! > 0, 'Sekisho took messages and CPU');
  assert.ok(dns! > 0, 'the loopback DNS server answered SPF, DKIM and DMARC look-ups');
  if (haveRspamd()) {
    assert.ok(figures(/^Rspamd 3\.4, offline config/)[0]! > 0);
    assert.ok(figures(/^Rspamd 3\.4, SPF\/DKIM\/DMARC\/ARC on/)[4]! > 0, 'Rspamd asked the same DNS server');
    assert.match(out, /ratio Sekisho \/ Rspamd, concurrency 8: [\d.]+× \(Rspamd with SPF\/DKIM\/DMARC\/ARC\), [\d.]+× \(offline\)/);
    if (havePostfix()) {
      const [rate, , , cpu, dns] = figures(/^Postfix \+ Rspamd 3\.4 milter, SPF\/DKIM\/DMARC\/ARC on/);
      assert.ok(rate! > 0 && cpu! > 0 && dns! > 0, 'Postfix relayed the messages through the Rspamd milter, which asked the DNS server');
      assert.match(out, /; [\d.]+× against Postfix \+ Rspamd milter/);
    }
  }
});
