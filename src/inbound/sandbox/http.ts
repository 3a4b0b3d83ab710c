// The generic sandbox protocol (docs/inbound.md "External sandbox", kind `http`): POST {url}/submit
// with JSON {filename, contentType, sha256, content (base64)} → {ticket}; GET {url}/result/{ticket}
// → {status: "pending"} or {status: "done", malicious, score (0–10), signatures[]}. Bearer token.
import { createHash } from 'node:crypto';
import type { Sandbox, SandboxSubmission, SandboxVerdict } from './sandbox-api.ts';
import { authHeaders, packTicket, remoteVerdict, requestJson, SandboxHttpError, unpackTicket } from './remote.ts';

export interface RemoteSandboxOptions {
  url: string;
  token?: string;
}

export class HttpSandbox implements Sandbox {
  readonly name = 'http';
  constructor(private readonly options: RemoteSandboxOptions) {}

  async submit(a: SandboxSubmission): Promise<string> {
    const body = {
      filename: a.filename,
      contentType: a.contentType ?? 'application/octet-stream',
      sha256: createHash('sha256').update(a.content).digest('hex'),
      content: Buffer.from(a.content).toString('base64'),
    };
    const answer = (await requestJson(this.options.url, 'submit', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders('Bearer', this.options.token) },
      body: JSON.stringify(body),
    })) as { ticket?: unknown };
    if (typeof answer?.ticket !== 'string' || !answer.ticket) throw new SandboxHttpError('POST /submit answered without a ticket');
    return packTicket(answer.ticket, a.filename);
  }

  async poll(ticket: string): Promise<'pending' | SandboxVerdict> {
    const { id, filename } = unpackTicket(ticket);
    const answer = (await requestJson(this.options.url, `result/${encodeURIComponent(id)}`, {
      headers: authHeaders('Bearer', this.options.token),
    })) as { status?: unknown; malicious?: unknown; score?: unknown; signatures?: unknown };
    if (answer?.status === 'pending') return 'pending';
    if (answer?.status !== 'done' || typeof answer.malicious !== 'boolean')
      throw new SandboxHttpError('GET /result answered neither pending nor a verdict');
    const signatures = Array.isArray(answer.signatures) ? answer.signatures.map(String) : [];
    return remoteVerdict(this.name, filename, answer.malicious, Number(answer.score) || 0, signatures);
  }
}
