// Prometheus metrics (prom-client) served at /metrics: per-tenant message counters, queue depth
// by state and the age of the oldest due message (read from the database at scrape time, so the
// same on every node), and the delivery latency histogram (acceptance → final delivery).
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/store.ts';
import { clusterMetricsText } from './metrics-cluster.ts';

export function createMetrics(store?: Store) {
  const registry = new Registry();
  const accepted = new Counter({
    name: 'sekisho_messages_accepted_total',
    help: 'Messages accepted (250 sent)',
    labelNames: ['tenant', 'direction'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'sekisho_smtp_rejected_total',
    help: 'SMTP commands refused',
    labelNames: ['port', 'stage', 'code'],
    registers: [registry],
  });
  const delivered = new Counter({
    name: 'sekisho_messages_delivered_total',
    help: 'Messages delivered to every recipient',
    labelNames: ['tenant', 'direction'],
    registers: [registry],
  });
  const deferred = new Counter({
    name: 'sekisho_delivery_deferred_total',
    help: 'Delivery attempts that failed temporarily',
    labelNames: ['tenant', 'direction'],
    registers: [registry],
  });
  const bounced = new Counter({
    name: 'sekisho_messages_bounced_total',
    help: 'Messages that failed permanently',
    labelNames: ['tenant', 'direction'],
    registers: [registry],
  });
  const held = new Counter({
    name: 'sekisho_messages_held_total',
    help: 'Messages that waited for a person on acceptance (hold, confirmation or approval)',
    labelNames: ['tenant'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sekisho_delivery_latency_seconds',
    help: 'Time from acceptance to final delivery (held time included)',
    labelNames: ['direction'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 14400, 86400],
    registers: [registry],
  });
  new Gauge({
    name: 'sekisho_queue_messages',
    help: 'Messages not yet finished, by tenant and state',
    labelNames: ['tenant', 'state'],
    registers: [registry],
    aggregator: 'first', // every process reads the same database: summing would multiply it
    async collect() {
      if (!store) return;
      this.reset();
      for (const row of await store.stateCounts()) this.set({ tenant: row.tenant_id, state: row.state }, row.n);
    },
  });
  new Gauge({
    name: 'sekisho_queue_oldest_due_age_seconds',
    help: 'How long the longest-waiting message due for delivery (queued or deferred, its time come) has waited; 0 when none',
    registers: [registry],
    aggregator: 'first', // read from the shared database, like the queue depth
    async collect() {
      if (!store) return;
      const now = Date.now();
      const oldestDue = await store.oldestDueAt(now);
      this.set(oldestDue === null ? 0 : Math.max(0, (now - oldestDue) / 1000));
    },
  });
  // How mail accepted for delivery now reaches it (docs/operation.md, "Metrics"): a free slot of this
  // process, its line in memory (every slot busy), or the queue, claimed by a later poll.
  const handedOver = new Counter({
    name: 'sekisho_delivery_handovers_total',
    help: 'Messages accepted for delivery at once, by how they reached it: slot, line (waited in memory) or queue',
    labelNames: ['via'],
    registers: [registry],
  });
  let lineLength: () => number = () => 0;
  new Gauge({
    name: 'sekisho_delivery_line_messages',
    help: 'Messages accepted here and waiting in memory for a delivery slot (the hand-over line)',
    registers: [registry],
    // each process's own line: summed over processes (prom-client's default for gauges)
    collect() {
      this.set(lineLength());
    },
  });
  /** where the line's length is read (the queue worker, made after the metrics) */
  const observeLine = (length: () => number): void => {
    lineLength = length;
  };
  /** the exposition text: this process's, or (one of several processes) all of theirs */
  const text = cluster.isWorker ? clusterMetricsText(registry) : () => registry.metrics();
  return { registry, text, accepted, rejected, delivered, deferred, bounced, held, latency, handedOver, observeLine };
}

export type Metrics = ReturnType<typeof createMetrics>;
