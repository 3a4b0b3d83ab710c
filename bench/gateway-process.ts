// A whole Sekisho on SQLite in its own process, for the stall bench and the fuzz run: the
// driver talks SMTP to it from another process, so the client's own work never shows in the
// gateway's event-loop figures. Inbound mail routes to an SMTP sink, outbound relays to it; DNS
// goes to a loopback server that knows no names (SPF/DKIM/DMARC come out none). Over IPC it
// sends {ports} once ready and answers {cmd:'lag'} with the longest event-loop block (ms)
// since the last {cmd:'reset'}, {cmd:'states'} with the stored messages counted by direction and
// state, and {cmd:'stop'} by stopping.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startInstance, USER, PASSWORD } from '../test/helpers/instance.ts';
import { startSink } from '../test/helpers/sink.ts';
import { startDnsServer } from '../test/helpers/dns-server.ts';

const dns = await startDnsServer([]);
const sink = await startSink();
// no send limits: the fuzz run submits thousands of messages as one user (200 an hour by default)
const NO_SEND_LIMITS = {
  sendLimitUserMessagesPerHour: 0,
  sendLimitUserRecipientsPerHour: 0,
  sendLimitTenantMessagesPerHour: 0,
  sendLimitTenantRecipientsPerHour: 0,
};
const inst = await startInstance(
  'sqlite',
  { relay: sink.url, dnsServers: [dns.address], logLevel: 'warn', ...NO_SEND_LIMITS },
  { inboundRoute: sink.url },
);
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();

process.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'reset') {
    lag.reset();
    process.send!({ ok: true });
  } else if (m.cmd === 'lag') {
    process.send!({ maxMs: lag.max / 1e6, sunk: sink.messages.length });
  } else if (m.cmd === 'states') {
    const rows = await inst.sekisho.store.db
      .selectFrom('messages')
      .select(['direction', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['direction', 'state'])
      .execute();
    process.send!({ states: Object.fromEntries(rows.map((r) => [`${r.direction} ${r.state}`, Number(r.n)])) });
  } else if (m.cmd === 'stop') {
    await inst.stop();
    await sink.close();
    await dns.close();
    process.exit(0);
  }
});
process.send!({ ports: inst.sekisho.ports, user: USER, pass: PASSWORD, tenantId: inst.tenantId });
