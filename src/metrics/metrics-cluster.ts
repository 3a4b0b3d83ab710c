// With `processes` > 1 each process counts its own share of the work. /metrics is answered by
// whichever process the scrape reached: it asks the primary, which gathers every process's
// registry with prom-client's AggregatorRegistry (counters and histograms are summed; gauges read
// from the shared database are the same in every process and say `aggregator: 'first'`).
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'sekisho:metrics-request';
const ANSWER = 'sekisho:metrics-answer';

interface Answer {
  type: typeof ANSWER;
  id: number;
  text: string;
}

/** In a worker process: a function that returns the metrics of every process, via the primary. */
export function clusterMetricsText(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's reply to the primary's collection round
  let next = 0;
  const waiting = new Map<number, (text: string) => void>();
  process.on('message', (m: Partial<Answer>) => {
    if (m?.type !== ANSWER || typeof m.id !== 'number') return;
    waiting.get(m.id)?.(m.text ?? '');
    waiting.delete(m.id);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary process did not answer with the metrics'));
      }, 10_000);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      process.send!({ type: REQUEST, id });
    });
}

/** In the primary: answer the workers' requests with the aggregate of all of them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: number }) => {
    if (m?.type !== REQUEST) return;
    const answer = (text: string) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: m.id ?? -1, text } satisfies Answer);
    };
    aggregator.clusterMetrics().then(answer, (err: Error) => answer(`# metrics unavailable: ${err.message}\n`));
  });
}
