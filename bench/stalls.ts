// The one-message stalls of issue 17, measured: each hostile message (test/helpers/hostile-mail.ts,
// and its costly ordinary mail) through the MX port and through submission, one at a time, into a
// gateway in its own process; prints the SMTP reply and the longest event-loop block it had.
// Usage: node --import tsx bench/stalls.ts [regex of case names]
import { performance } from 'node:perf_hooks';
import { costlyCases, dataPayload, hostileCases, sendMessage } from '../test/helpers/hostile-mail.ts';
import { startGatewayProcess } from './gateway-client.ts';

const gw = await startGatewayProcess();
const rows: string[] = [];
const only = new RegExp(process.argv[2] ?? '');
for (const c of [...hostileCases(), ...costlyCases()].filter((x) => only.test(x.name))) {
  for (const port of ['inbound', 'submission'] as const) {
    const raw = dataPayload(port === 'inbound' ? c.build('x@evil.test', 'taro@acme.example') : c.build(gw.user, 'partner@example.net'));
    await gw.reset();
    const t0 = performance.now();
    const reply = await sendMessage(gw.ports[port], raw, {
      mailFrom: port === 'inbound' ? 'x@evil.test' : gw.user,
      to: [port === 'inbound' ? 'taro@acme.example' : 'partner@example.net'],
      ...(port === 'submission' ? { auth: { user: gw.user, pass: gw.pass } } : {}),
      replyTimeoutMs: 600_000,
    }).catch((err: Error) => ({ code: 0, text: err.message }));
    const ms = performance.now() - t0;
    const { maxMs } = await gw.lag();
    const row =
      `${c.name.padEnd(20)} ${port.padEnd(10)} ${String(reply.code).padEnd(4)} longest ` +
      `block ${maxMs.toFixed(0).padStart(6)} ms  (transaction ${ms.toFixed(0)} ms) ${reply.text.slice(0, 70).replace(/\s+/g, ' ')}`;
    console.log(row);
    rows.push(row);
  }
}
await gw.stop();
