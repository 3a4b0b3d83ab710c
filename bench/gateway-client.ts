// The driver's side of bench/gateway-process.ts: starts the SMTP sink here and the gateway in a
// child process, and asks it over IPC for the longest event-loop block since the last reset.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSink } from '../test/helpers/sink.ts';

export interface GatewayProcess {
  ports: { submission: number; inbound: number; http: number };
  user: string;
  pass: string;
  /** starts a new measuring window */
  reset(): Promise<void>;
  /** the longest event-loop block (ms) since the last reset */
  lag(): Promise<{ maxMs: number }>;
  /** resolves once no message is due for delivery (or after `timeoutMs`) */
  settle(timeoutMs: number): Promise<void>;
  /** stored messages by "direction state" */
  states(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startGatewayProcess(): Promise<GatewayProcess> {
  const sink = await startSink();
  const child: ChildProcess = fork(fileURLToPath(new URL('./gateway-process.ts', import.meta.url)), [], {
    env: { ...process.env, SEKISHO_BENCH_SINK_URL: sink.url },
    // SEKISHO_BENCH_PROFILE=dir writes a CPU profile of the gateway there (node --cpu-prof);
    // SEKISHO_BENCH_NODE_ARGS adds node options to the gateway's (e.g. --trace-gc).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.SEKISHO_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SEKISHO_BENCH_PROFILE}`] : []),
      ...(process.env.SEKISHO_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`gateway process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as Record<string, unknown>);
      });
    });
  const ready = (await next()) as unknown as Pick<GatewayProcess, 'ports' | 'user' | 'pass'>;
  const ask = async (cmd: string) => {
    const answer = next();
    child.send({ cmd });
    return answer;
  };
  return {
    ...ready,
    reset: async () => void (await ask('reset')),
    lag: async () => (await ask('lag')) as unknown as { maxMs: number },
    settle: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (!((await ask('settled')) as { settled: boolean }).settled && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    },
    states: async () => ((await ask('states')) as { states: Record<string, number> }).states,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ cmd: 'stop' });
      await exited;
      await sink.close();
    },
  };
}
