// Starts a whole Sekisho in this test process on free loopback ports, on a fresh SQLite or
// PostgreSQL database, with a tenant "acme" (acme.example) and a user whose password is known.
// Unless the test names its own `dnsServers`, the gateway asks a loopback DNS server that answers
// NXDOMAIN for every name: it never depends on the machine's resolver (the internet), nor waits
// one out that drops queries.
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { startSekisho, type RunningSekisho } from '../../src/main.ts';
import { createLogger } from '../../src/util/logger.ts';
import { hashPassword } from '../../src/util/password.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { startDnsServer } from './dns-server.ts';
import { Writable } from 'node:stream';
import { PASSWORD, USER } from './mail-client.ts';

export { loopbackClient, PASSWORD, submissionClient, USER } from './mail-client.ts';

export interface TestInstance {
  sekisho: RunningSekisho;
  db: TestDatabase;
  tenantId: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startInstance(
  kind: 'sqlite' | 'postgres',
  overrides: ConfigInput = {},
  opts: { inboundRoute?: string } = {},
): Promise<TestInstance> {
  const db = await createTestDatabase(kind);
  const dns = overrides.dnsServers === undefined ? await startDnsServer() : null;
  const config = loadConfig(
    {},
    {
      dataDir: db.dataDir,
      databaseUrl: db.url,
      submissionPort: 0,
      inboundPort: 0,
      httpPort: 0,
      inboundGreetDelayMs: 0,
      demoTenant: false,
      pollIntervalMs: 200,
      logLevel: 'info',
      // every test client is 127.0.0.1, sending far more than any real one: no per-client
      // connection limits unless a test sets them (test/e2e/send-limits.test.ts)
      inboundConnectionsPerClient: 0,
      inboundConnectionRatePerMinute: 0,
      submissionConnectionsPerClient: 0,
      submissionConnectionRatePerMinute: 0,
      ...(dns ? { dnsServers: [dns.address] } : {}),
      ...overrides,
    },
  );
  const logs: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const sekisho = await startSekisho(config, logger).catch(async (err) => {
    await dns?.close();
    throw err;
  });
  const tenant = await sekisho.store.createTenant({
    name: 'acme',
    domains: ['acme.example', 'acme.co.jp'],
    inboundRoute: opts.inboundRoute ?? null,
  });
  await sekisho.store.createUsers(tenant.id, [{ email: USER, passwordHash: await hashPassword(PASSWORD), role: 'user' }], 'test');
  const other = await sekisho.store.createTenant({ name: 'globex', domains: ['globex.example'], inboundRoute: opts.inboundRoute ?? null });
  await sekisho.store.createUsers(
    other.id,
    [{ email: 'eve@globex.example', passwordHash: await hashPassword(PASSWORD), role: 'user' }],
    'test',
  );
  return {
    sekisho,
    db,
    tenantId: tenant.id,
    logs,
    async stop() {
      await sekisho.stop();
      await db.drop();
      await dns?.close();
    },
  };
}
