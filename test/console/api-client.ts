// A tiny API client for the console tests: logs in like the console does (cookie + CSRF token)
// or uses a bearer token, and returns status + JSON (and the text and headers).
export interface Api {
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { csrf?: boolean; headers?: Record<string, string> },
  ): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  csrf: string | null;
}

export async function loginApi(
  base: string,
  email: string,
  password: string,
  totp?: string,
): Promise<Api & { loginStatus: number; loginJson: any }> {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(totp ? { totp } : {}) }),
  });
  const loginJson = await r.json();
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { ...sessionApi(base, cookie, loginJson.csrfToken ?? null), loginStatus: r.status, loginJson };
}

/** Status, the body as JSON (null when it is not), and as text (a CSV export, say). */
async function answer(r: Response) {
  const text = await r.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, text, headers: r.headers };
}

export function sessionApi(base: string, cookie: string, csrf: string | null): Api {
  return {
    csrf,
    async call(method, path, body, opts = {}) {
      const headers: Record<string, string> = { cookie, ...(opts.headers ?? {}) };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (opts.csrf !== false && csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
      const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return answer(r);
    },
  };
}

export function tokenApi(base: string, token: string): Api {
  return {
    csrf: null,
    async call(method, path, body, opts = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(opts.headers ?? {}) };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return answer(r);
    },
  };
}
