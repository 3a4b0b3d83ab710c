// The hardening shared by every page a link in a mail leads to (outbound /c /h /a, download /d,
// quarantine release /q). Their token is in the URL, so: no caching, no Referer, no framing, a
// CSP that allows only inline style and forms posting to ourselves; URL-encoded forms parsed
// (a repeated field becomes an array); a cross-site POST refused (the pages post to themselves).
import type { FastifyInstance } from 'fastify';

export const TOKEN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Registers `routes` in a Fastify scope with the token-page headers, form parser and POST check. */
export async function tokenPageScope(
  app: FastifyInstance,
  options: { bodyLimit: number },
  routes: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: options.bodyLimit },
      (_req, body, done) => {
        done(null, parseForm(body as string));
      },
    );
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header('x-frame-options', 'DENY');
      reply.header('content-security-policy', TOKEN_PAGE_CSP);
      return payload;
    });
    scope.addHook('preHandler', async (req, reply) => {
      if (req.method === 'POST' && req.headers['sec-fetch-site'] === 'cross-site') await reply.code(403).send('cross-site request refused');
    });
    await routes(scope);
  });
}

function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
