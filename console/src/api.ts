// Calls /api with the session cookie; every change carries the CSRF token the server gave at
// login (GET /api/auth/me returns it again after a reload).
let csrf: string | null = null;
let tenant: string | null = null;

export function setCsrf(token: string | null) {
  csrf = token;
}
export function setTenant(t: string | null) {
  tenant = t;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: any,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  if (tenant) headers['x-sekisho-tenant'] = tenant;
  const r = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const json = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, json?.error ?? `HTTP ${r.status}`, json);
  return json as T;
}
