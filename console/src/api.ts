// The console's API client: openapi-fetch over the types generated from /api/openapi.json
// (api-types.ts), so every path, parameter and answer is typed. Calls go with the session cookie;
// every change carries the CSRF token the server gave at login (GET /api/auth/me returns it again
// after a reload), and an operator's calls name the tenant chosen in the URL.
import createClient from 'openapi-fetch';
import type { components, paths } from './api-types.ts';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['Error'];

/** The JSON answer of `GET path` (status 200). */
export type GetAnswer<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;

let csrf: string | null = null;
let tenant: string | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

/** Operators: the tenant every following call acts in (null for everyone else). */
export function setTenant(name: string | null): void {
  tenant = name;
}

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

client.use({
  onRequest({ request }) {
    request.headers.set('accept', 'application/json');
    if (request.method !== 'GET' && csrf) request.headers.set('x-csrf-token', csrf);
    if (tenant) request.headers.set('x-sekisho-tenant', tenant);
    return request;
  },
});

/** A failed call: HTTP status (0: no answer) and the server's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.error ?? `HTTP ${status}`);
  }
  get code(): string | undefined {
    return this.body?.code;
  }
}

function errorBodyOf(error: unknown): ErrorBody | null {
  if (error && typeof error === 'object' && 'error' in error && typeof error.error === 'string') return error as ErrorBody;
  return null;
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/** The data of a successful call; an ApiError otherwise (network failures: status 0). */
export async function ok<D>(call: Promise<Answer<D>>): Promise<D> {
  let r: Answer<D>;
  try {
    r = await call;
  } catch {
    throw new ApiError(0, null);
  }
  if (!r.response.ok || r.data === undefined) throw new ApiError(r.response.status, errorBodyOf(r.error));
  return r.data;
}
