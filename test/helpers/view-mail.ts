// Test support: the two mails issue 16 asks every decision screen to show truthfully. A Japanese
// ISO-2022-JP mail whose body carries the CP932 extension ① and whose attachment has an RFC 2231
// Japanese name, and an HTML mail with <script>, an onerror= handler, a remote <img>, a form and an
// inline cid: picture (which must show in the body and not be listed as an attachment).
import { encodeIso2022Jp } from '../../src/mime/rewrite/charset-codec.ts';

export const JA_BODY_LINE = '①の件、ご確認をお願いします。';
export const JA_ATTACHMENT = '見積書①.pdf';
/** The host the HTML mail's remote picture points at: nothing may ever ask it for anything. */
export const REMOTE_IMAGE_HOST = 'tracker.remote-image.example';

const jis = (s: string) => encodeIso2022Jp(s)!.toString('base64');

export interface ViewMailOptions {
  /** prefixed to the subject (the test policies pick rules by a keyword in it) */
  keyword?: string;
  from?: string;
  to?: string;
  cc?: string;
}

export function iso2022jpMail(o: ViewMailOptions = {}): string {
  const { from = 'tanaka@acme.example', to = 'partner@example.net', cc = 'boss@acme.example' } = o;
  const name = encodeURIComponent(JA_ATTACHMENT).replace(/'/g, '%27');
  return [
    `From: =?ISO-2022-JP?B?${jis('田中 太郎')}?= <${from}>`,
    `To: =?ISO-2022-JP?B?${jis('取引先 様')}?= <${to}>`,
    `Cc: ${cc}`,
    `Subject: ${o.keyword ? `${o.keyword} ` : ''}=?ISO-2022-JP?B?${jis('お見積り①について')}?=`,
    'Date: Thu, 03 Dec 2026 10:15:00 +0900',
    'Message-ID: <view-ja@acme.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=ISO-2022-JP',
    'Content-Transfer-Encoding: 7bit',
    '',
    encodeIso2022Jp(`取引先 様\n\n${JA_BODY_LINE}\n`)!.toString('latin1').replace(/\n/g, '\r\n'),
    '--b1',
    `Content-Type: application/pdf; name*=UTF-8''${name}`,
    `Content-Disposition: attachment; filename*=UTF-8''${name}`,
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 test\n').toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

// a 1×1 transparent GIF
const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

export function hostileHtmlMail(o: ViewMailOptions = {}): string {
  const { from = 'tanaka@acme.example', to = 'partner@example.net' } = o;
  const html =
    `<html><head><script>window.__ran = 1; alert('script');</script>` +
    `<style>body{background:url(https://${REMOTE_IMAGE_HOST}/bg.png)}</style></head><body>
<p>請求書のご案内 <b>HTML</b></p>
<img src="https://${REMOTE_IMAGE_HOST}/pixel.gif" alt="remote">
<img src="x" onerror="window.__ran = 2; alert('onerror')">
<img src="cid:logo@acme" alt="logo">
<a href="https://phish.example/login" onclick="window.__ran = 3">ログイン</a>
<form action="https://phish.example/post"><input name="pw"><button>送信</button></form>
<iframe src="https://${REMOTE_IMAGE_HOST}/frame"></iframe>
</body></html>`;
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${o.keyword ? `${o.keyword} ` : ''}HTML mail`,
    'Date: Thu, 03 Dec 2026 10:20:00 +0900',
    'MIME-Version: 1.0',
    'Content-Type: multipart/related; boundary="r1"',
    '',
    '--r1',
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(html).toString('base64'),
    '--r1',
    'Content-Type: image/gif',
    'Content-ID: <logo@acme>',
    'Content-Disposition: inline; filename="logo.gif"',
    'Content-Transfer-Encoding: base64',
    '',
    GIF,
    '--r1--',
    '',
  ].join('\r\n');
}
