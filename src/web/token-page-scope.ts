// The hardening shared by every page a link in a mail leads to (outbound /c /h /a, download /d,
// quarantine release /q). Their token is in the URL, so: no caching, no Referer, no framing, a
// CSP that allows only inline style, data: pictures (the message view's cid: images) and forms posting to ourselves; URL-encoded
// forms parsed
// (a repeated field becomes an array); a cross-site POST refused (the pages post to themselves).
// With `failures`, every 404 (a token that does not exist) counts against the client, and a client
// over the limit gets 429 before any token is looked up (tokenPageFailures: 30 in 10 minutes).
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.ts';
import { IpThrottle } from '../throttle/ip-throttle.ts';

export const TOKEN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The unknown-token throttle of the /h /c /a /q pages, shared by them (the /d page keeps its own). */
export function tokenPageFailures(store: Store): IpThrottle {
  return new IpThrottle(store, 'token-ip', 30, 10 * 60_000);
}

const THROTTLED_PAGE =
  '<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
  '<title>しばらくお待ちください / Please wait</title></head><body><p>無効なリンクへのアクセスが続いたため、しばらくの間ご利用いただけません。' +
  '10分ほどしてからもう一度お試しください。<br>Too many invalid links were opened from your network. Please try again in about 10 minutes.</p></body></html>';

/** Registers `routes` in a Fastify scope with the token-page headers, form parser and POST check. */
export async function tokenPageScope(
  app: FastifyInstance,
  options: { bodyLimit: number; failures?: IpThrottle },
  routes: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    const throttle = options.failures;
    if (throttle) {
      scope.addHook('onRequest', async (req, reply) => {
        if (throttle.isBlocked(await throttle.failures(req.ip))) {
          await reply.code(429).header('retry-after', '600').type('text/html; charset=utf-8').send(THROTTLED_PAGE);
        }
      });
      // counted before the answer leaves, so the client's next request already sees it
      scope.addHook('onSend', async (req, reply, payload) => {
        if (reply.statusCode === 404) await throttle.recordFailure(req.ip);
        return payload;
      });
    }
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
      // a file download sets its own, stricter policy (sandbox)
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', TOKEN_PAGE_CSP);
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
