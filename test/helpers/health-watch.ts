// Asks /healthz one request after another for as long as a test runs, so the test can check that
// the gateway went on answering while it handled a message: `answeredBetween` counts the requests
// both sent and answered inside a time window. A request with no answer within `hangMs` is
// recorded as a failure: a guard against a gateway that stops answering, not a speed test
// (the event-loop figures come from `npm run bench -- stalls`, docs/security.md).
export interface HealthWatch {
  /** requests that failed or got no answer within hangMs, with why */
  readonly failures: string[];
  /** requests sent at or after `from` and answered at or before `to` (Date.now() times) */
  answeredBetween(from: number, to: number): number;
  stop(): Promise<void>;
}

export function watchHealth(httpPort: number, hangMs = 30_000): HealthWatch {
  let running = true;
  const answers: Array<{ sent: number; answered: number }> = [];
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const sent = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(hangMs) });
        await res.arrayBuffer();
        if (res.status === 200) answers.push({ sent, answered: Date.now() });
        else failures.push(`HTTP ${res.status}`);
      } catch (err) {
        failures.push((err as Error).name === 'TimeoutError' ? `no answer within ${hangMs} ms` : (err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    failures,
    answeredBetween: (from, to) => answers.filter((a) => a.sent >= from && a.answered <= to).length,
    async stop() {
      running = false;
      await loop;
    },
  };
}
