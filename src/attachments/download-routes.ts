// The recipient's download page and its actions: GET /d/TOKEN (file list, or the passcode form),
// GET /d/TOKEN/f/N (one file), GET /d/TOKEN/all.zip (every file as one ZIP, streamed), and the
// passcode buttons POST /d/TOKEN/code and /d/TOKEN/verify. A token (found by its hash: the
// database keeps no working link) opens its own message's files and nothing else. Unknown tokens
// and wrong codes count as failures per client IP (throttled); a passcode allows 5 tries, then a
// new code must be requested. A right code gives a signed
// 30-minute cookie valid for that token's path only. GETs only count downloads.
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ZipWriter } from '@zip.js/zip.js';
import type { Store } from '../store/store.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import { composeNotice, enqueueSystemMessage } from '../queue/system-mail.ts';
import { attachmentsDb } from './plan-actions.ts';
import type { DownloadFileTable, DownloadLinkTable } from './tables.ts';
import { renderPage, type PageView } from './download-html.ts';
import { tokenPageScope } from '../web/token-page-scope.ts';
import { IpThrottle } from '../throttle/ip-throttle.ts';
import { hashToken } from '../util/id.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';
import { tenantScope } from '../store/tenant-scope.ts';

export interface DownloadRouteDeps {
  store: Store;
  blobs: BlobStore;
  publicUrl: string;
  hostname: string;
  logger: Logger;
  wake: () => void;
  /** failures per IP before it is refused for the window (default 30 per 10 minutes) */
  failureLimit?: number;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{20,64}$/;
const SESSION_MS = 30 * 60 * 1000;
const CODE_MS = 10 * 60 * 1000;
const CODE_TRIES = 5;
const MAX_CODES = 10;
const CODE_RESEND_MS = 30 * 1000;
const COOKIE = 'sekisho_dl';

type Link = DownloadLinkTable;
type File = DownloadFileTable;
type Access = 'ok' | 'expired' | 'withdrawn' | 'limit';

export function accessOf(link: Link, files: File[], now = Date.now()): Access {
  const live = files.filter((f) => f.withdrawn_at === null);
  if (live.length === 0) return 'withdrawn';
  if (live.every((f) => f.expires_at <= now || f.purged_at !== null)) return 'expired';
  if (link.max_downloads !== null && link.download_count >= link.max_downloads) return 'limit';
  return 'ok';
}

export function fileState(f: File, now = Date.now()): 'available' | 'expired' | 'withdrawn' {
  if (f.withdrawn_at !== null) return 'withdrawn';
  return f.expires_at <= now || f.purged_at !== null ? 'expired' : 'available';
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name; CR/LF and quotes can never get through. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download';
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function registerDownloadRoutes(app: FastifyInstance, deps: DownloadRouteDeps): Promise<void> {
  const db = attachmentsDb(deps.store);
  // unknown tokens and wrong codes, per client IP, counted across every process and node
  const limiter = new IpThrottle(deps.store, 'download-ip', deps.failureLimit ?? 30, 10 * 60 * 1000);
  const prefix = new URL(deps.publicUrl).pathname.replace(/\/+$/, '');
  const secure = deps.publicUrl.startsWith('https:');
  let secret: Buffer | null = null;

  const sessionSecret = async (): Promise<Buffer> => {
    if (secret) return secret;
    // one secret for the whole cluster, so a cookie set by one node is honoured by all; sealed
    // like every secret the database keeps (src/secrets)
    const fresh = deps.store.secrets.seal('download-session-secret', randomBytes(32).toString('base64'));
    await db
      .insertInto('attachment_settings')
      .values({ key: 'download-session-secret', value: fresh })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await db
      .selectFrom('attachment_settings')
      .select('value')
      .where('key', '=', 'download-session-secret')
      .executeTakeFirstOrThrow();
    secret = Buffer.from(deps.store.secrets.open('download-session-secret', row.value), 'base64');
    return secret;
  };
  const sign = async (token: string, exp: number) =>
    createHmac('sha256', await sessionSecret())
      .update(`${token}.${exp}`)
      .digest('base64url');
  const hasSession = async (req: FastifyRequest, token: string): Promise<boolean> => {
    const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(COOKIE + '='));
    const [exp, mac] = (cookie?.slice(COOKIE.length + 1) ?? '').split('.');
    if (!exp || !mac || !/^\d+$/.test(exp) || Number(exp) < Date.now()) return false;
    const want = Buffer.from(await sign(token, Number(exp)));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got);
  };

