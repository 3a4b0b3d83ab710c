// What the external sandbox adapters (http.ts, cape.ts) share: one HTTP request with a 10 s
// timeout whose errors name the method, path and status but never the token; tickets that carry
// the file name (the interface polls by ticket alone); and one mapping of a sandbox's judgement
// onto the spam scale: malicious adds SANDBOX_MALICIOUS (10, quarantine), clean adds nothing.
import type { SandboxVerdict } from './sandbox-api.ts';

/** Every request to a sandbox gives up after this long (the whole request, body included). */
export const REQUEST_TIMEOUT_MS = 10_000;

export class SandboxHttpError extends Error {}

/** Sends one request and returns its JSON body; a non-2xx answer, a timeout or a refused
 *  connection rejects with a message that names the request (never its headers). */
export async function requestJson(base: string, path: string, init: RequestInit): Promise<unknown> {
  const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new SandboxHttpError(`${init.method ?? 'GET'} ${url.pathname}: ${cause}`);
  }
  const text = await res.text();
  if (!res.ok) throw new SandboxHttpError(`${init.method ?? 'GET'} ${url.pathname} answered ${res.status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SandboxHttpError(`${init.method ?? 'GET'} ${url.pathname} answered with something other than JSON`);
  }
}

/** A ticket holds the sandbox's own id and the file name: "<id, URI-encoded> <filename>". */
export function packTicket(id: string, filename: string): string {
  return `${encodeURIComponent(id)} ${filename}`;
}

export function unpackTicket(ticket: string): { id: string; filename: string } {
  const at = ticket.indexOf(' ');
  if (at < 1) throw new SandboxHttpError(`not a sandbox ticket: ${ticket.slice(0, 40)}`);
  return { id: decodeURIComponent(ticket.slice(0, at)), filename: ticket.slice(at + 1) };
}

/** The sandbox's judgement as a verdict on the spam scale. `score` is the sandbox's own (0–10). */
export function remoteVerdict(
  sandbox: string,
  filename: string,
  malicious: boolean,
  score: number,
  signatures: readonly string[],
): SandboxVerdict {
  const shown = signatures.slice(0, 10).join(', ');
  return {
    sandbox,
    filename,
    malicious,
    score: malicious ? 10 : 0,
    symbols: malicious
      ? [
          {
            name: 'SANDBOX_MALICIOUS',
            score: 10,
            description: `the ${sandbox} sandbox judged the file malicious (score ${score}/10)`,
            detail: shown ? `${filename}: ${shown}` : filename,
          },
        ]
      : [],
  };
}

export function authHeaders(scheme: 'Bearer' | 'Token', token: string | undefined): Record<string, string> {
  return token ? { authorization: `${scheme} ${token}` } : {};
}
