// The inbound bench's message mix and the DNS zone that goes with it, built the same on every run
// (a seeded generator; DKIM keys are new per run, their records in the zone). Per 20 messages:
// 7 plain Japanese business mails (4 ISO-2022-JP, 3 UTF-8) from partner companies, 5 HTML
// newsletters with 10–30 links each, 4 mails with a PDF, DOCX, XLSX or ZIP attachment, 2 English
// ham or spam messages from the test fixtures, 2 phish (fixtures, and generated Japanese ones: a
// look-alike brand, a look-alike of the tenant's own domain, CEO fraud). About 45 % carry one or
// two DKIM signatures the zone's keys verify; every sender domain has SPF (some through includes
// and the mx mechanism), most a DMARC record.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { encodeIso2022Jp } from '../src/mime/rewrite/charset-codec.ts';
import type { DnsRecord } from '../test/helpers/dns-server.ts';
import { prng } from '../test/helpers/fuzz-mail.ts';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as {
  dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string; errors: unknown[] }>;
};

export const TENANT_DOMAIN = 'acme-shoji.co.jp';
export const STAFF = [
  { name: '山田 太郎', email: `yamada@${TENANT_DOMAIN}` },
  { name: '鈴木 花子', email: `suzuki@${TENANT_DOMAIN}` },
  { name: '佐藤 一郎', email: `sato@${TENANT_DOMAIN}` },
];
export const EXECUTIVES = ['佐藤 一郎'];
const RECIPIENTS = [...STAFF.map((s) => s.email), `info@${TENANT_DOMAIN}`, `sales@${TENANT_DOMAIN}`];

export interface MixMessage {
  kind: 'jp-plain' | 'newsletter' | 'attachment' | 'english' | 'phish';
  /** the message as the sender's MTA hands it over (CRLF lines), without the trace header the bench adds */
  raw: Buffer;
  mailFrom: string;
  helo: string;
  rcpt: string;
  dkimSigned: boolean;
}

export interface Mix {
  messages: MixMessage[];
  zone: DnsRecord[];
}

/** the addresses the mail comes from: the bench connects from 127.0.0.1, Rspamd is told 192.0.2.x */
const SENDER_IPS = 'ip4:127.0.0.1 ip4:192.0.2.0/24';

interface Partner {
  domain: string;
  company: string;
  person: string;
  local: string;
  spf: 'direct' | 'include' | 'mx';
  dmarc: string | null;
  dkim: boolean;
}
const PARTNERS: Partner[] = [
  {
    domain: 'tanaka-seiki.co.jp',
    company: '田中精機株式会社',
    person: '田中 誠',
    local: 'm.tanaka',
    spf: 'direct',
    dmarc: 'p=none',
    dkim: true,
  },
  {
    domain: 'kyoto-bussan.co.jp',
    company: '京都物産株式会社',
    person: '木村 浩二',
    local: 'kimura',
    spf: 'include',
    dmarc: 'p=quarantine',
    dkim: true,
  },
  { domain: 'hokuto-denki.jp', company: '北斗電機株式会社', person: '高橋 美咲', local: 'takahashi', spf: 'mx', dmarc: null, dkim: false },
  {
    domain: 'minato-logi.co.jp',
    company: 'みなと物流株式会社',
    person: '伊藤 健太',
    local: 'k-ito',
    spf: 'include',
    dmarc: 'p=none',
    dkim: true,
  },
  {
    domain: 'sakura-kensetsu.co.jp',
    company: 'さくら建設株式会社',
    person: '渡辺 直樹',
    local: 'watanabe',
    spf: 'direct',
    dmarc: null,
    dkim: false,
  },
  {
    domain: 'fuji-trading.jp',
    company: '富士トレーディング株式会社',
    person: '中村 由美',
    local: 'nakamura',
    spf: 'include',
    dmarc: 'p=reject',
    dkim: true,
  },
  {
    domain: 'nagoya-kogyo.co.jp',
    company: '名古屋工業株式会社',
    person: '小林 大輔',
    local: 'kobayashi',
    spf: 'mx',
    dmarc: 'p=none',
    dkim: false,
  },
  {
    domain: 'osaka-shoji.com',
    company: '大阪商事株式会社',
    person: '加藤 恵',
    local: 'kato',
    spf: 'direct',
    dmarc: 'p=none; rua=mailto:d@osaka-shoji.com',
    dkim: false,
  },
];
interface Brand {
  domain: string;
  name: string;
  esp: string;
}
const BRANDS: Brand[] = [
  { domain: 'news.shop-example.jp', name: 'ショップ通信', esp: 'esp-mail.example.net' },
  { domain: 'info.travel-example.jp', name: 'トラベル・マガジン', esp: 'esp-mail.example.net' },
  { domain: 'mag.bizmedia-example.jp', name: 'ビジネスメディア週報', esp: 'sendhub.example.com' },
  { domain: 'updates.saas-example.com', name: 'SaaS Example Updates', esp: 'sendhub.example.com' },
];
const CLOUD_SPF = 'spf.cloudmail-example.net';
const ENGLISH_SENDER = 'vendor-example.com';

