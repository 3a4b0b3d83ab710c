// A whole Sekisho on SQLite in its own process, for the stall bench and the fuzz run: the
// driver talks SMTP to it from another process, so the client's own work never shows in the
// gateway's event-loop figures; and the SMTP sink that inbound mail routes to and outbound mail
// relays to runs in the driver too (SEKISHO_BENCH_SINK_URL), so receiving a large delivery does
// not either. DNS goes to a loopback server that knows no names (SPF/DKIM/DMARC come out none).
// Over IPC it sends {ports} once ready and answers {cmd:'lag'} with the longest event-loop block
// (ms) since the last {cmd:'reset'}, {cmd:'settled'} with whether any message is still due for
// delivery, {cmd:'states'} with the stored messages counted by direction and state, and
// {cmd:'stop'} by stopping.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startInstance, USER, PASSWORD } from '../test/helpers/instance.ts';
import { startDnsServer } from '../test/helpers/dns-server.ts';

const dns = await startDnsServer([]);
const sinkUrl = process.env.SEKISHO_BENCH_SINK_URL!;
// no send limits: the fuzz run submits thousands of messages as one user (200 an hour by default)
const NO_SEND_LIMITS = {
  sendLimitUserMessagesPerHour: 0,
  sendLimitUserRecipientsPerHour: 0,
  sendLimitTenantMessagesPerHour: 0,
  sendLimitTenantRecipientsPerHour: 0,
};
const inst = await startInstance(
  'sqlite',
  { relay: sinkUrl, dnsServers: [dns.address], logLevel: 'warn', ...NO_SEND_LIMITS },
  { inboundRoute: sinkUrl },
);
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();

process.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'reset') {
    lag.reset();
    process.send!({ ok: true });
  } else if (m.cmd === 'lag') {
    process.send!({ maxMs: lag.max / 1e6 });
  } else if (m.cmd === 'settled') {
    process.send!({ settled: (await inst.sekisho.store.oldestDueAt()) === null });
  } else if (m.cmd === 'states') {
    const rows = await inst.sekisho.store.db
      .selectFrom('messages')
      .select(['direction', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['direction', 'state'])
      .execute();
    process.send!({ states: Object.fromEntries(rows.map((r) => [`${r.direction} ${r.state}`, Number(r.n)])) });
  } else if (m.cmd === 'stop') {
    await inst.stop();
    await dns.close();
    process.exit(0);
  }
});
process.send!({ ports: inst.sekisho.ports, user: USER, pass: PASSWORD, tenantId: inst.tenantId });
