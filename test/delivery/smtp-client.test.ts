// smtp-client against real smtp-server sinks on loopback: byte-exact bodies (large ones too), per-recipient
// verdicts for 2xx/4xx/5xx, connection failures, opportunistic and required STARTTLS, pooling,
// and MX fallback from one host to the next.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createSmtpDelivery, parseRelayUrl, relayRequest, classifySmtpError, deliverToTargets } from '../../src/delivery/smtp-client.ts';
import { resolveDeliveryTargets, createResolver } from '../../src/delivery/mx.ts';
import { startSink, selfSignedCertificate, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';

const delivery = createSmtpDelivery({ name: 'gw.sekisho.test', maxConnections: 2 });
let sink: Sink;
before(async () => {
  sink = await startSink();
});
after(async () => {
  await delivery.close();
  await sink.close();
});

function reset() {
  sink.messages.length = 0;
  sink.mailHook = () => null;
  sink.rcptHook = () => null;
  sink.dataHook = () => null;
}

const tricky = Buffer.from(
  [
    'From: 送信者 <sender@acme.test>',
    'To: a@dest.test',
    'Subject: dots',
    'Message-ID: <dots@acme.test>',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    '.starts with a dot',
    '..two dots',
    '.',
    'a lone dot above must not end DATA',
    'middle\r\n.\r\nagain',
    '日本語の本文です。',
    '. ',
    'end',
    '',
  ].join('\r\n'),
  'utf8',
);

test('the body arrives byte for byte: leading dots, a lone "." line, 8-bit text', async () => {
  reset();
  const results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 'sender@acme.test',
    recipients: ['a@dest.test'],
    raw: tricky,
  });
  assert.equal(results.length, 1);
  assert.equal(results[0]!.status, 'delivered');
  assert.equal(results[0]!.code, 250);
  assert.equal(results[0]!.stage, 'done');
  assert.equal(sink.messages.length, 1);
  assert.ok(sink.messages[0]!.raw.equals(tricky), 'the sink got exactly the bytes we sent');
  assert.equal(sink.messages[0]!.mailFrom, 'sender@acme.test');
});

/** `raw` with `line` inserted so that it begins at `offset`, a filler line before it (whole lines only). */
function lineAt(raw: Buffer, offset: number, line: string): Buffer {
  const start = raw.lastIndexOf(0x0a, offset - 3) + 1;
  const filler = `${'y'.repeat(offset - start - 2)}\r\n`;
  return Buffer.concat([raw.subarray(0, start), Buffer.from(filler + line), raw.subarray(start)]);
}

test('a large body, handed over in 64 KB slices, arrives byte for byte: dots and CRLFs on the seams', async () => {
  reset();
  const head = Buffer.from('From: sender@acme.test\r\nTo: a@dest.test\r\nSubject: large\r\n\r\n');
  const lines: string[] = [];
  for (let n = head.length; n < 2 * 1024 * 1024; ) {
    const line = n % 3 === 0 ? '.dot-led\r\n' : 'x'.repeat(n % 97) + '\r\n';
    lines.push(line);
    n += line.length;
  }
  // a line that begins with a dot right at a slice's start, and a CRLF cut between two slices
  const seam = 65_536;
  let raw = lineAt(Buffer.concat([head, Buffer.from(lines.join(''))]), seam, '.seam\r\n');
  raw = lineAt(raw, 3 * seam - 4, 'cut\r\n');
  assert.equal(raw[seam], 0x2e);
  assert.deepEqual([raw[3 * seam - 1], raw[3 * seam]], [0x0d, 0x0a]);
  const results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 'sender@acme.test',
    recipients: ['a@dest.test'],
    raw,
  });
  assert.equal(results[0]!.status, 'delivered');
  assert.ok(sink.messages[0]!.raw.equals(raw), 'the sink got exactly the bytes we sent');
});

test('a null sender goes out as MAIL FROM:<>', async () => {
  reset();
  const results = await delivery.deliver({ host: '127.0.0.1', port: sink.port, mailFrom: '', recipients: ['a@dest.test'], raw: tricky });
  assert.equal(results[0]!.status, 'delivered');
  assert.equal(sink.messages[0]!.mailFrom, '');
});

test('4xx to RCPT defers with the reply code and enhanced code', async () => {
  reset();
  sink.rcptHook = () => ({ code: 450, text: '4.2.1 mailbox busy, try later' });
  const [r] = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['a@dest.test'],
    raw: tricky,
  });
  assert.equal(r!.status, 'deferred');
  assert.equal(r!.code, 450);
  assert.equal(r!.enhanced, '4.2.1');
  assert.equal(r!.stage, 'rcpt');
  assert.match(r!.response, /^450 4\.2\.1 mailbox busy/);
  assert.equal(sink.messages.length, 0);
});