  const load = async (token: string): Promise<{ link: Link; files: File[] } | null> => {
    if (!TOKEN_RE.test(token)) return null;
    const link = await db.selectFrom('download_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!link) return null;
    const files = await db.selectFrom('download_files').selectAll().where('message_id', '=', link.message_id).orderBy('idx').execute();
    return { link, files };
  };
  const page = (reply: FastifyReply, status: number, view: PageView) =>
    reply.code(status).type('text/html; charset=utf-8').send(renderPage(view));
  const accessPage = (reply: FastifyReply, access: Exclude<Access, 'ok'>) => page(reply, access === 'limit' ? 403 : 410, { kind: access });
  const baseOf = (token: string) => `${prefix}/d/${token}`;

  /** Common gate: throttling, token, access state, passcode session. Returns null when it answered. */
  const gate = async (req: FastifyRequest, reply: FastifyReply, token: string, needSession: boolean) => {
    if (limiter.isBlocked(await limiter.failures(req.ip))) {
      page(reply, 429, { kind: 'throttled' });
      return null;
    }
    const found = await load(token);
    if (!found) {
      await limiter.recordFailure(req.ip);
      page(reply, 404, { kind: 'invalid' });
      return null;
    }
    const access = accessOf(found.link, found.files);
    if (access !== 'ok') {
      accessPage(reply, access);
      return null;
    }
    if (needSession && found.link.passcode === 1 && !(await hasSession(req, token))) {
      reply.code(303).header('location', baseOf(token)).send();
      return null;
    }
    return found;
  };

  const countDownload = async (req: FastifyRequest, link: Link, idx: number): Promise<boolean> => {
    const now = Date.now();
    const ip = req.ip;
    const ua = String(req.headers['user-agent'] ?? '').slice(0, 300);
    let q = db
      .updateTable('download_links')
      .set((eb) => ({ download_count: eb('download_count', '+', 1), last_download_at: now, last_ip: ip, last_user_agent: ua }))
      .where('token_hash', '=', link.token_hash);
    if (link.max_downloads !== null) q = q.where('download_count', '<', link.max_downloads);
    const res = await q.executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await db
      .insertInto('download_events')
      .values({ token_hash: link.token_hash, message_id: link.message_id, idx, at: now, ip, user_agent: ua })
      .execute();
    await deps.store.appendEvent({
      tenantId: link.tenant_id,
      messageId: link.message_id,
      actor: link.recipient,
      type: 'download',
      data: { recipient: link.recipient, file: idx === 0 ? 'all' : idx, ip, userAgent: ua },
    });
    return true;
  };

  return tokenPageScope(app, { bodyLimit: 2048 }, (scope) => {
    scope.get<{ Params: { token: string }; Querystring: { sent?: string } }>('/d/:token', async (req, reply) => {
      const found = await gate(req, reply, req.params.token, false);
      if (!found) return reply;
      const { link, files } = found;
      const base = baseOf(req.params.token);
      if (link.passcode === 1 && !(await hasSession(req, req.params.token))) {
        return page(reply, 200, {
          kind: 'passcode',
          base,
          sent: req.query.sent === '1',
          error: null,
          canSend: link.codes_sent < MAX_CODES,
        });
      }
      const live = files.filter((f) => f.withdrawn_at === null);
      return page(reply, 200, {
        kind: 'files',
        base,
        files: files.map((f) => ({ index: f.idx, filename: f.filename, size: Number(f.size), state: fileState(f) })),
        expiresAt: new Date(Math.max(...live.map((f) => f.expires_at))),
        remaining: link.max_downloads === null ? null : link.max_downloads - link.download_count,
        timeZone: await timeZoneOfTenant(deps.store, link.tenant_id),
      });
    });

    scope.get<{ Params: { token: string; idx: string } }>('/d/:token/f/:idx', async (req, reply) => {
      const found = await gate(req, reply, req.params.token, true);
      if (!found) return reply;
      const file = found.files.find((f) => String(f.idx) === req.params.idx);
      if (!file) return page(reply, 404, { kind: 'invalid' });
      const state = fileState(file);
      if (state !== 'available') return accessPage(reply, state);
      // HEAD (link checkers, mail scanners) answers without counting a download
      if (req.method === 'HEAD')
        return reply.header('content-type', 'application/octet-stream').header('content-length', String(file.size)).send();
      if (!(await countDownload(req, found.link, file.idx))) return accessPage(reply, 'limit');
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', contentDisposition(file.filename))
        .header('content-length', String(file.size))
        .send(deps.blobs.get(file.blob_key));
    });

    scope.get<{ Params: { token: string } }>('/d/:token/all.zip', async (req, reply) => {
      const found = await gate(req, reply, req.params.token, true);
      if (!found) return reply;
      const files = found.files.filter((f) => fileState(f) === 'available');
      if (req.method === 'HEAD') return reply.header('content-type', 'application/zip').send();
      if (!(await countDownload(req, found.link, 0))) return accessPage(reply, 'limit');
      const out = new PassThrough();
      void writeZip(files, deps.blobs, out).catch((err) => {
        deps.logger.error({ err, id: found.link.message_id }, 'download ZIP failed');
        out.destroy(err as Error);
      });
      return reply.header('content-type', 'application/zip').header('content-disposition', contentDisposition('attachments.zip')).send(out);
    });

    scope.post<{ Params: { token: string } }>('/d/:token/code', async (req, reply) => {
      const found = await gate(req, reply, req.params.token, false);
      if (!found) return reply;
      const { link } = found;
      const base = baseOf(req.params.token);
      if (link.passcode !== 1) return reply.code(303).header('location', base).send();
      const now = Date.now();
      if (link.codes_sent >= MAX_CODES || (link.code_sent_at !== null && now - link.code_sent_at < CODE_RESEND_MS)) {
        return reply.code(303).header('location', `${base}?sent=1`).send();
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const claimed = await db
        .updateTable('download_links')
        .set({
          code_hash: codeHash(req.params.token, code),
          code_expires_at: now + CODE_MS,
          code_attempts: 0,
          code_sent_at: now,
          codes_sent: link.codes_sent + 1,
        })
        .where('token_hash', '=', link.token_hash)
        .where('codes_sent', '=', link.codes_sent)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) await mailCode(deps, link, code);
      return reply.code(303).header('location', `${base}?sent=1`).send();
    });

    scope.post<{ Params: { token: string }; Body: { code?: string } }>('/d/:token/verify', async (req, reply) => {
      const found = await gate(req, reply, req.params.token, false);
      if (!found) return reply;
      const { link } = found;
      const base = baseOf(req.params.token);
      if (link.passcode !== 1) return reply.code(303).header('location', base).send();
      const code = String((req.body as { code?: string } | undefined)?.code ?? '').trim();
      const retry = (error: string) =>
        page(reply, 400, { kind: 'passcode', base, sent: false, error, canSend: link.codes_sent < MAX_CODES });
      if (!link.code_hash || link.code_expires_at === null || link.code_expires_at < Date.now()) {
        return retry(
          '確認コードの有効期限が切れたか、まだ送信されていません。もう一度送信してください。 / The code has expired or was not sent yet. Please request a new one.',
        );
      }
      if (link.code_attempts >= CODE_TRIES) {
        return retry('入力回数の上限に達しました。新しい確認コードを送信してください。 / Too many attempts. Please request a new code.');
      }
      const want = Buffer.from(link.code_hash, 'hex');
      const got = Buffer.from(codeHash(req.params.token, code), 'hex');
      if (!/^\d{6,8}$/.test(code) || !timingSafeEqual(want, got)) {
        await limiter.recordFailure(req.ip);
        await db
          .updateTable('download_links')
          .set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
          .where('token_hash', '=', link.token_hash)
          .execute();
        return retry('確認コードが正しくありません。 / The code is not correct.');
      }
      await db
        .updateTable('download_links')
        .set({ code_hash: null, code_expires_at: null, code_attempts: 0 })
        .where('token_hash', '=', link.token_hash)
        .execute();
      await deps.store.appendEvent({
        tenantId: link.tenant_id,
        messageId: link.message_id,
        actor: link.recipient,
        type: 'download.passcode.verified',
        data: { recipient: link.recipient, ip: req.ip },
      });
      const exp = Date.now() + SESSION_MS;
      const attributes = `Path=${base}; Max-Age=${SESSION_MS / 1000}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
      const cookie = `${COOKIE}=${exp}.${await sign(req.params.token, exp)}; ${attributes}`;
      return reply.code(303).header('set-cookie', cookie).header('location', base).send();
    });
  });
}

function codeHash(token: string, code: string): string {
  return createHash('sha256').update(`${token}:${code}`).digest('hex');
}

async function mailCode(deps: DownloadRouteDeps, link: Link, code: string): Promise<void> {
  const m = await deps.store.message(link.message_id, tenantScope(link.tenant_id));
  const subject = m?.subject ?? '';
  const text = [
    'ダウンロードページの確認コードをお知らせします。',
    '',
    `確認コード: ${code}`,
    '',
    `件名: ${subject}`,
    'このコードは10分間有効です。お心当たりのない場合は破棄してください。',
    '',
    'Here is the passcode for the download page.',
    '',
    `Passcode: ${code}`,
    '',
    `Subject: ${subject}`,
    'The code is valid for 10 minutes. If you did not request it, please ignore this message.',
  ].join('\n');
  const raw = await composeNotice(
    {
      from: m?.header_from || m?.mail_from || `postmaster@${deps.hostname}`,
      to: [link.recipient],
      subject: `[確認コード/Passcode] ${subject}`.trim(),
      text,
    },
    deps.hostname,
  );
  await enqueueSystemMessage(deps.store, {
    tenantId: link.tenant_id,
    to: [link.recipient],
    raw,
    kind: 'download-passcode',
    relatedMessageId: link.message_id,
  });
  deps.wake();
}

/** Every available file into one ZIP, streamed from the blob store (stored, not recompressed). */
async function writeZip(files: File[], blobs: BlobStore, out: PassThrough): Promise<void> {
  const writer = new ZipWriter(Writable.toWeb(out), { level: 0, useUnicodeFileNames: true });
  const used = new Set<string>();
  for (const f of files) {
    let name = f.filename.replace(/[\\/]/g, '_') || `file-${f.idx}`;
    const dot = name.lastIndexOf('.');
    for (let n = 2; used.has(name.toLowerCase()); n++)
      name = dot > 0 ? `${f.filename.slice(0, dot)} (${n})${f.filename.slice(dot)}` : `${f.filename} (${n})`;
    used.add(name.toLowerCase());
    await writer.add(name, Readable.toWeb(blobs.get(f.blob_key)) as unknown as ReadableStream);
  }
  await writer.close();
}
