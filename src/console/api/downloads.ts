// /api/messages/:id/downloads: web-download files of a message, who downloaded what, and
// withdrawing a file (or all) — the attachment area's services do the work and the audit.
import { defineRoute, idParams, type RouteSpec } from './route.ts';
import { bool, int, list, nullable, object, oneOfStrings, str } from './schema-kit.ts';

const statusSchema = object({
  messageId: str,
  files: list(
    object({
      index: int,
      filename: str,
      size: int,
      sha256: str,
      expiresAt: str,
      withdrawnAt: nullable(str),
      purgedAt: nullable(str),
      state: oneOfStrings(['available', 'expired', 'withdrawn']),
    }),
  ),
  recipients: list(
    object({
      recipient: str,
      count: int,
      lastAt: nullable(str),
      lastIp: nullable(str),
      lastUserAgent: nullable(str),
      maxDownloads: nullable(int),
      passcode: bool,
    }),
  ),
  downloads: list(object({ recipient: str, file: { anyOf: [int, { const: 'all' }] }, at: str, ip: str, userAgent: str })),
});

export const downloadRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/messages/:id/downloads',
    summary: 'Files stored for web download and who downloaded them',
    tag: 'downloads',
    access: 'any',
    schema: { params: idParams, response: statusSchema },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      const s = await scoped.downloadStatus(id);
      return { ...s, recipients: s.recipients.map(({ token: _t, ...r }) => r) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/messages/:id/downloads/withdraw',
    summary: 'Withdraw one file (1-based `file`) or all files; the stored file is deleted',
    tag: 'downloads',
    access: 'any',
    schema: {
      params: idParams,
      body: { type: 'object', properties: { file: { type: 'integer', minimum: 1 } }, additionalProperties: false },
      response: object({ ok: { const: true }, withdrawn: int }),
    },
    async handler(req, ctx) {
      const { id } = req.params as { id: string };
      const scoped = await ctx.scoped();
      const file = (req.body as { file?: number } | undefined)?.file;
      const n = await scoped.withdrawFiles(ctx.deps.blobs, id, file);
      return { ok: true, withdrawn: n };
    },
  }),
];