test('5xx to RCPT fails permanently', async () => {
  reset();
  sink.rcptHook = () => ({ code: 550, text: '5.1.1 user unknown' });
  const [r] = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['nobody@dest.test'],
    raw: tricky,
  });
  assert.equal(r!.status, 'failed');
  assert.equal(r!.code, 550);
  assert.equal(r!.enhanced, '5.1.1');
});

test('partial acceptance is reported per recipient and only accepted ones get the message', async () => {
  reset();
  sink.rcptHook = (rcpt) =>
    rcpt.startsWith('bad')
      ? { code: 550, text: '5.1.1 user unknown' }
      : rcpt.startsWith('busy')
        ? { code: 451, text: '4.3.0 try again' }
        : null;
  const results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['ok@dest.test', 'bad@dest.test', 'busy@dest.test', 'OK2@dest.test'],
    raw: tricky,
  });
  assert.deepEqual(
    results.map((r) => [r.recipient, r.status, r.enhanced]),
    [
      ['ok@dest.test', 'delivered', '2.0.0'],
      ['bad@dest.test', 'failed', '5.1.1'],
      ['busy@dest.test', 'deferred', '4.3.0'],
      ['OK2@dest.test', 'delivered', '2.0.0'],
    ],
  );
  assert.deepEqual(sink.messages[0]!.recipients, ['ok@dest.test', 'OK2@dest.test']);
});

test('DATA refused: 4xx defers and 5xx fails every accepted recipient', async () => {
  reset();
  sink.dataHook = () => ({ code: 452, text: '4.3.1 insufficient storage' });
  let results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['a@dest.test', 'b@dest.test'],
    raw: tricky,
  });
  assert.deepEqual(
    results.map((r) => [r.status, r.code, r.stage]),
    [
      ['deferred', 452, 'data'],
      ['deferred', 452, 'data'],
    ],
  );
  sink.dataHook = () => ({ code: 554, text: '5.7.1 message refused' });
  results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['a@dest.test'],
    raw: tricky,
  });
  assert.deepEqual(
    results.map((r) => [r.status, r.enhanced]),
    [['failed', '5.7.1']],
  );
});

test('5xx to MAIL FROM fails every recipient', async () => {
  reset();
  sink.mailHook = () => ({ code: 553, text: '5.7.1 sender not allowed' });
  const results = await delivery.deliver({
    host: '127.0.0.1',
    port: sink.port,
    mailFrom: 's@acme.test',
    recipients: ['a@dest.test', 'b@dest.test'],
    raw: tricky,
  });
  assert.deepEqual(
    results.map((r) => [r.status, r.enhanced, r.stage]),
    [
      ['failed', '5.7.1', 'mail'],
      ['failed', '5.7.1', 'mail'],
    ],
  );
});

test('connection refused defers without a reply code', async () => {
  const port = await closedPort();
  const results = await delivery.deliver({ host: '127.0.0.1', port, mailFrom: 's@acme.test', recipients: ['a@dest.test'], raw: tricky });
  assert.equal(results[0]!.status, 'deferred');
  assert.equal(results[0]!.code, null);
  assert.equal(results[0]!.enhanced, '4.4.1');
  assert.equal(results[0]!.stage, 'connection');
  assert.match(results[0]!.response, /ECONNREFUSED/);
});

test('connections are pooled per destination', async () => {
  reset();
  const before = sink.connections;
  for (let i = 0; i < 3; i++) {
    const [r] = await delivery.deliver({
      host: '127.0.0.1',
      port: sink.port,
      mailFrom: 's@acme.test',
      recipients: [`r${i}@dest.test`],
      raw: tricky,
    });
    assert.equal(r!.status, 'delivered');
  }
  assert.ok(sink.connections - before <= 1, `expected at most one new connection, got ${sink.connections - before}`);
  assert.ok(delivery.openPools().some((k) => k.startsWith(`127.0.0.1:${sink.port}|may`)));
});

test('STARTTLS: opportunistic accepts a self-signed certificate; required verifies it', async () => {
  const cert = selfSignedCertificate('localhost');
  const tlsSink = await startSink({ tls: cert });
  const local = createSmtpDelivery({ name: 'gw.sekisho.test', pool: false });
  try {
    const msg = { mailFrom: 's@acme.test', recipients: ['a@dest.test'], raw: tricky };
    const [opportunistic] = await local.deliver({ host: '127.0.0.1', port: tlsSink.port, ...msg });
    assert.equal(opportunistic!.status, 'delivered');
    assert.equal(tlsSink.messages[0]!.secure, true, 'STARTTLS was used');
    assert.ok(tlsSink.messages[0]!.raw.equals(tricky));

    const [unverified] = await local.deliver({ host: '127.0.0.1', port: tlsSink.port, servername: 'localhost', requireTls: true, ...msg });
    assert.equal(unverified!.status, 'deferred', 'an untrusted certificate defers when TLS is required');
    assert.equal(unverified!.code, null);

    const [verified] = await local.deliver({
      host: '127.0.0.1',
      port: tlsSink.port,
      servername: 'localhost',
      requireTls: true,
      tlsCa: cert.cert,
      ...msg,
    });
    assert.equal(verified!.status, 'delivered', verified!.response);
    assert.equal(tlsSink.messages.length, 2);

    const [required] = await local.deliver({ host: '127.0.0.1', port: sink.port, requireTls: true, ...msg });
    assert.equal(required!.status, 'deferred', required!.response + ' ' + required!.stage);
  } finally {
    await local.close();
    await tlsSink.close();
  }
});

