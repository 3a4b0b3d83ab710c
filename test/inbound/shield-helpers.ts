// Test helpers for the inbound shield end to end: send a raw message through the real MX port
// (SMTP line by line, so HELO and envelope are exactly what the test says), and strip the two
// header fields Sekisho adds (Received, Authentication-Results) to compare with what was sent.
import { readFileSync } from 'node:fs';
import { SmtpTalk, type Reply } from '../helpers/smtp-talk.ts';

export const INBOUND_FIXTURES = new URL('../fixtures/inbound/', import.meta.url);

export function crlf(raw: Buffer | string): Buffer {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : Buffer.from(raw, 'utf8').toString('latin1');
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function fixture(path: string): Buffer {
  return crlf(readFileSync(new URL(path, INBOUND_FIXTURES)));
}

export interface SendOptions {
  helo?: string;
  mailFrom: string;
  to: string[];
}

/** Sends `raw` (CRLF lines) over SMTP; returns the reply to the end of DATA. */
export async function sendRaw(port: number, raw: Buffer, o: SendOptions): Promise<Reply> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd(`EHLO ${o.helo ?? 'mail.sender.test'}`);
    const mail = await talk.cmd(`MAIL FROM:<${o.mailFrom}>`);
    if (mail.code !== 250) return mail;
    for (const r of o.to) {
      const rc = await talk.cmd(`RCPT TO:<${r}>`);
      if (rc.code !== 250) return rc;
    }
    const data = await talk.cmd('DATA');
    if (data.code !== 354) return data;
    const body = raw.toString('latin1').replace(/^\./gm, '..');
    talk.write(Buffer.from(body.endsWith('\r\n') ? body : body + '\r\n', 'latin1'));
    const end = await talk.cmd('.');
    await talk.cmd('QUIT').catch(() => null);
    return end;
  } finally {
    talk.close();
  }
}

/** The message minus Sekisho's Received and Authentication-Results header fields (the first two). */
export function withoutSekishoTrace(raw: Buffer): Buffer {
  let text = raw.toString('latin1');
  for (const name of ['Received:', 'Authentication-Results:']) {
    if (!text.startsWith(name)) break;
    const m = /\r\n(?![ \t])/.exec(text);
    text = m ? text.slice(m.index + 2) : text;
  }
  return Buffer.from(text, 'latin1');
}

export function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return end === -1 ? text : text.slice(0, end);
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
