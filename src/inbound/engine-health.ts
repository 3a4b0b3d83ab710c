// /healthz's view of the configured content engines: Rspamd (GET /ping answers "pong") and clamd
// (zPING answers PONG), each "ok" or "degraded" with detail. Each check has 2 s; the result is
// kept 5 s, so health checks cannot hammer the engines. A degraded engine never makes /healthz
// fail: mail is still accepted and a scan that fails takes the safe verdict (scorers.ts).
import net from 'node:net';
import { parseClamdAddress } from './clamd.ts';

export interface EngineStatus {
  status: 'ok' | 'degraded';
  /** where it was asked */
  address: string;
  /** why it is degraded */
  error?: string;
}

const TIMEOUT_MS = 2000;
const CACHE_MS = 5000;

export function pingRspamd(url: string, timeoutMs = TIMEOUT_MS): Promise<void> {
  return fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) }).then(async (res) => {
    const body = (await res.text()).trim();
    if (!res.ok || body !== 'pong') throw new Error(`HTTP ${res.status}: ${body.slice(0, 80)}`);
  });
}

export function pingClamd(address: string, timeoutMs = TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(parseClamdAddress(address));
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    socket.on('connect', () => socket.end('zPING\0'));
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => (/PONG/.test(reply) ? resolve() : reject(new Error(`answered ${JSON.stringify(reply.slice(0, 80))}`))));
  });
}

/** the engines a configuration names, checked at most once per CACHE_MS */
export class EngineHealth {
  private cached: { at: number; result: Promise<Record<string, EngineStatus>> } | null = null;
  private readonly checks: Array<[name: string, address: string, ping: () => Promise<void>]> = [];

  constructor(config: { rspamdUrl?: string; clamd?: string }) {
    if (config.rspamdUrl) this.checks.push(['rspamd', config.rspamdUrl, () => pingRspamd(config.rspamdUrl!)]);
    if (config.clamd) this.checks.push(['clamav', config.clamd, () => pingClamd(config.clamd!)]);
  }

  /** {} when no engine is configured */
  status(now = Date.now()): Promise<Record<string, EngineStatus>> {
    if (!this.cached || now - this.cached.at >= CACHE_MS) this.cached = { at: now, result: this.check() };
    return this.cached.result;
  }

  private async check(): Promise<Record<string, EngineStatus>> {
    const results = await Promise.all(
      this.checks.map(async ([name, address, ping]): Promise<[string, EngineStatus]> => {
        try {
          await ping();
          return [name, { status: 'ok', address }];
        } catch (err) {
          return [name, { status: 'degraded', address, error: String((err as Error).message ?? err).split('\n')[0] }];
        }
      }),
    );
    return Object.fromEntries(results);
  }
}