// ── a seeded generator (the fuzz bench's): the same mix on every run ──────────────────────────
type Rand = ReturnType<typeof prng>;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const between = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const SENTENCES = [
  'いつも大変お世話になっております。',
  '先日はお忙しいところお時間をいただき、誠にありがとうございました。',
  'ご依頼いただきました見積書を添付にてお送りいたしますので、ご査収のほどよろしくお願いいたします。',
  '来週の打ち合わせですが、火曜日の午後二時からでいかがでしょうか。',
  '納期につきましては、当初の予定どおり月末までに納品できる見込みです。',
  '仕様の変更点について、社内で確認のうえ改めてご連絡いたします。',
  'お手数をおかけしますが、ご確認のほどよろしくお願い申し上げます。',
  '請求書の送付先が変更となりましたので、お知らせいたします。',
  '第３四半期の販売実績を取りまとめましたので、共有いたします。',
  '①発注数量、②単価、③納品場所の三点についてご確認ください。',
  '台風の影響により、一部の配送に遅れが生じる可能性がございます。',
  'ご不明な点がございましたら、お気軽にお問い合わせください。',
  '引き続き何卒よろしくお願い申し上げます。',
  '会議室は本社ビル７階の第２会議室を予約しております。',
  '検収書に押印のうえ、ご返送いただけますと幸いです。',
];
const SUBJECTS = [
  'お見積りの件',
  '打ち合わせ日程のご相談',
  '納期についてのご連絡',
  '【ご確認】仕様変更について',
  '請求書送付先変更のお知らせ',
  '第３四半期 販売実績のご報告',
  '発注内容のご確認',
  '配送遅延の可能性について',
  '検収書ご返送のお願い',
  '来月の展示会について',
];

// ── building messages ─────────────────────────────────────────────────────────────────────
const date = (i: number) => new Date(Date.UTC(2026, 10, 2, 1, 0, 0) + i * 61_000).toUTCString().replace('GMT', '+0000');

/** an RFC 2047 encoded word (or several, for long text) in UTF-8 or ISO-2022-JP */
function encodedWords(text: string, charset: 'UTF-8' | 'ISO-2022-JP'): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const chunks = [...text].reduce<string[]>((acc, ch, i) => {
    if (i % 12 === 0) acc.push('');
    acc[acc.length - 1] += ch;
    return acc;
  }, []);
  return chunks
    .map((c) => `=?${charset}?B?${(charset === 'UTF-8' ? Buffer.from(c, 'utf8') : encodeIso2022Jp(c)!).toString('base64')}?=`)
    .join('\r\n ');
}

function address(name: string, email: string, charset: 'UTF-8' | 'ISO-2022-JP' = 'UTF-8'): string {
  return `${encodedWords(name, charset)} <${email}>`;
}

function base64Lines(bytes: Buffer | Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '') + '\r\n';
}

