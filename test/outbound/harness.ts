// Shared by the outbound end-to-end tests: a whole Sekisho with a real SMTP sink as smart host,
// the acme policy used by every test (rules selected by a keyword in the subject), submitting
// over SMTP, reading notices at the sink and following their links like a browser would.
import PostalMime from 'postal-mime';
import { startInstance, USER, PASSWORD, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { startSink, type Sink, type SunkMessage } from '../helpers/sink.ts';
import { hashPassword } from '../../src/util/password.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

export const POLICY = `version: 1
outbound:
  rules:
    - name: Block secrets
      when: { subject: "BLOCKME" }
      then: [ { block: { reason: "Secrets may not leave the company", notify: true } } ]
    - name: Manual hold
      when: { subject: "HOLDMANUAL" }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Discard hold
      when: { subject: "HOLDDISCARD" }
      then: [ { hold: { minutes: 10, release: discard } } ]
    - name: Two stages
      when: { subject: "TWOSTAGE" }
      then: [ { hold: { minutes: 10, release: manual } }, { hold: { minutes: 5, release: auto } } ]
    - name: Hold then approval
      when: { subject: "HOLDTHENOK" }
      then: [ { hold: { minutes: 10, release: manual } }, { approve: { by: [boss@acme.example], hours: 2, onTimeout: discard } } ]
    - name: Boss approves
      when: { subject: "APPROVE" }
      then: [ { approve: { by: [boss@acme.example], hours: 2, onTimeout: discard } } ]
    - name: Confirm first
      when: { subject: "CONFIRMME" }
      then: [ { confirm: { hours: 1 } } ]
    - name: Mass mail to Bcc
      when: { subject: "BCCME" }
      then: [ { bcc: { notify: true } } ]
    - name: Tag and archive
      when: { subject: "TAGME" }
      then: [ { subjectTag: { tag: "[社外秘]" } }, { addBcc: { to: [archive@acme.example] } } ]
    - name: Manager checks
      when: { subject: "MGRCHECK" }
      then: [ { approve: { by: manager } }, { notify: { to: [privacy@acme.example] } } ]
    - name: Trial hold
      mode: test
      when: { subject: "TRIAL" }
      then: [ { hold: { minutes: 30 } } ]
`;

export interface Harness {
  inst: TestInstance;
  sink: Sink;
  http: string;
  stop(): Promise<void>;
}

export async function startHarness(kind: 'sqlite' | 'postgres'): Promise<Harness> {
  const sink = await startSink();
  const inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 50 });
  const store = inst.sekisho.store;
  await store.createUsers(
    inst.tenantId,
    [{ email: 'boss@acme.example', passwordHash: await hashPassword(PASSWORD), role: 'approver', language: 'en' }],
    'test',
  );
  const applied = await applyPolicy(store, inst.tenantId, POLICY, 'test');
  if (!applied.ok) throw new Error(JSON.stringify(applied.errors));
  return {
    inst,
    sink,
    http: `http://127.0.0.1:${inst.sekisho.ports.http}`,
    async stop() {
      await inst.stop();
      await sink.close();
    },
  };
}

export function mail(subject: string, opts: { to?: string; cc?: string; from?: string; extra?: string } = {}): Buffer {
  return Buffer.from(
    [
      `From: ${opts.from ?? USER}`,
      `To: ${opts.to ?? 'partner@example.net'}`,
      ...(opts.cc ? [`Cc: ${opts.cc}`] : []),
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W/g, '')}@acme.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      `Body of ${subject}. ${opts.extra ?? ''}`,
      '',
    ].join('\r\n'),
  );
}

/** Submits and returns the queue id from the 250 reply. */
export async function submit(h: Harness, raw: Buffer, envelope: { from?: string; to: string[] }, user = USER): Promise<string> {
  const info = await submissionClient(h.inst.sekisho.ports.submission, user).sendMail({
    envelope: { from: envelope.from ?? user, to: envelope.to },
    raw,
  });
  const id = /queued as ([0-9A-Z]{26})/.exec(info.response)?.[1];
  if (!id) throw new Error(`no queue id in ${info.response}`);
  return id;
}

export async function waitState(h: Harness, id: string, state: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await h.inst.sekisho.store.message(id, ALL_TENANTS);
    if (m?.state === state) return;
    if (Date.now() > deadline) throw new Error(`message ${id} is ${m?.state}, expected ${state}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function noticeKind(m: SunkMessage): string | null {
  return /^X-Sekisho-Notice: *(\S+)/im.exec(headerBlock(m.raw))?.[1] ?? null;
}

function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return end === -1 ? text : text.slice(0, end);
}

/** The first notice of `kind` to `to` whose text mentions `marker`, with its decoded text. */
export async function waitNotice(
  h: Harness,
  kind: string,
  marker: string,
  to?: string,
  timeoutMs = 15_000,
): Promise<{ msg: SunkMessage; text: string; html: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const msg of h.sink.messages) {
      if (noticeKind(msg) !== kind) continue;
      if (to && !msg.recipients.includes(to)) continue;
      const parsed = await PostalMime.parse(msg.raw);
      if ((parsed.text ?? '').includes(marker)) return { msg, text: parsed.text ?? '', html: parsed.html ?? '' };
    }
    if (Date.now() > deadline) throw new Error(`no ${kind} notice mentioning ${marker}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Copies of the real message (not notices) at the sink whose bytes contain `marker`. */
export function copies(h: Harness, marker: string): SunkMessage[] {
  return h.sink.messages.filter((m) => noticeKind(m) === null && m.raw.includes(marker));
}

export function linkIn(text: string, kind: 'h' | 'c' | 'a'): string {
  const m = new RegExp(`https?://[^\\s/]+(/${kind}/[A-Za-z0-9_-]+)`).exec(text);
  if (!m) throw new Error(`no /${kind}/ link in notice:\n${text}`);
  return m[1]!;
}

export function formToken(html: string): string {
  const m = /name="formToken" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no form token on the page');
  return m[1]!;
}

export async function post(h: Harness, path: string, fields: Array<[string, string]>): Promise<{ status: number; body: string }> {
  const res = await fetch(h.http + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.text() };
}

export async function get(h: Harness, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(h.http + path, { headers });
  return { status: res.status, body: await res.text() };
}

/** Makes a waiting message due now, as if its hold time had passed. */
export async function expire(h: Harness, id: string): Promise<void> {
  await h.inst.sekisho.store.db
    .updateTable('messages')
    .set({ due_at: Date.now() - 1 })
    .where('id', '=', id)
    .execute();
  h.inst.sekisho.worker.wake();
}

export async function eventTypes(h: Harness, id: string): Promise<string[]> {
  return (await h.inst.sekisho.store.events(id)).map((e) => e.type);
}

export async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