test('MX delivery moves on to the next host when one refuses connections', async () => {
  reset();
  const dns: DnsServer = await startDnsServer([
    { name: 'dest.test', type: 'MX', value: 'mx1.dest.test', preference: 10 },
    { name: 'dest.test', type: 'MX', value: 'mx2.dest.test', preference: 20 },
    // nothing listens on 127.0.0.2: connection refused
    { name: 'mx1.dest.test', type: 'A', value: '127.0.0.2' },
    { name: 'mx2.dest.test', type: 'A', value: '127.0.0.1' },
  ]);
  try {
    const targets = await resolveDeliveryTargets('dest.test', createResolver([dns.address], { timeoutMs: 500, tries: 1 }), {
      mxPort: sink.port,
    });
    assert.deepEqual(
      targets.map((t) => t.host),
      ['mx1.dest.test', 'mx2.dest.test'],
    );
    const results = await deliverToTargets(delivery, targets, { mailFrom: 's@acme.test', recipients: ['a@dest.test'], raw: tricky });
    assert.equal(results[0]!.status, 'delivered');
    assert.equal(results[0]!.remoteMta, 'mx2.dest.test');
    assert.equal(sink.messages.length, 1);

    sink.rcptHook = () => ({ code: 550, text: '5.1.1 no such user' });
    const refused = await deliverToTargets(delivery, targets, { mailFrom: 's@acme.test', recipients: ['x@dest.test'], raw: tricky });
    assert.equal(refused[0]!.status, 'failed', 'a RCPT verdict is final: no next host');
  } finally {
    await dns.close();
  }
});

test('parseRelayUrl: smtp, smtps, credentials, requireTls, errors', () => {
  assert.deepEqual(parseRelayUrl('smtp://relay.example:2525'), { host: 'relay.example', port: 2525, secure: false, requireTls: false });
  assert.deepEqual(parseRelayUrl('smtp://relay.example'), { host: 'relay.example', port: 25, secure: false, requireTls: false });
  assert.deepEqual(parseRelayUrl('smtps://u%40acme:p%3Ass@relay.example'), {
    host: 'relay.example',
    port: 465,
    secure: true,
    requireTls: false,
    auth: { user: 'u@acme', pass: 'p:ss' },
  });
  assert.equal(parseRelayUrl('smtp://relay.example:587?requireTls=true').requireTls, true);
  assert.equal(parseRelayUrl('smtp://[::1]:25').host, '::1');
  assert.deepEqual(relayRequest(parseRelayUrl('smtp://r.example:587?tls=required')), {
    host: 'r.example',
    port: 587,
    secure: false,
    requireTls: true,
    opportunisticTls: false,
    auth: undefined,
  });
  assert.throws(() => parseRelayUrl('http://relay.example'), /not supported/);
  assert.throws(() => parseRelayUrl('relay.example:25'), /not supported|not a URL/);
});

test('classifySmtpError: 552 to RCPT and 503 defer; other 5xx fail', () => {
  assert.equal(
    classifySmtpError('a@b', { responseCode: 552, response: '552 5.2.2 mailbox full', command: 'RCPT TO' }, 'mx').status,
    'deferred',
  );
  assert.equal(classifySmtpError('a@b', { responseCode: 552, response: '552 5.3.4 too big', command: 'DATA' }, 'mx').status, 'failed');
  assert.equal(
    classifySmtpError('a@b', { responseCode: 503, response: '503 5.5.1 bad sequence', command: 'RCPT TO' }, 'mx').status,
    'deferred',
  );
  assert.equal(
    classifySmtpError('a@b', { responseCode: 421, response: '421 4.3.2 shutting down', command: 'CONN' }, 'mx').enhanced,
    '4.3.2',
  );
  assert.equal(classifySmtpError('a@b', { code: 'ETIMEDOUT', message: 'Timeout', command: 'DATA' }, 'mx').enhanced, '4.4.2');
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('classifySmtpError: refusals before MAIL FROM (STARTTLS, AUTH) defer', () => {
  const r = classifySmtpError(
    'a@b',
    { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials', command: 'AUTH PLAIN' },
    'relay',
  );
  assert.deepEqual([r.status, r.stage, r.enhanced], ['deferred', 'connection', '4.7.8']);
});
