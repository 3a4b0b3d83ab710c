// The console feature module (listed in main.ts): the JSON API under /api (src/console/api) and the
// React console (console/, built into console/dist by `npm ci`) under /console/, in one
// encapsulated fastify scope with its own cookie parser and security headers.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { ModuleFactory } from '../pipeline/pipeline.ts';
import { outboundEnv } from '../outbound/outbound-module.ts';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import { registerApi } from './api/index.ts';
import { registerResetPage } from './reset-page.ts';

export const CONSOLE_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../console/dist');

// React renders text escaped; the CSP is the second wall: no inline script, nothing from elsewhere.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const consoleModule: ModuleFactory = (ctx) => ({
  name: 'console',
  async registerHttp(app) {
    // the reset link's page has the token pages' own, stricter headers: outside the console scope
    await registerResetPage(app, ctx.store);
    await app.register(async (scope) => {
      await scope.register(fastifyCookie);
      scope.addHook('onSend', async (req, reply, payload) => {
        reply.header('X-Content-Type-Options', 'nosniff');
        reply.header('Referrer-Policy', 'same-origin');
        if (req.url.startsWith('/api/')) reply.header('Cache-Control', 'no-store');
        else {
          reply.header('Content-Security-Policy', CSP);
          reply.header('X-Frame-Options', 'DENY');
        }
        return payload;
      });
      registerApi(scope, {
        store: ctx.store,
        config: ctx.config,
        outbound: outboundEnv(ctx),
        blobs: blobStoreFor(ctx.config, ctx.store),
        wake: ctx.wake,
      });
      scope.get('/', async (_req, reply) => reply.redirect('/console/'));
      if (existsSync(join(CONSOLE_DIST, 'index.html'))) {
        await scope.register(fastifyStatic, { root: CONSOLE_DIST, prefix: '/console/', wildcard: false, index: ['index.html'] });
        // client-side routes (/console/admin/…) get the app shell
        scope.get('/console/*', async (_req, reply) => reply.type('text/html').sendFile('index.html'));
      } else {
        scope.get('/console/*', async (_req, reply) =>
          reply.type('text/plain').send('The console is not built: run `npm run build:console`.'),
        );
      }
    });
  },
});
