// The HTTP server (fastify): /healthz for load balancers and `npm start` users (with the version
// and the commit it was built from), /metrics for Prometheus. The console, /api and the
// download/confirmation pages register here too.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.ts';
import { buildInfo } from '../version.ts';

export interface HttpDeps {
  metrics: Metrics;
  /** resolves when the database answers and every listener is up */
  health: () => Promise<{ ok: boolean; detail: Record<string, string> }>;
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 10 * 1024 * 1024 });
  app.get('/healthz', async (_req, reply) => {
    const h = await deps.health();
    const { version, commit } = buildInfo();
    reply.code(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'unavailable', ...h.detail, version, commit });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text());
  });
  return app;
}
