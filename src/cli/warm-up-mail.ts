// The synthetic mail of the start's warm-up (warm-up.ts) and the client that sends it: Japanese
// business mail in ISO-2022-JP and UTF-8 and an HTML newsletter with links, about the sizes real
// mail has, so the parsing and policy code sees the shapes it will see. Sent by the raw-socket client
// of warm-up-smtp.ts (the gateway's own delivery client, nodemailer, is warmed by its deliveries).
import { encodeIso2022Jp } from '../mime/rewrite/charset-codec.ts';
import { WarmUpSession } from './warm-up-smtp.ts';

/** The private gateway's tenant domain (.invalid: a name that can never be real, RFC 2606). */
export const WARM_UP_DOMAIN = 'warm-up.invalid';
/** Where the synthetic inbound mail comes from (its SPF and DMARC records: warm-up-dns.ts). */
export const WARM_UP_SENDER_DOMAIN = 'partner.warm-up.invalid';

export type WarmUpDirection = 'outbound' | 'inbound';

interface Addresses {
  from: string;
  to: string;
}

function addressesOf(n: number, direction: WarmUpDirection): Addresses {
  return direction === 'outbound'
    ? { from: `sales${n % 7}@${WARM_UP_DOMAIN}`, to: `customer${n % 13}@example.com` }
    : { from: `partner${n % 5}@${WARM_UP_SENDER_DOMAIN}`, to: `staff${n % 7}@${WARM_UP_DOMAIN}` };
}

const PARAGRAPH_JA =
  'いつもお世話になっております。先日ご依頼いただきました見積書を添付にてお送りいたします。' +
  'ご不明な点がございましたら、お気軽にお問い合わせください。①納期 ②数量 ③お支払い条件をご確認ください。\r\n';

function header(n: number, a: Addresses, subject: string, contentType: string, encoding: string): string {
  return (
    `From: =?UTF-8?B?${Buffer.from('営業部 山田').toString('base64')}?= <${a.from}>\r\n` +
    `To: ${a.to}\r\n` +
    `Subject: ${subject}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    `Message-ID: <warm-up-${n}-${process.pid}@${WARM_UP_DOMAIN}>\r\n` +
    'MIME-Version: 1.0\r\n' +
    `Content-Type: ${contentType}\r\n` +
    `Content-Transfer-Encoding: ${encoding}\r\n\r\n`
  );
}

function iso2022jp(n: number, a: Addresses): Buffer {
  const subject = `=?ISO-2022-JP?B?${encodeIso2022Jp(`お見積りの件（${n}）`)!.toString('base64')}?=`;
  return Buffer.concat([
    Buffer.from(header(n, a, subject, 'text/plain; charset=ISO-2022-JP', '7bit'), 'latin1'),
    encodeIso2022Jp(PARAGRAPH_JA.repeat(12))!,
  ]);
}

function utf8(n: number, a: Addresses): Buffer {
  const subject = `=?UTF-8?B?${Buffer.from(`打ち合わせ日程のご相談 ${n}`).toString('base64')}?=`;
  const body = Buffer.from(PARAGRAPH_JA.repeat(30)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(header(n, a, subject, 'text/plain; charset=UTF-8', 'base64') + body + '\r\n');
}

function newsletter(n: number, a: Addresses): Buffer {
  const boundary = `b-${n}`;
  const links = Array.from(
    { length: 15 },
    (_, i) => `<p><a href="https://news.example.com/item/${n}/${i}?utm_source=mail">記事 ${i}</a></p>`,
  );
  const html = `<html><body><h1>ニュースレター ${n}</h1>${links.join('\r\n')}</body></html>`;
  const text = links.map((_, i) => `記事 ${i}: https://news.example.com/item/${n}/${i}`).join('\r\n');
  const part = (type: string, content: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    `${Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
  return Buffer.from(
    header(n, a, 'Monthly news', `multipart/alternative; boundary="${boundary}"`, '7bit') +
      part('text/plain', text) +
      part('text/html', html) +
      `--${boundary}--\r\n`,
  );
}

const KINDS = [iso2022jp, utf8, newsletter];

/**
 * Sends `count` messages over one connection: outbound mail to the private gateway's submission
 * port (as a trusted client), inbound mail to its MX port.
 */
export async function sendWarmUpMail(port: number, direction: WarmUpDirection, first: number, count: number): Promise<void> {
  const session = await WarmUpSession.open(port, 10_000);
  try {
    for (let n = first; n < first + count; n++) {
      const a = addressesOf(n, direction);
      await session.send(a.from, a.to, KINDS[n % KINDS.length]!(n, a));
    }
  } finally {
    session.quit();
  }
}
