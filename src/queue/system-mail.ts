// Mail that Sekisho itself sends (held/approval/blocked notices, password mails, DSNs, digests):
// composed with nodemailer's MailComposer (UTF-8, RFC 2047 subjects, text + HTML) and put in the
// queue like any other message, so it is durable, retried and audited. It is never run through
// policy (it does not pass the accept stage) and goes out with the null sender, so a notice
// that cannot be delivered is never bounced back (no mail loops).
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Store } from '../store/store.ts';
import { newId } from '../util/id.ts';
import { SYSTEM_SUBMITTER } from '../store/message-search.ts';
import { parseFacts } from '../mime/parse-facts.ts';

export interface NoticeContent {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

export async function composeNotice(n: NoticeContent, hostname: string): Promise<Buffer> {
  const composer = new MailComposer({
    from: n.from,
    to: n.to,
    subject: n.subject,
    text: n.text,
    html: n.html,
    messageId: `<${newId()}@${hostname}>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All', ...(n.headers ?? {}) },
    textEncoding: 'base64',
  });
  return composer.compile().build();
}

export async function enqueueSystemMessage(
  store: Store,
  m: { tenantId: string; to: string[]; raw: Buffer; kind: string; relatedMessageId?: string | null; mailFrom?: string },
): Promise<string> {
  const id = newId();
  const envelope = { mailFrom: m.mailFrom ?? '', recipients: m.to.map((r) => r.toLowerCase()) };
  const facts = await parseFacts(m.raw, envelope, 'outbound');
  await store.insertMessage({
    id,
    tenantId: m.tenantId,
    direction: 'outbound',
    state: 'queued',
    dueAt: Date.now(),
    mailFrom: envelope.mailFrom,
    recipients: envelope.recipients,
    headerFrom: facts.from?.address ?? '',
    subject: facts.subject,
    messageId: facts.messageId,
    size: m.raw.length,
    facts,
    plan: { system: { kind: m.kind, relatedMessageId: m.relatedMessageId ?? null } },
    submittedBy: SYSTEM_SUBMITTER,
    body: m.raw,
    events: [{ actor: 'system', type: 'notice.created', data: { kind: m.kind, relatedMessageId: m.relatedMessageId ?? null } }],
  });
  if (m.relatedMessageId) {
    await store.appendEvent({
      tenantId: m.tenantId,
      messageId: m.relatedMessageId,
      actor: 'system',
      type: 'notice.sent',
      data: { kind: m.kind, noticeId: id, to: envelope.recipients },
    });
  }
  return id;
}
