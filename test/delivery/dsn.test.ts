// DSNs parse back (postal-mime) into the RFC 3464 / RFC 6522 structure, carry both languages,
// keep the original ISO-2022-JP headers byte for byte, and are never sent for a bounce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import PostalMime from 'postal-mime';
import {
  buildDsn,
  headerBlockOf,
  shouldBounce,
  bounceSuppressionReason,
  diagnosticCode,
  encodeWord,
  type DsnInput,
} from '../../src/delivery/dsn.ts';
import { rfc5322Date } from '../../src/util/rfc5322-date.ts';

const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const fixture = (name: string) => crlf(readFileSync(new URL(`../fixtures/delivery/${name}`, import.meta.url)));
const original = fixture('iso-2022-jp-thunderbird.eml');
const postfixBounce = fixture('postfix-bounce.eml');
const originalHeaders = headerBlockOf(original);

const base: DsnInput = {
  kind: 'failure',
  reportingMta: 'gw.sekisho.test',
  to: 'info@jpmobile.jp',
  originalEnvelopeId: 'ENV-42',
  queueId: 'q-0001',
  arrivalDate: new Date('2026-04-01T00:00:00Z'),
  recipients: [
    {
      address: 'info+to@jp.mobile',
      action: 'failed',
      status: '5.1.1',
      diagnostic: diagnosticCode('550 5.1.1 <info+to@jp.mobile>: Recipient address rejected: User unknown in virtual mailbox table'),
      remoteMta: 'mx1.jp.mobile',
      lastAttemptDate: new Date('2026-04-01T00:01:00Z'),
    },
  ],
  original: { headers: originalHeaders, subject: 'タイトルの長い日本語の件名', messageId: '<4D33E819.9060703@jpmobile.jp>' },
  date: new Date('2026-04-01T00:02:00Z'),
  boundary: 'DSN-BOUNDARY',
  messageId: '<dsn1@gw.sekisho.test>',
};

function part(dsn: Buffer, boundary: string, index: number): { headers: string; body: Buffer } {
  const text = dsn.toString('latin1');
  const pieces = text.split(`--${boundary}`);
  const piece = pieces[index + 1]!;
  const split = piece.indexOf('\r\n\r\n');
  return { headers: piece.slice(2, split), body: Buffer.from(piece.slice(split + 4), 'latin1') };
}

