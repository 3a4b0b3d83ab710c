// The one way an /api route is declared: its JSON schemas (validated by fastify and published in
// /api/openapi.json), who may call it, and a handler that gets the caller and a tenant-scoped
// store. Authentication (bearer token or session cookie) and CSRF (every mutating request with a
// session cookie must carry the session's X-CSRF-Token header) are enforced here, once.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Config } from '../../config/schema.ts';
import type { Store } from '../../store/store.ts';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { OutboundEnv } from '../../outbound/stage-engine.ts';
import { scopedStore, type ScopedStore } from './scoped-store.ts';
import { ServiceError } from '../../util/service-error.ts';
import { SESSION_COOKIE, sessionPrincipal, tokenPrincipal, type Principal } from '../session/auth.ts';
import { errorSchema, type Schema } from './schema-kit.ts';

export interface ApiDeps {
  store: Store;
  config: Config;
  outbound: OutboundEnv;
  blobs: BlobStore;
  wake: () => void;
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  /** 'public': no login needed (login itself); otherwise the roles allowed (operators always) */
  access: 'public' | 'any' | 'approver' | 'admin';
  schema?: { params?: Schema; querystring?: Schema; body?: Schema; response?: Schema };
  handler: (req: FastifyRequest, ctx: RouteCtx, reply: FastifyReply) => Promise<unknown>;
}

export interface RouteCtx {
  deps: ApiDeps;
  principal: Principal | null;
  /** the caller's tenant-scoped data layer (operators: the tenant named in the request) */
  scoped(): Promise<ScopedStore>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const registry: RouteSpec[] = [];

export function defineRoute(spec: RouteSpec): RouteSpec {
  return spec;
}

async function authenticate(req: FastifyRequest, store: Store): Promise<Principal | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return (await tokenPrincipal(store, auth.slice(7).trim())) ?? null;
  const cookie = req.cookies?.[SESSION_COOKIE];
  if (cookie) return (await sessionPrincipal(store, cookie)) ?? null;
  return null;
}

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * How an error is answered: its status and JSON body (message, and a service error's code and
 * details, src/util/service-error.ts); unknown errors are thrown on.
 */
export function errorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof HttpError) return { status: err.status, body: { error: err.message, ...err.extra } };
  if (err instanceof ServiceError) return { status: err.status, body: { error: err.message, code: err.code, ...err.detail } };
  throw err;
}

export function mount(app: FastifyInstance, deps: ApiDeps, routes: RouteSpec[]): void {
  for (const spec of routes) {
    registry.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      schema: { ...spec.schema, response: undefined },
      handler: async (req, reply) => {
        const principal = await authenticate(req, deps.store);
        if (spec.access !== 'public') {
          if (!principal) return reply.code(401).send({ error: 'login required' });
          // Cookies ride along on cross-site requests; a header an attacker's page cannot set does not.
          if (
            spec.method !== 'GET' &&
            principal.via === 'session' &&
            !sameToken(req.headers['x-csrf-token'] as string | undefined, principal.csrf)
          ) {
            return reply.code(403).send({ error: 'missing or wrong X-CSRF-Token header' });
          }
          const ok =
            principal.role === 'operator' ||
            spec.access === 'any' ||
            (spec.access === 'approver' && (principal.role === 'approver' || principal.role === 'admin')) ||
            (spec.access === 'admin' && principal.role === 'admin');
          if (!ok) return reply.code(403).send({ error: `this needs the ${spec.access} role` });
        }
        const requested =
          (req.headers['x-sekisho-tenant'] as string | undefined) ??
          ((req.query as Record<string, string> | undefined)?.tenant || undefined);
        const ctx: RouteCtx = { deps, principal, scoped: () => scopedStore(deps.store, principal!, requested) };
        try {
          const out = await spec.handler(req, ctx, reply);
          if (reply.sent) return reply;
          return reply.send(out ?? { ok: true });
        } catch (err) {
          const { status, body } = errorBody(err);
          return reply.code(status).send(body);
        }
      },
    });
  }
}

/** OpenAPI 3.1 document from the routes' schemas (default: the mounted ones). */
export function openApiDocument(routes: readonly RouteSpec[] = registry): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  for (const r of routes) {
    const path = r.url.replace(/:([a-zA-Z]+)/g, '{$1}');
    const params: unknown[] = [];
    const p = r.schema?.params as { properties?: Record<string, unknown> } | undefined;
    for (const [name, schema] of Object.entries(p?.properties ?? {})) params.push({ name, in: 'path', required: true, schema });
    const q = r.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
    for (const [name, schema] of Object.entries(q?.properties ?? {})) params.push({ name, in: 'query', required: false, schema });
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      security: r.access === 'public' ? [] : [{ bearer: [] }, { session: [] }],
      'x-sekisho-access': r.access,
      parameters: params,
      ...(r.schema?.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.schema.body } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: r.schema?.response ?? { type: 'object' } } } },
        ...(r.access === 'public'
          ? {}
          : { '401': { description: 'login required', ...error }, '403': { description: 'role or CSRF token missing', ...error } }),
        '4XX': { description: 'bad request, not found, conflict, …', ...error },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sekisho API', version: '1', description: 'Sekisho console and script API. See docs/api.md.' },
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API token from `sekisho token create --user EMAIL`' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'console session; mutating requests also need the X-CSRF-Token header',
        },
      },
    },
    paths,
  };
}

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } };
export const commentBody = { type: 'object', properties: { comment: { type: 'string', maxLength: 2000 } }, additionalProperties: false };
