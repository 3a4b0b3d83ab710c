// CAPE sandbox (REST API v2, `Authorization: Token …`): POST {url}/apiv2/tasks/create/file/
// (multipart field `file`) → data.task_ids; GET …/tasks/view/{id}/ → data.status, pending until
// "reported"; GET …/tasks/get/report/{id}/ → malscore (or Cuckoo's info.score), 0–10, and
// signatures. A score at or above `maliciousAt` is malicious; a failed analysis rejects the poll.
import type { Sandbox, SandboxSubmission, SandboxVerdict } from './sandbox-api.ts';
import type { RemoteSandboxOptions } from './http.ts';
import { authHeaders, packTicket, remoteVerdict, requestJson, SandboxHttpError, unpackTicket } from './remote.ts';

interface CapeAnswer<T> {
  error?: boolean;
  error_value?: string;
  data?: T;
}

export class CapeSandbox implements Sandbox {
  readonly name = 'cape';
  constructor(private readonly options: RemoteSandboxOptions & { maliciousAt: number }) {}

  async submit(a: SandboxSubmission): Promise<string> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(a.content)], { type: a.contentType ?? 'application/octet-stream' }),
      a.filename || 'attachment',
    );
    const answer = (await this.call('tasks/create/file/', { method: 'POST', body: form })) as CapeAnswer<{ task_ids?: unknown[] }>;
    const id = answer.data?.task_ids?.[0];
    if (id === undefined || id === null) throw new SandboxHttpError('CAPE created no task');
    return packTicket(String(id), a.filename);
  }

  async poll(ticket: string): Promise<'pending' | SandboxVerdict> {
    const { id, filename } = unpackTicket(ticket);
    const view = (await this.call(`tasks/view/${encodeURIComponent(id)}/`, {})) as CapeAnswer<{ status?: string }>;
    const status = view.data?.status ?? '';
    if (status.startsWith('failed')) throw new SandboxHttpError(`CAPE task ${id}: ${status}`);
    if (status !== 'reported') return 'pending';
    const report = (await this.call(`tasks/get/report/${encodeURIComponent(id)}/`, {})) as {
      malscore?: number;
      info?: { score?: number };
      signatures?: Array<{ name?: string; description?: string }>;
    };
    const score = Number(report.malscore ?? report.info?.score ?? 0) || 0;
    const signatures = (report.signatures ?? []).map((s) => s.description ?? s.name ?? '').filter(Boolean);
    return remoteVerdict(this.name, filename, score >= this.options.maliciousAt, score, signatures);
  }

  private async call(path: string, init: RequestInit): Promise<unknown> {
    const answer = (await requestJson(this.options.url, `apiv2/${path}`, {
      ...init,
      headers: authHeaders('Token', this.options.token),
    })) as CapeAnswer<unknown>;
    if (answer && typeof answer === 'object' && answer.error === true)
      throw new SandboxHttpError(`CAPE ${path.split('/')[0]}: ${String(answer.error_value ?? 'error').slice(0, 200)}`);
    return answer;
  }
}
