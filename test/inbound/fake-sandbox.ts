// TEST DOUBLE: a fake detonation sandbox on loopback HTTP, speaking both the generic protocol
// (kind http) and the part of CAPE's REST API v2 Sekisho uses (kind cape). A real CAPE cannot
// run here (it needs a hypervisor and guest images), so this answers from the file name alone:
// "bad" in the name = malicious; "held-…" = pending until release(); "never-…" = always pending.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeSubmission {
  filename: string;
  sha256: string;
  claimedSha256?: string;
}

export interface FakeSandbox {
  url: string;
  submissions: FakeSubmission[];
  /** requests refused for a missing or wrong token */
  refused: number;
  release(): void;
  /** stop listening: connections are refused from now on */
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

export async function startFakeSandbox(token: string): Promise<FakeSandbox> {
  const tasks = new Map<string, string>();
  let released = false;
  const state: FakeSandbox = {
    url: '',
    submissions: [],
    refused: 0,
    release: () => {
      released = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const pending = (name: string) => name.startsWith('never-') || (name.startsWith('held-') && !released);
  const malicious = (name: string) => name.includes('bad');
  const add = (filename: string, content: Buffer, claimedSha256?: string) => {
    const id = String(tasks.size + 1);
    tasks.set(id, filename);
    state.submissions.push({
      filename,
      sha256: createHash('sha256').update(content).digest('hex'),
      ...(claimedSha256 ? { claimedSha256 } : {}),
    });
    return id;
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const cape = path.startsWith('/apiv2/');
    if (req.headers.authorization !== `${cape ? 'Token' : 'Bearer'} ${token}`) {
      state.refused++;
      return json(res, 401, { error: true, error_value: 'authentication required' });
    }
    const raw = await body(req);
    // the task a GET path names, by its id's pattern, or undefined
    const task = (re: RegExp) => {
      const id = req.method === 'GET' ? re.exec(path)?.[1] : undefined;
      return id && tasks.has(id) ? { id, name: tasks.get(id)! } : undefined;
    };
    const result = task(/^\/result\/t%2F(\d+)$/i);
    const view = task(/^\/apiv2\/tasks\/view\/(\d+)\/$/);
    const report = task(/^\/apiv2\/tasks\/get\/report\/(\d+)\/$/);
    if (req.method === 'POST' && path === '/submit') {
      const s = JSON.parse(raw.toString()) as { filename: string; sha256: string; content: string };
      return json(res, 200, { ticket: `t/${add(s.filename, Buffer.from(s.content, 'base64'), s.sha256)}` });
    }
    if (result) {
      if (pending(result.name)) return json(res, 200, { status: 'pending' });
      const bad = malicious(result.name);
      return json(res, 200, {
        status: 'done',
        malicious: bad,
        score: bad ? 9 : 1,
        signatures: bad ? ['ransomware_file_modifications'] : [],
      });
    }
    if (req.method === 'POST' && path === '/apiv2/tasks/create/file/') {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const file = form.get('file') as File;
      return json(res, 200, { error: false, data: { task_ids: [Number(add(file.name, Buffer.from(await file.arrayBuffer())))] } });
    }
    if (view) return json(res, 200, { error: false, data: { id: Number(view.id), status: pending(view.name) ? 'running' : 'reported' } });
    if (report) {
      const bad = malicious(report.name);
      return json(res, 200, {
        info: { id: Number(report.id) },
        malscore: bad ? 8.5 : 0.5,
        signatures: bad ? [{ name: 'ransomware_files', description: 'Creates a large number of encrypted files', severity: 3 }] : [],
      });
    }
    json(res, 404, { error: true, error_value: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