function head(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${k}: ${v}\r\n`).join('');
}

function japaneseBody(r: Rand, p: Partner, sentences: number): string {
  const lines = [`${pick(r, STAFF).name.split(' ')[0]}様`, '', `${p.company}の${p.person.split(' ')[0]}です。`];
  for (let i = 0; i < sentences; i++) lines.push(pick(r, SENTENCES));
  lines.push('', '──────────────────', p.company, `営業部　${p.person}`, 'TEL: 03-1234-5678', `https://www.${p.domain}/`);
  return lines.join('\r\n') + '\r\n';
}

function encodeBody(text: string, charset: 'UTF-8' | 'ISO-2022-JP'): { cte: string; bytes: Buffer } {
  if (charset === 'ISO-2022-JP') {
    // each line ends in ASCII state, as encodeIso2022Jp leaves it
    return {
      cte: '7bit',
      bytes: Buffer.concat(
        text.split('\r\n').map((l, i, a) => Buffer.concat([encodeIso2022Jp(l)!, Buffer.from(i < a.length - 1 ? '\r\n' : '')])),
      ),
    };
  }
  return { cte: 'base64', bytes: Buffer.from(base64Lines(Buffer.from(text, 'utf8')), 'latin1') };
}

function jpPlain(r: Rand, i: number, charset: 'UTF-8' | 'ISO-2022-JP'): { raw: Buffer; p: Partner } {
  const p = pick(r, PARTNERS);
  const rcpt = pick(r, STAFF);
  const body = encodeBody(japaneseBody(r, p, between(r, 4, 30)), charset);
  const h = head([
    ['From', address(p.person, `${p.local}@${p.domain}`, charset)],
    ['To', address(rcpt.name, rcpt.email, charset)],
    ['Subject', encodedWords(pick(r, SUBJECTS), charset)],
    ['Date', date(i)],
    ['Message-ID', `<${i}.${between(r, 1e5, 1e6)}@${p.domain}>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', `text/plain; charset=${charset}`],
    ['Content-Transfer-Encoding', body.cte],
  ]);
  return { raw: Buffer.concat([Buffer.from(h + '\r\n', 'latin1'), body.bytes]), p };
}

function newsletter(r: Rand, i: number): { raw: Buffer; b: Brand } {
  const b = pick(r, BRANDS);
  const org = b.domain.split('.').slice(1).join('.');
  const links = between(r, 10, 30);
  const items: string[] = [];
  const text: string[] = [`${b.name} ${i} 号`, ''];
  for (let k = 0; k < links; k++) {
    const target = `https://www.${org}/items/${between(r, 1000, 99999)}?utm_source=mail&utm_campaign=${i}`;
    const tracked = `https://click.${b.esp}/ls/click?upn=${Buffer.from(`${i}-${k}-${target}`).toString('base64url')}`;
    const title = pick(r, ['新商品のご案内', '期間限定セール', '人気ランキング', '特集記事', 'イベント情報', 'お得なクーポン']);
    items.push(
      `<tr><td style="padding:8px"><img src="https://cdn.${org}/img/${k}.jpg" width="120" alt=""></td>` +
        `<td style="padding:8px"><a href="${tracked}" style="color:#0066cc">${title} ${k + 1}</a><br>${pick(r, SENTENCES)}</td></tr>`,
    );
    text.push(`■ ${title} ${k + 1}`, tracked, '');
  }
  const html =
    `<!DOCTYPE html><html><head><meta charset="UTF-8"><title>${b.name}</title></head><body style="margin:0">` +
    `<table width="600" align="center" cellpadding="0" cellspacing="0"><tr><td><h1>${b.name}</h1></td></tr>${items.join('\n')}` +
    `<tr><td><a href="https://${b.domain}/unsubscribe?u=${i}">配信停止</a> | ` +
    `<a href="https://www.${org}/privacy">プライバシーポリシー</a></td></tr></table></body></html>`;
  const boundary = `----=_Part_${i}_${between(r, 1e6, 1e7)}`;
  const h = head([
    ['From', address(b.name, `news@${b.domain}`)],
    ['To', pick(r, RECIPIENTS)],
    ['Subject', encodedWords(`【${b.name}】今週のおすすめ ${links} 選`, 'UTF-8')],
    ['Date', date(i)],
    ['Message-ID', `<nl.${i}.${between(r, 1e5, 1e6)}@${b.esp}>`],
    ['List-Unsubscribe', `<https://${b.domain}/unsubscribe?u=${i}>`],
    ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ]);
  const body =
    `--${boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    base64Lines(Buffer.from(text.join('\r\n'), 'utf8')) +
    `--${boundary}\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    base64Lines(Buffer.from(html, 'utf8')) +
    `--${boundary}--\r\n`;
  return { raw: Buffer.from(h + '\r\n' + body, 'latin1'), b };
}

const NS = 'http://schemas.openxmlformats.org';
const SML = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
/** a small clean spreadsheet, as Excel writes the parts that matter */
async function xlsx(): Promise<Uint8Array> {
  const zip = new ZipWriter(new BlobWriter('application/zip'));
  const rows = Array.from(
    { length: 40 },
    (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i + 1}</v></c><c r="B${i + 1}"><v>${(i + 1) * 1250}</v></c></row>`,
  ).join('');
  const files: Array<[string, string]> = [
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        `<Types xmlns="${NS}/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/xl/workbook.xml" ContentType="${SML}.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${SML}.worksheet+xml"/>` +
        '</Types>',
    ],
    [
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        `<Relationships xmlns="${NS}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        `<workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships">` +
        '<sheets><sheet name="見積" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
        `<Relationships xmlns="${NS}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/worksheets/sheet1.xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
        `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
        `${rows}</sheetData></worksheet>`,
    ],
  ];
  for (const [name, content] of files) await zip.add(name, new TextReader(content));
  return new Uint8Array(await (await zip.close()).arrayBuffer());
}

async function zipOf(files: Array<[string, Uint8Array]>): Promise<Uint8Array> {
  const zip = new ZipWriter(new BlobWriter('application/zip'));
  for (const [name, bytes] of files) await zip.add(name, new Uint8ArrayReader(bytes));
  return new Uint8Array(await (await zip.close()).arrayBuffer());
}

interface Attachment {
  name: string;
  type: string;
  bytes: Uint8Array;
}

function withAttachment(r: Rand, i: number, a: Attachment): { raw: Buffer; p: Partner } {
  const p = pick(r, PARTNERS);
  const rcpt = pick(r, STAFF);
  const charset = r() < 0.5 ? 'ISO-2022-JP' : 'UTF-8';
  const body = encodeBody(japaneseBody(r, p, between(r, 3, 8)), charset);
  const boundary = `=_att_${i}_${between(r, 1e6, 1e7)}`;
  const h = head([
    ['From', address(p.person, `${p.local}@${p.domain}`, charset)],
    ['To', address(rcpt.name, rcpt.email, charset)],
    ['Subject', encodedWords(`${pick(r, SUBJECTS)}（${a.name}）`, charset)],
    ['Date', date(i)],
    ['Message-ID', `<att.${i}.${between(r, 1e5, 1e6)}@${p.domain}>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', `multipart/mixed; boundary="${boundary}"`],
  ]);
  const name2231 = `UTF-8''${encodeURIComponent(a.name)}`;
  const raw = Buffer.concat([
    Buffer.from(
      `${h}\r\n--${boundary}\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: ${body.cte}\r\n\r\n`,
      'latin1',
    ),
    body.bytes,
    Buffer.from(
      `--${boundary}\r\nContent-Type: ${a.type}; name="${encodedWords(a.name, 'UTF-8')}"\r\n` +
        `Content-Disposition: attachment; filename*=${name2231}\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(a.bytes)}--${boundary}--\r\n`,
      'latin1',
    ),
  ]);
  return { raw, p };
}

function phishJapanese(r: Rand, i: number): { raw: Buffer; from: string } {
  const variant = i % 3;
  if (variant === 0) {
    const html =
      '<p>お客様のアカウントで不審なログインが検出されたため、一時的に利用を停止しました。</p>' +
      '<p>24時間以内に以下のリンクから本人確認を行ってください。</p>' +
      `<p><a href="http://amaz0n-security.jp.verify-login.example.com/ap/signin?id=${i}">https://www.amazon.co.jp/ap/signin</a></p>` +
      '<p><a href="http://203.0.113.5/login.php">こちら</a>からも確認できます。</p>';
    const h = head([
      ['From', address('Amazon.co.jp', 'no-reply@amaz0n-security.jp')],
      ['To', pick(r, RECIPIENTS)],
      ['Subject', encodedWords('【重要】お客様のアカウントが一時停止されました', 'UTF-8')],
      ['Date', date(i)],
      ['Message-ID', `<ph.${i}@amaz0n-security.jp>`],
      ['MIME-Version', '1.0'],
      ['Content-Type', 'text/html; charset=UTF-8'],
      ['Content-Transfer-Encoding', 'base64'],
    ]);
    return { raw: Buffer.from(h + '\r\n' + base64Lines(Buffer.from(html, 'utf8')), 'latin1'), from: 'no-reply@amaz0n-security.jp' };
  }
  if (variant === 1) {
    // a look-alike of the tenant's own domain, with the name of a colleague
    const text =
      '山田です。\r\n至急、以下の取引先への振込をお願いできますか。\r\n口座情報は添付の指示書をご確認ください。\r\nhttps://acme-sh0ji.co.jp.docs-share.example.org/view?id=' +
      i +
      '\r\n';
    const body = encodeBody(text, 'ISO-2022-JP');
    const h = head([
      ['From', address('山田 太郎', 'yamada@acme-sh0ji.co.jp', 'ISO-2022-JP')],
      ['To', address('鈴木 花子', `suzuki@${TENANT_DOMAIN}`, 'ISO-2022-JP')],
      ['Subject', encodedWords('至急：振込のお願い', 'ISO-2022-JP')],
      ['Date', date(i)],
      ['Message-ID', `<ph.${i}@acme-sh0ji.co.jp>`],
      ['MIME-Version', '1.0'],
      ['Content-Type', 'text/plain; charset=ISO-2022-JP'],
      ['Content-Transfer-Encoding', body.cte],
    ]);
    return { raw: Buffer.concat([Buffer.from(h + '\r\n', 'latin1'), body.bytes]), from: 'yamada@acme-sh0ji.co.jp' };
  }
  // CEO fraud: an executive's name on a free-mail address, the reply going elsewhere
  const text =
    'お疲れ様です。佐藤です。\r\n現在会議中のため、メールで失礼します。\r\n極秘の案件で、本日中に対応をお願いしたいことがあります。\r\n携帯の番号を返信で教えてください。\r\n';
  const body = encodeBody(text, 'UTF-8');
  const h = head([
    ['From', address('佐藤 一郎', 'sato.ichiro.office@freemail-example.com')],
    ['Reply-To', 'ceo.sato@another-free-example.net'],
    ['To', address('鈴木 花子', `suzuki@${TENANT_DOMAIN}`)],
    ['Subject', encodedWords('至急のお願い', 'UTF-8')],
    ['Date', date(i)],
    ['Message-ID', `<ph.${i}@freemail-example.com>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=UTF-8'],
    ['Content-Transfer-Encoding', body.cte],
  ]);
  return { raw: Buffer.concat([Buffer.from(h + '\r\n', 'latin1'), body.bytes]), from: 'sato.ichiro.office@freemail-example.com' };
}

const FIXTURES = new URL('../test/fixtures/', import.meta.url);
/** CRLF lines, without an mbox "From " separator line (some corpus files keep it) */
const crlf = (b: Buffer) =>
  Buffer.from(
    b
      .toString('latin1')
      .replace(/^From [^\n]*\n/, '')
      .replace(/\r?\n/g, '\r\n'),
    'latin1',
  );
function fixtureMessages(dirs: string[]): Buffer[] {
  return dirs.flatMap((d) => {
    const dir = new URL(`inbound/${d}/`, FIXTURES);
    return readdirSync(dir)
      .filter((f) => !/SOURCE|LICENSE|NOTICE|bsmtp/.test(f))
      .sort()
      .map((f) => crlf(readFileSync(new URL(f, dir))))
      .filter((b) => b.length < 200_000);
  });
}

// ── signing and the zone ──────────────────────────────────────────────────────────────────
interface SigningKey {
  selector: string;
  privateKey: string;
  record: string;
}
function newKey(selector: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
}

async function sign(raw: Buffer, signers: Array<{ domain: string; key: SigningKey }>): Promise<Buffer> {
  const { signatures, errors } = await dkimSign(raw, {
    signatureData: signers.map((s) => ({ signingDomain: s.domain, selector: s.key.selector, privateKey: s.key.privateKey })),
  });
  if (!signatures || errors.length > 0) throw new Error(`bench mix: DKIM signing failed: ${JSON.stringify(errors)}`);
  return Buffer.concat([Buffer.from(signatures, 'latin1'), raw]);
}

function zoneFor(keys: Map<string, SigningKey>): DnsRecord[] {
  const zone: DnsRecord[] = [
    { name: CLOUD_SPF, type: 'TXT', value: `v=spf1 ${SENDER_IPS} include:_netblocks.${CLOUD_SPF} ~all`, ttl: 3600 },
    { name: `_netblocks.${CLOUD_SPF}`, type: 'TXT', value: 'v=spf1 ip4:198.51.100.0/24 ~all', ttl: 3600 },
    { name: ENGLISH_SENDER, type: 'TXT', value: `v=spf1 ${SENDER_IPS} ~all`, ttl: 3600 },
    { name: 'amaz0n-security.jp', type: 'TXT', value: 'v=spf1 ?all', ttl: 300 },
    { name: 'freemail-example.com', type: 'TXT', value: `v=spf1 ${SENDER_IPS} ~all`, ttl: 3600 },
    { name: '_dmarc.freemail-example.com', type: 'TXT', value: 'v=DMARC1; p=none', ttl: 3600 },
    // acme-sh0ji.co.jp publishes nothing: NXDOMAIN for its SPF and DMARC look-ups
  ];
  for (const p of PARTNERS) {
    const spf =
      p.spf === 'direct' ? `v=spf1 ${SENDER_IPS} -all` : p.spf === 'include' ? `v=spf1 include:${CLOUD_SPF} -all` : 'v=spf1 mx -all';
    zone.push({ name: p.domain, type: 'TXT', value: spf, ttl: 3600 });
    if (p.spf === 'mx') {
      zone.push({ name: p.domain, type: 'MX', value: `mx1.${p.domain}`, preference: 10, ttl: 3600 });
      zone.push({ name: `mx1.${p.domain}`, type: 'A', value: '127.0.0.1', ttl: 3600 });
      zone.push({ name: `mx1.${p.domain}`, type: 'A', value: '192.0.2.25', ttl: 3600 });
    }
    if (p.dmarc) zone.push({ name: `_dmarc.${p.domain}`, type: 'TXT', value: `v=DMARC1; ${p.dmarc}`, ttl: 3600 });
  }
  for (const b of BRANDS) {
    const org = b.domain.split('.').slice(1).join('.');
    zone.push({ name: b.domain, type: 'TXT', value: `v=spf1 include:_spf.${b.esp} -all`, ttl: 3600 });
    zone.push({ name: `_dmarc.${org}`, type: 'TXT', value: 'v=DMARC1; p=none; sp=none', ttl: 3600 });
  }
  for (const esp of new Set(BRANDS.map((b) => b.esp)))
    zone.push({ name: `_spf.${esp}`, type: 'TXT', value: `v=spf1 ${SENDER_IPS} ~all`, ttl: 3600 });
  for (const [domain, key] of keys) zone.push({ name: `${key.selector}._domainkey.${domain}`, type: 'TXT', value: key.record, ttl: 3600 });
  return zone;
}

/** `count` messages in the mix (the bench sends them round and round), with the zone that authenticates them. */
export async function buildMix(count: number): Promise<Mix> {
  const r = prng(23);
  const keys = new Map<string, SigningKey>();
  const keyOf = (domain: string, selector: string) => {
    let k = keys.get(domain);
    if (!k) {
      k = newKey(selector);
      keys.set(domain, k);
    }
    return k;
  };
  const english = fixtureMessages(['ham/spamassassin', 'spam/spamassassin', 'spam/rspamd']);
  const phishFixtures = fixtureMessages(['phishing/rspamd', 'phishing/spamassassin']);
  const pdf = readFileSync(new URL('bench/test.pdf', FIXTURES));
  const docx = readFileSync(new URL('inbound/oletools/harmless-clean.docx', FIXTURES));
  const sheet = await xlsx();
  const attachments: Attachment[] = [
    { name: '御見積書_2026-11.pdf', type: 'application/pdf', bytes: pdf },
    { name: '議事録.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: docx },
    { name: '販売実績_Q3.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes: sheet },
    {
      name: '資料一式.zip',
      type: 'application/zip',
      bytes: await zipOf([
        ['御見積書.pdf', pdf],
        ['仕様書.docx', docx],
        ['数量表.xlsx', sheet],
      ]),
    },
  ];
  const CYCLE: MixMessage['kind'][] = [
    ...Array<MixMessage['kind']>(7).fill('jp-plain'),
    ...Array<MixMessage['kind']>(5).fill('newsletter'),
    ...Array<MixMessage['kind']>(4).fill('attachment'),
    ...Array<MixMessage['kind']>(2).fill('english'),
    ...Array<MixMessage['kind']>(2).fill('phish'),
  ];
  const messages: MixMessage[] = [];
  for (let i = 0; i < count; i++) {
    const kind = CYCLE[i % CYCLE.length]!;
    const slot = Math.floor(i / CYCLE.length);
    let m: MixMessage;
    if (kind === 'jp-plain' || kind === 'attachment') {
      const { raw, p } =
        kind === 'jp-plain'
          ? jpPlain(r, i, i % CYCLE.length < 4 ? 'ISO-2022-JP' : 'UTF-8')
          : withAttachment(r, i, attachments[(i % CYCLE.length) - 12]!);
      const signed = p.dkim ? await sign(raw, [{ domain: p.domain, key: keyOf(p.domain, 'default') }]) : raw;
      m = { kind, raw: signed, mailFrom: `${p.local}@${p.domain}`, helo: `mail.${p.domain}`, rcpt: '', dkimSigned: p.dkim };
    } else if (kind === 'newsletter') {
      const { raw, b } = newsletter(r, i);
      // every newsletter is signed by its brand; half also by the ESP (as SendGrid and others do)
      const signers = [{ domain: b.domain, key: keyOf(b.domain, 's1') }];
      if (r() < 0.5) signers.push({ domain: b.esp, key: keyOf(b.esp, 'esp') });
      m = { kind, raw: await sign(raw, signers), mailFrom: `bounce-${i}@${b.domain}`, helo: `out.${b.esp}`, rcpt: '', dkimSigned: true };
    } else if (kind === 'english') {
      m = {
        kind,
        raw: english[slot % english.length]!,
        mailFrom: `list@${ENGLISH_SENDER}`,
        helo: `mx.${ENGLISH_SENDER}`,
        rcpt: '',
        dkimSigned: false,
      };
    } else if (i % 2 === 0) {
      const { raw, from } = phishJapanese(r, slot);
      m = { kind, raw, mailFrom: from, helo: `mail.${from.split('@')[1]}`, rcpt: '', dkimSigned: false };
    } else {
      m = {
        kind,
        raw: phishFixtures[slot % phishFixtures.length]!,
        mailFrom: 'security@amaz0n-security.jp',
        helo: 'mail.amaz0n-security.jp',
        rcpt: '',
        dkimSigned: false,
      };
    }
    m.rcpt = pick(r, RECIPIENTS);
    messages.push(m);
  }
  return { messages, zone: zoneFor(keys) };
}
