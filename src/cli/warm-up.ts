// Before `sekisho start` opens its ports, each process runs synthetic mail through a private,
// throwaway gateway of its own (a temporary data directory, loopback ports no other process shares,
// a sink that discards, a DNS server of its own), so that V8 has compiled and optimized the
// per-message code (SMTP sessions, MIME parsing, policy, the inbound authentication and checks, the
// store, the delivery client) before the first real message arrives; without it a fresh process
// relays its first thousands of messages at about half its steady rate (docs/delivery.md, "Cold
// start"). It touches no real data: the private gateway has its own database, removed afterwards.
// A stop (SIGTERM, SIGINT, a cluster process's primary gone: the caller's PendingStop) during the
// warm-up ends it early, with the temporary directory removed, and tells the caller not to open the ports.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { startSekisho } from '../main.ts';
import { generatedPairFiles, loadOrCreateTls, tlsFilesOf } from '../smtp/tls.ts';
import { createLogger } from '../util/logger.ts';
import { startDiscardingSink, type DiscardingSink } from './warm-up-smtp.ts';
import { sendWarmUpMail, WARM_UP_DOMAIN, WARM_UP_SENDER_DOMAIN, type WarmUpDirection } from './warm-up-mail.ts';
import { startWarmUpDns, warmUpDnsRecords, type WarmUpDns } from './warm-up-dns.ts';
import type { PendingStop } from './start-shared.ts';

/** Wall time after which the warm-up stops whatever its count (a slow or busy machine). */
const WARM_UP_MAX_MS = 20_000;
/**
 * SMTP sessions at once, several transactions in flight: outbound over new and reused connections
 * (both kinds of client), inbound a new connection per message, as MX traffic mostly comes.
 */
const WARM_UP_SESSIONS: ReadonlyArray<{ direction: WarmUpDirection; perConnection: number }> = [
  { direction: 'outbound', perConnection: 1 },
  { direction: 'outbound', perConnection: 10 },
  { direction: 'outbound', perConnection: 1 },
  { direction: 'outbound', perConnection: 10 },
  { direction: 'outbound', perConnection: 1 },
  { direction: 'outbound', perConnection: 10 },
  { direction: 'inbound', perConnection: 1 },
  { direction: 'inbound', perConnection: 1 },
];

export interface WarmUpResult {
  messages: number;
  ms: number;
  /** what stopped the process during the warm-up (a signal's name, or the primary's exit), or null */
  stoppedBy: string | null;
}

/** Relays `config.warmUpMessages` synthetic messages through a private gateway; resolves when it is gone. */
export async function warmUp(config: Config, logger: Logger, stop: PendingStop): Promise<WarmUpResult> {
  const started = performance.now();
  if (config.warmUpMessages === 0) return { messages: 0, ms: 0, stoppedBy: null };
  let dir: string | null = null;
  let sink: DiscardingSink | null = null;
  let dns: WarmUpDns | null = null;
  try {
    dir = await mkdtemp(join(tmpdir(), 'sekisho-warm-up-'));
    sink = await startDiscardingSink();
    dns = await startWarmUpDns(warmUpDnsRecords(WARM_UP_SENDER_DOMAIN));
    // the real TLS pair (made now if this is a first start): generating one for the private
    // gateway would cost more than the warm-up saves
    await loadOrCreateTls(tlsFilesOf(config));
    const generated = generatedPairFiles(config.dataDir);
    const tls = config.tlsCert && config.tlsKey ? config : { tlsCert: generated.certFile, tlsKey: generated.keyFile };
    const gateway = await startSekisho(
      {
        ...config,
        databaseUrl: undefined,
        dataDir: dir,
        secretsKeyFile: undefined,
        tlsCert: tls.tlsCert,
        tlsKey: tls.tlsKey,
        listenHost: '127.0.0.1',
        submissionPort: 0,
        inboundPort: 0,
        httpPort: 0,
        relay: `smtp://127.0.0.1:${sink.port}`,
        dnsServers: [dns.address],
        // nothing outside this process: no Rspamd (its Bayes could learn the synthetic mail), no
        // clamd, no sandbox; no PROXY header expected from the warm-up's own client
        rspamdUrl: undefined,
        clamd: undefined,
        sandbox: undefined,
        inboundProxyProtocol: false,
        submissionProxyProtocol: false,
        trustedNetworks: ['127.0.0.1/32'],
        demoTenant: false,
        nodeName: 'warm-up',
        logLevel: 'silent',
        submissionConnectionsPerClient: 0,
        submissionConnectionRatePerMinute: 0,
        inboundConnectionsPerClient: 0,
        inboundConnectionRatePerMinute: 0,
        inboundGreetDelayMs: 0,
        sendLimitTenantMessagesPerHour: 0,
        sendLimitTenantRecipientsPerHour: 0,
      },
      createLogger('silent'),
      { exclusivePorts: true },
    );
    logger.debug({ ...gateway.ports, sink: sink.port, dns: dns.address }, 'warm-up: the private gateway listens');
    let sent = 0;
    try {
      await gateway.store.createTenant({ name: 'warm-up', domains: [WARM_UP_DOMAIN], inboundRoute: `smtp://127.0.0.1:${sink.port}` });
      const deadline = started + WARM_UP_MAX_MS;
      const session = async ({ direction, perConnection }: (typeof WARM_UP_SESSIONS)[number]) => {
        const port = direction === 'outbound' ? gateway.ports.submission : gateway.ports.inbound;
        while (sent < config.warmUpMessages && performance.now() < deadline && stop.by === null) {
          const n = Math.min(perConnection, config.warmUpMessages - sent);
          const first = sent;
          sent += n;
          await sendWarmUpMail(port, direction, first, n);
        }
      };
      await Promise.all(WARM_UP_SESSIONS.map(session));
      // every accepted message delivered (or held by the private tenant's policy: nothing is due)
      while (stop.by === null && (await gateway.store.oldestDueAt()) !== null && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await gateway.stop();
    }
    const result = { messages: sink.received(), ms: Math.round(performance.now() - started), stoppedBy: stop.by };
    if (stop.by === null)
      logger.info({ messages: result.messages, ms: result.ms }, 'warm-up done: the per-message code is compiled before the ports open');
    return result;
  } catch (err) {
    // a warm-up that fails (no writable TMPDIR, say) costs only speed: the start goes on
    if (stop.by === null) logger.warn({ err }, 'warm-up failed; starting without it');
    return { messages: sink?.received() ?? 0, ms: Math.round(performance.now() - started), stoppedBy: stop.by };
  } finally {
    await sink?.close();
    await dns?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
