#!/usr/bin/env node
// `node deploy/healthcheck.mjs [--wait SECONDS]`: exit 0 when this host's Sekisho answers /healthz
// with 200, else 1 with one line saying why. It finds the port the way `sekisho start` does (the
// same settings: SEKISHO_CONFIG or ./sekisho.yaml, then SEKISHO_* variables). --wait keeps asking
// for up to that long (systemd's ExecStartPost); without it one try (a container HEALTHCHECK).
import { loadConfig } from '../dist/config/load.js';

const waitArg = process.argv.indexOf('--wait');
const waitSeconds = waitArg > 0 ? Number(process.argv[waitArg + 1]) : 0;
if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
  console.error('healthcheck: --wait takes a number of seconds');
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(`healthcheck: ${err.message}`);
  process.exit(1);
}
// a listener on every address answers on loopback
const host = { '0.0.0.0': '127.0.0.1', '::': '::1' }[config.listenHost] ?? config.listenHost;
const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.httpPort}/healthz`;

async function check() {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.status === 200 ? null : `${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`;
  } catch (err) {
    return `${url}: ${err.cause?.code ?? err.message}`;
  }
}

const deadline = Date.now() + waitSeconds * 1000;
let problem = await check();
while (problem && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 500));
  problem = await check();
}
if (problem) {
  console.error(`healthcheck: ${problem}`);
  process.exit(1);
}
