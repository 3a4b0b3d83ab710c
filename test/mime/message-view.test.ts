// The one message view (src/mime/message-view.ts) from raw bytes: Shift_JIS and EUC-JP bodies
// and quoted-printable decode; text over 200 KB is cut and says so; a message over
// INLINE_PARSE_BYTES goes through the analysis worker pool and gives the same view as on this
// thread; the sanitizer keeps formatting and drops what could run or fetch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { sanitizeMailHtml, VIEW_TEXT_CHARS, viewHere, viewOf } from '../../src/mime/message-view.ts';
import { INLINE_PARSE_BYTES } from '../../src/mime/parse-facts.ts';
import { iso2022jpMail, JA_BODY_LINE } from '../helpers/view-mail.ts';

const envelope = { mailFrom: 'a@acme.example', recipients: ['b@example.net'] };

function textMail(charset: string, body: Buffer, cte = '8bit'): Buffer {
  const head =
    `From: a@acme.example\r\nTo: b@example.net\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: ` +
    `text/plain; charset=${charset}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body, Buffer.from('\r\n')]);
}

describe('message view', () => {
  it('decodes Shift_JIS (CP932) and EUC-JP bodies, and quoted-printable UTF-8', async () => {
    const line = '①髙橋様、ご確認ください。';
    const sjis = await viewHere(textMail('Shift_JIS', iconv.encode(line, 'cp932')), envelope, 'outbound', []);
    assert.equal(sjis.text.trim(), line);
    const euc = await viewHere(textMail('EUC-JP', iconv.encode('日本語のメール', 'euc-jp')), envelope, 'outbound', []);
    assert.equal(euc.text.trim(), '日本語のメール');
    const qp = Buffer.from('=E6=97=A5=E6=9C=AC=E8=AA=9E');
    assert.equal((await viewHere(textMail('UTF-8', qp, 'quoted-printable'), envelope, 'outbound', [])).text.trim(), '日本語');
  });

  it('cuts text over 200 KB and says so', async () => {
    const v = await viewOf(textMail('UTF-8', Buffer.from('あ'.repeat(VIEW_TEXT_CHARS + 5000))), envelope, 'outbound', []);
    assert.equal(v.text.length, VIEW_TEXT_CHARS);
    assert.equal(v.truncated, true);
  });

  it('gives the same view from the worker pool as on this thread', async () => {
    const padded = iso2022jpMail().replace('\r\n\r\n--b1\r\n', `\r\nX-Pad: ${'p'.repeat(INLINE_PARSE_BYTES)}\r\n\r\n--b1\r\n`);
    const raw = Buffer.from(padded, 'latin1');
    assert.ok(raw.byteLength > INLINE_PARSE_BYTES);
    const here = await viewHere(raw, envelope, 'outbound', []);
    const pooled = await viewOf(raw, envelope, 'outbound', []);
    assert.deepEqual(pooled, here);
    assert.ok(pooled.text.includes(JA_BODY_LINE));
  });

  it('sanitizes: formatting stays; scripts, handlers, remote pictures, CSS urls and links do not', () => {
    const out = sanitizeMailHtml(
      '<p style="color:red;background:url(https://x.example/a.png)">赤<b>太字</b></p><table border="1"><tr><td ' +
        'bgcolor="#eee">セル</td></tr></table>' +
        '<img src="https://x.example/p.gif" onload="x()"><a href="javascript:alert(1)">a</a><svg><script>x()</script>' +
        '</svg><object data="x"></object>',
    );
    assert.match(out, /<p style="color:red">赤<b>太字<\/b><\/p>/);
    assert.match(out, /<td bgcolor="#eee">セル<\/td>/);
    for (const bad of [/x\.example/, /onload/, /javascript/, /<svg/, /<script/, /<object/, /url\(/]) assert.doesNotMatch(out, bad);
  });

  it('falls back to the text when the HTML is empty once sanitized', async () => {
    const raw = Buffer.from(
      'From: a@acme.example\r\nTo: b@example.net\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: ' +
        'multipart/alternative; boundary=x\r\n\r\n' +
        '--x\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n本文です\r\n--x\r\nContent-Type: text/html; ' +
        'charset=UTF-8\r\n\r\n<script>alert(1)</script>\r\n--x--\r\n',
    );
    const v = await viewHere(raw, envelope, 'outbound', []);
    assert.equal(v.html, null);
    assert.equal(v.text.trim(), '本文です');
  });
});
