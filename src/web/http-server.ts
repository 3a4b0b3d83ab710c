// The HTTP server (fastify): /healthz for load balancers and `npm start` users (with the version
// and the commit it was built from), /metrics for Prometheus (only to metricsAllow networks or
// with the metricsToken bearer token: it names tenants and their volumes). The console, /api and
// the download/confirmation pages register here too. With an https publicUrl every answer carries HSTS.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics/metrics.ts';
import { inNetworks } from '../util/cidr.ts';
import { buildInfo } from '../util/version.ts';

/** one year: browsers then refuse plain HTTP to this host (the gateway's own name only, no subdomains) */
const HSTS = 'max-age=31536000';

export interface HttpDeps {
  metrics: Metrics;
  /** who may read /metrics: these networks, or anyone with the token */
  metricsAccess: { allow: BlockList; token?: string };
  publicUrl: string;
  /** CIDRs of load balancers whose X-Forwarded-* headers are believed (Fastify trustProxy); none = no one's */
  trustedProxies?: string[];
  /** ok: the database answers and every listener is up (else 503); degraded: a content engine
   *  does not answer (still 200: mail is accepted, scans fall back to the safe verdict) */
  health: () => Promise<{ ok: boolean; degraded?: boolean; detail: Record<string, unknown> }>;
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  // X-Forwarded-For / -Proto / -Host are believed only from the trustedProxies, so a client cannot
  // pick the address its login failures and download attempts are counted under
  const trustProxy = deps.trustedProxies && deps.trustedProxies.length > 0 ? deps.trustedProxies : false;
  const app = Fastify({ logger: false, trustProxy, bodyLimit: 10 * 1024 * 1024 });
  if (deps.publicUrl.startsWith('https:')) {
    app.addHook('onSend', async (_req, reply, payload) => {
      reply.header('strict-transport-security', HSTS);
      return payload;
    });
  }
  const mayReadMetrics = metricsGate(deps.metricsAccess);
  app.get('/healthz', async (_req, reply) => {
    const h = await deps.health();
    const { version, commit } = buildInfo();
    const status = !h.ok ? 'unavailable' : h.degraded ? 'degraded' : 'ok';
    reply.code(h.ok ? 200 : 503).send({ status, ...h.detail, version, commit });
  });
  app.get('/metrics', async (req, reply) => {
    if (!mayReadMetrics(req)) {
      return reply
        .code(403)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'metrics are served to metricsAllow networks or with the metricsToken' });
    }
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text());
  });
  return app;
}

function metricsGate(access: HttpDeps['metricsAccess']): (req: FastifyRequest) => boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const want = access.token ? digest(access.token) : null;
  return (req) => {
    if (inNetworks(access.allow, req.socket.remoteAddress ?? '')) return true;
    const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    return want !== null && m !== null && timingSafeEqual(digest(m[1]!), want);
  };
}