test('failure DSN: multipart/report with human, delivery-status and rfc822-headers parts', async () => {
  const dsn = buildDsn(base);
  const parsed = await PostalMime.parse(dsn);
  assert.equal(parsed.subject, '配信できなかったメールのお知らせ / Undelivered Mail Returned to Sender');
  assert.equal(parsed.from?.address, 'MAILER-DAEMON@gw.sekisho.test');
  assert.equal(parsed.to?.[0]?.address, 'info@jpmobile.jp');
  assert.equal(parsed.inReplyTo, '<4D33E819.9060703@jpmobile.jp>');
  const header = (k: string) => parsed.headers.find((h) => h.key === k)?.value ?? '';
  assert.equal(header('auto-submitted'), 'auto-replied');
  assert.match(header('content-type'), /^multipart\/report; report-type=delivery-status;\s+boundary="DSN-BOUNDARY"$/);
  assert.deepEqual(
    parsed.attachments.map((a) => a.mimeType),
    ['message/delivery-status', 'text/rfc822-headers'],
  );

  // human part: polite Japanese first, then English
  const text = parsed.text ?? '';
  assert.ok(
    text.indexOf('お送りいただいたメールを、次の宛先に配信できませんでした。') < text.indexOf('Your message could not be delivered'),
    'Japanese comes before English',
  );
  assert.match(text, /件名: タイトルの長い日本語の件名/);
  assert.match(text, /受付日時: 2026年4月1日\(水\) 09:00/);
  assert.match(text, /理由: 宛先のメールアドレスが存在しません。/);
  assert.match(text, /Reason: {4}The address does not exist\./);
  assert.match(text, /\(550 5\.1\.1 <info\+to@jp\.mobile>: Recipient address rejected/);
  assert.match(text, /ご確認のうえ/);
  assert.match(part(dsn, 'DSN-BOUNDARY', 0).headers, /Content-Transfer-Encoding: base64/);

  // machine part, exactly
  // (postal-mime turns CRLF into LF in attachment content: read the raw part for exact bytes)
  assert.equal(
    part(dsn, 'DSN-BOUNDARY', 1).body.toString('utf8'),
    [
      'Reporting-MTA: dns; gw.sekisho.test',
      'X-Sekisho-Queue-ID: q-0001',
      'Original-Envelope-Id: ENV-42',
      'Arrival-Date: Wed, 1 Apr 2026 00:00:00 +0000',
      '',
      'Final-Recipient: rfc822; info+to@jp.mobile',
      'Action: failed',
      'Status: 5.1.1',
      'Remote-MTA: dns; mx1.jp.mobile',
      'Diagnostic-Code: smtp; 550 5.1.1 <info+to@jp.mobile>: Recipient address',
      ' rejected: User unknown in virtual mailbox table',
      'Last-Attempt-Date: Wed, 1 Apr 2026 00:01:00 +0000',
      '',
      '',
    ].join('\r\n'),
  );

  // original headers: byte for byte, ISO-2022-JP subject included
  const headersPart = part(dsn, 'DSN-BOUNDARY', 2);
  assert.ok(headersPart.body.subarray(0, originalHeaders.length).equals(originalHeaders), 'original headers byte for byte');
  assert.ok(
    headersPart.body.toString('latin1').includes('=?ISO-2022-JP?B?GyRCJT8lJCVIJWskTkQ5JCQlYSE8JWskTj5sOWckTkJQGyhC?='),
    'the ISO-2022-JP subject is kept encoded',
  );
  assert.doesNotMatch(headersPart.headers, /8bit/, 'a 7-bit header block is declared 7-bit');
  assert.ok(dsn.toString('latin1').endsWith('\r\n--DSN-BOUNDARY--\r\n'), 'closing boundary');
  assert.doesNotMatch(dsn.toString('latin1'), /(?<!\r)\n/, 'every line ends in CRLF');
});

test('delay DSN in Japanese only: Action delayed, Will-Retry-Until, no English', async () => {
  const dsn = buildDsn({
    ...base,
    kind: 'delay',
    language: 'ja',
    recipients: [
      {
        address: 'slow@dest.test',
        action: 'delayed',
        status: '4.4.1',
        diagnostic: 'ECONNREFUSED: connect ECONNREFUSED 192.0.2.9:25',
        willRetryUntil: new Date('2026-04-06T00:00:00Z'),
      },
    ],
  });
  const parsed = await PostalMime.parse(dsn);
  assert.equal(parsed.subject, '配信遅延のお知らせ');
  const text = parsed.text ?? '';
  assert.match(text, /まだ配信できていません/);
  assert.match(text, /再送していただく必要はありません/);
  assert.match(text, /再試行の期限: 2026年4月6日\(月\) 09:00/);
  assert.doesNotMatch(text, /[A-Z][a-z]+ message/);
  const status = part(dsn, 'DSN-BOUNDARY', 1).body.toString('utf8');
  assert.match(status, /\r\nAction: delayed\r\nStatus: 4\.4\.1\r\n/);
  assert.match(status, /Diagnostic-Code: X-Sekisho; ECONNREFUSED: connect ECONNREFUSED 192\.0\.2\.9:25\r\n/);
  assert.match(status, /Will-Retry-Until: Mon, 6 Apr 2026 00:00:00 \+0000\r\n/);
  assert.match(parsed.headers.find((h) => h.key === 'content-language')!.value, /^ja$/);
});

test('expired and English-only: several recipients, 8-bit and internationalized fields declared', async () => {
  const dsn = buildDsn({
    ...base,
    language: 'en',
    recipients: [
      { address: 'a@dest.test', action: 'failed', status: '4.4.1', diagnostic: 'smtp; 421 4.4.1 busy', expired: true },
      { address: '山田@例え.jp', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 ユーザー不明' },
    ],
    original: { headers: Buffer.from('Subject: 日本語 raw UTF-8\r\nFrom: a@b\r\n\r\n', 'utf8') },
  });
  const parsed = await PostalMime.parse(dsn);
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.match(parsed.text ?? '', /Gave up after retrying for the maximum time\. The recipient's mail server does not answer\./);
  assert.doesNotMatch(parsed.text ?? '', /お送りいただいた/);
  assert.deepEqual(
    parsed.attachments.map((a) => a.mimeType),
    ['message/global-delivery-status', 'text/rfc822-headers'],
  );
  const status = part(dsn, 'DSN-BOUNDARY', 1).body.toString('utf8');
  assert.match(status, /Final-Recipient: utf-8; 山田@例え\.jp/);
  assert.match(part(dsn, 'DSN-BOUNDARY', 2).headers, /Content-Transfer-Encoding: 8bit/);
  assert.equal(
    part(dsn, 'DSN-BOUNDARY', 2).body.toString('utf8'),
    'Subject: 日本語 raw UTF-8\r\nFrom: a@b\r\n\r\n',
    'headers kept, one CRLF before the closing boundary',
  );
});

test('never bounce a bounce: null sender, delivery reports, Auto-Submitted', () => {
  assert.equal(shouldBounce('info@jpmobile.jp', original), true);
  assert.equal(shouldBounce('', original), false);
  assert.equal(shouldBounce('<>', original), false);
  // a real Postfix DSN, with and without its Auto-Submitted header, even with a sender
  assert.equal(shouldBounce('postmaster@example.jp', postfixBounce), false);
  const withoutAuto = Buffer.from(postfixBounce.toString('latin1').replace(/^Auto-Submitted: .*\r\n/m, ''), 'latin1');
  assert.equal(bounceSuppressionReason('postmaster@example.jp', withoutAuto), 'the message is itself a delivery report');
  assert.equal(
    bounceSuppressionReason('x@y', 'Auto-Submitted: auto-generated\r\nSubject: cron\r\n'),
    'the message is Auto-Submitted: auto-generated',
  );
  assert.equal(shouldBounce('x@y', 'Auto-Submitted: no\r\nSubject: hi\r\n'), true);
  assert.equal(shouldBounce('x@y', 'Content-Type: multipart/report;\r\n report-type="disposition-notification"; boundary=b\r\n'), false);
  assert.equal(shouldBounce('x@y', 'Content-Type: multipart/mixed; boundary=b\r\n\r\nAuto-Submitted: yes (in the body)\r\n'), true);
  // and our own DSNs are recognised as bounces
  assert.equal(shouldBounce('MAILER-DAEMON@gw.sekisho.test', buildDsn(base)), false);
});

test('helpers: diagnosticCode types, RFC 2047 words split on characters, RFC 5322 dates', () => {
  assert.equal(diagnosticCode('550 5.1.1  user\r\n unknown'), 'smtp; 550 5.1.1 user unknown');
  assert.equal(diagnosticCode('ETIMEDOUT: timeout'), 'X-Sekisho; ETIMEDOUT: timeout');
  const words = encodeWord('配信できなかったメールのお知らせ').split(' ');
  assert.ok(
    words.length > 1 && words.every((w) => /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(w) && w.length <= 75),
    'encoded words are well-formed and short',
  );
  const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
  assert.equal(decoded, '配信できなかったメールのお知らせ');
  assert.equal(encodeWord('plain ascii'), 'plain ascii');
  assert.equal(rfc5322Date(new Date('2026-12-05T07:08:09Z')), 'Sat, 5 Dec 2026 07:08:09 +0000');
  assert.throws(() => buildDsn({ ...base, recipients: [] }), /at least one recipient/);
  const injected = buildDsn({
    ...base,
    recipients: [
      { address: 'a@b.test', action: 'failed', status: '5.0.0', diagnostic: 'X-Remote; bad\r\nAction: delivered\nStatus: 2.0.0' },
    ],
  });
  const fields = part(injected, 'DSN-BOUNDARY', 1).body.toString('utf8');
  assert.equal(fields.match(/^Action:/gm)?.length, 1, 'a reply cannot add fields to the report');
  assert.match(fields, /Diagnostic-Code: X-Remote; bad Action: delivered Status: 2\.0\.0\r\n/);
});
