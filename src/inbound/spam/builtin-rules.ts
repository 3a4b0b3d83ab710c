// The built-in scorer's own heuristics on headers and body: GTUBE, missing or doubled headers,
// shouting subjects, spam and phishing phrases (Japanese and English), sextortion and
// advance-fee patterns, HTML-only mail with little text, hidden text, many links, and the
// SPF/DKIM/DMARC results someone else verified. Each rule is small and explains itself.
import type { MessageFacts } from '../../model/facts.ts';
import { domainOf } from '../../util/address.ts';
import { registrableDomain } from '../../util/domain-similarity.ts';
import type { AuthResults, InboundSymbol, TenantContext } from '../../model/verdict.ts';

export const SPAM_SYMBOLS = {
  GTUBE: { score: 1000, description: 'GTUBE anti-spam test string' },
  HDR_MISSING_DATE: { score: 1, description: 'No Date header' },
  HDR_MISSING_MESSAGE_ID: { score: 1.5, description: 'No Message-ID header' },
  HDR_MISSING_FROM: { score: 2, description: 'No From address' },
  HDR_MULTIPLE_FROM: { score: 6, description: 'More than one From header (the reader sees one, filters check another)' },
  HDR_FROM_INVALID: { score: 3, description: 'From address is not a valid mailbox' },
  HDR_RETURN_PATH_MISMATCH: { score: 0.3, description: 'Envelope sender domain differs from the From domain' },
  HDR_SUBJECT_ALL_CAPS: { score: 1.5, description: 'Subject is written in capitals' },
  HDR_SUBJECT_MIWAKU: { score: 3, description: 'Subject carries the 未承諾広告 label of unsolicited advertising' },
  HDR_TO_UNDISCLOSED: { score: 1, description: 'Sent to undisclosed recipients' },
  BODY_SHOUTING: { score: 1, description: 'Many words in capitals and exclamation marks' },
  HDR_OLD_MAILER: { score: 0.5, description: 'X-Mailer of a mail client retired long ago (often forged by bulk tools)' },
  BODY_SPAM_PHRASES: { score: 1, description: 'Phrases typical of spam (per distinct phrase, at most 5)' },
  BODY_PHISHING_PHRASES: { score: 1.5, description: 'Phrases typical of credential phishing (per distinct phrase, at most 4.5)' },
  BODY_ADVANCE_FEE: { score: 3, description: 'Advance-fee fraud wording' },
  BODY_BITCOIN_EXTORTION: { score: 5, description: 'Bitcoin address with payment or threat wording (sextortion)' },
  BODY_EMPTY: { score: 1.5, description: 'No text and no attachments' },
  MIME_HTML_ONLY: { score: 0.5, description: 'HTML only, no plain-text alternative' },
  HTML_LITTLE_TEXT: { score: 1.5, description: 'Large HTML with very little readable text (image spam)' },
  HTML_HIDDEN_TEXT: { score: 2, description: 'Text hidden with zero-size fonts or invisible styles' },
  BODY_MANY_URLS: { score: 1, description: 'Many distinct link targets' },
  AUTH_SPF_FAIL: { score: 3, description: 'SPF fail: the sending server is not allowed for the envelope domain' },
  AUTH_SPF_SOFTFAIL: { score: 1, description: 'SPF softfail' },
  AUTH_SPF_NONE: { score: 0.5, description: 'No SPF record' },
  AUTH_SPF_PASS: { score: -0.2, description: 'SPF pass' },
  AUTH_DKIM_FAIL: { score: 2, description: 'DKIM signature does not verify' },
  AUTH_DKIM_PASS: { score: -0.2, description: 'DKIM signature verifies' },
  AUTH_DMARC_FAIL_REJECT: { score: 6, description: 'DMARC fail; the domain asks to reject' },
  AUTH_DMARC_FAIL_QUARANTINE: { score: 4, description: 'DMARC fail; the domain asks to quarantine' },
  AUTH_DMARC_FAIL: { score: 2, description: 'DMARC fail (policy none)' },
  AUTH_DMARC_PASS: { score: -0.5, description: 'DMARC pass' },
  AUTH_OWN_DOMAIN_SPOOF: { score: 6, description: "From uses the tenant's own domain but fails authentication" },
} as const satisfies Record<string, { score: number; description: string }>;

export type SpamSymbolName = keyof typeof SPAM_SYMBOLS;

function sym(name: SpamSymbolName, detail?: string, score: number = SPAM_SYMBOLS[name].score): InboundSymbol {
  const s: InboundSymbol = { name, score, description: SPAM_SYMBOLS[name].description };
  if (detail !== undefined) s.detail = detail;
  return s;
}

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const SPAM_PHRASES: RegExp[] = [
  /\bclick here\b/i,
  /\b100% (?:free|natural|guaranteed|satisfied)\b/i,
  /\brisk[- ]free\b/i,
  /\bact now\b/i,
  /\blimited time (?:offer|only)\b/i,
  /\b(?:viagra|cialis|levitra|xanax|valium)\b/i,
  /\bwork (?:from|at) home\b/i,
  /\bmake (?:big )?money\b/i,
  /\bno credit check\b/i,
  /\bdouble your (?:income|money)\b/i,
  /\blose weight\b/i,
  /\byou(?:'ve| have) been selected\b/i,
  /\bthis is not (?:a )?spam\b/i,
  /\bremoved? (?:you )?from (?:our|this) (?:mailing )?list\b/i,
  /\bfree (?:gift|trial|offer|access|money)\b/i,
  /\bdear friend\b/i,
  /\bno obligation\b/i,
  /\border now\b/i,
  /\bspecial promotion\b/i,
  /\bonce in a lifetime\b/i,
  /\bget paid\b/i,
  /\bearn \$?\d/i,
  /\bcash bonus\b/i,
  /\bmillions? (?:of )?(?:dollars|e-?mail addresses)\b/i,
  /\bcasino\b/i,
  /\bmlm\b/i,
  /\bmeet (?:hot|sexy) (?:singles|women)\b/i,
  /\b(?:cheap|discount) (?:meds|pills|software|rolex)\b/i,
  /\binvestment opportunity\b/i,
  /\bweight loss\b/i,
  /\bapply (?:now|online)\b/i,
  /\bcall (?:now|today)\b/i,
  /\bmoney[- ]back guarantee\b/i,
  /\bwinner\b/i,
  /\bto be removed\b/i,
  /\bmake money fast\b/i,
  /\b(?:dream vacation|obscene amounts of money)\b/i,
  /\bspecially selected\b/i,
  /\bcomfort of (?:your|their) (?:own )?home\b/i,
  /\bfree shipping\b/i,
  /\bretail value\b/i,
  /\bspecial (?:low )?price\b/i,
  /\bno (?:dr-?script|prescription) (?:required|needed)\b/i,
  /\b(?:medz|meds|pharmacy|rx)\b.{0,40}\b(?:discount|cheap|dizcount\w*)\b|\bdizcou?n+t\b/i,
  /\bgenerating a fortune\b/i,
  /\bopportunity like this\b/i,
  /\bunsubscribe below\b/i,
  /未承諾広告/,
  /完全無料/,
  /今すぐ(?:クリック|登録|アクセス)/,
  /副業/,
  /高収入/,
  /(?:簡単に|誰でも|確実に)稼げ/,
  /稼げる/,
  /当選(?:しました|おめでとう|のお知らせ)/,
  /出会い(?:系|を探)/,
  /人妻/,
  /セフレ/,
  /(?:即日|無審査)(?:融資|借り入れ)/,
  /必ず儲かる/,
  /元本保証/,
  /配当金(?:を|が)受け取/,
  /限定(?:公開|オファー)/,
  /ワンクリック/,
];

const PHISHING_PHRASES: RegExp[] = [
  /\bverify your (?:account|identity|email|information)\b/i,
  /\b(?:account|mailbox) (?:has been|was|will be) (?:suspended|compromised|locked|limited|disabled|closed|deactivated)\b/i,
  /\bconfirm your (?:identity|password|account|billing)\b/i,
  /\bupdate your (?:payment|billing|account) (?:information|details|method)\b/i,
  /\bunusual (?:sign-in|login|activity)\b/i,
  /\byour password (?:will )?(?:expire|has expired)/i,
  /\bmailbox (?:is )?(?:full|over ?quota)\b/i,
  /\bsecurity alert\b/i,
  /\burgent(?:ly)?:? (?:action|verify|response)/i,
  /アカウント(?:が|を|の)?(?:一時)?(?:停止|凍結|制限|ロック|無効)/,
  /(?:ご)?本人(?:様)?確認/,
  /お支払い(?:方法|情報)(?:を|の)?(?:更新|確認)/,
  /不正(?:な)?(?:ログイン|アクセス|利用)/,
  /セキュリティ(?:上の理由|警告|強化)/,
  /パスワード(?:の)?有効期限/,
  /(?:お荷物|荷物)を?(?:お届け|配達)できませんでした/,
  /不在のため持ち帰り/,
  /利用(?:を)?(?:停止|制限)(?:しました|いたしました|されています)/,
  /(?:24|48|72)時間以内に/,
  /ログインして(?:ご)?確認/,
];

const ADVANCE_FEE: RegExp[] = [
  /\bnext of kin\b/i,
  /\bbeneficiary\b/i,
  /\b(?:atm|visa) card\b/i,
  /\bconsignment\b/i,
  /\b(?:usd|us\$|\$) ?\d{1,3}(?:[,.]\d{3}){2,}/i,
  /\b\d+(?:\.\d+)? million (?:us )?(?:dollars|usd|euros?)\b/i,
  /\bstrictly confidential\b/i,
  /\bforeign (?:partner|account)\b/i,
  /\bdeceased\b/i,
  /\binheritance\b/i,
  /\bbarrister\b/i,
  /\bwestern union\b/i,
];

const BITCOIN_ADDRESS = /\b(?:bc1[a-z0-9]{25,59}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b/;
/** Text made invisible: zero font size, display:none or visibility:hidden around real text, <font size=0>. */
const HIDDEN_TEXT = new RegExp(
  String.raw`font-size\s*:\s*0(?:\.\d+)?(?:px|pt|em|%)?\s*[;"'}]|display\s*:\s*none[^>]{0,500}>[^<]{20}|` +
    String.raw`visibility\s*:\s*hidden[^>]{0,500}>[^<]{20}|<font[^>]{1,500}size\s*=\s*["']?0\b`,
  'i',
);
const EXTORTION = new RegExp(
  String.raw`\b(?:bitcoin|btc|wallet|payment|pay|transfer)\b[\s\S]{0,400}` +
    String.raw`\b(?:video|recording|webcam|hacked|password|contacts|friends|family|48 hours|deadline)\b|` +
    String.raw`\b(?:video|recording|webcam|hacked)\b[\s\S]{0,400}\b(?:bitcoin|btc)\b|ビットコイン`,
  'i',
);

function header(facts: MessageFacts, key: string): string[] {
  return facts.headers.filter((h) => h.key === key).map((h) => h.value);
}

function countMatches(text: string, patterns: readonly RegExp[]): string[] {
  const hits: string[] = [];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) hits.push(m[0]);
  }
  return hits;
}

export function headerSymbols(facts: MessageFacts): InboundSymbol[] {
  const out: InboundSymbol[] = [];
  if (header(facts, 'date').length === 0) out.push(sym('HDR_MISSING_DATE'));
  if (!facts.messageId) out.push(sym('HDR_MISSING_MESSAGE_ID'));
  const froms = header(facts, 'from');
  if (froms.length > 1) out.push(sym('HDR_MULTIPLE_FROM', froms.join(' | ').slice(0, 200)));
  if (!facts.from?.address) out.push(sym('HDR_MISSING_FROM'));
  // internationalised (EAI) addresses are valid: only structure is checked
  else if (!/^[^\s@,:;<>]+@[^\s@,:;<>.]+(?:\.[^\s@,:;<>.]+)+$/u.test(facts.from.address))
    out.push(sym('HDR_FROM_INVALID', facts.from.address));
  const fromDomain = facts.from ? domainOf(facts.from.address) : '';
  const envelopeDomain = domainOf(facts.mailFrom);
  if (fromDomain && envelopeDomain && registrableDomain(fromDomain) !== registrableDomain(envelopeDomain)) {
    out.push(sym('HDR_RETURN_PATH_MISMATCH', `${envelopeDomain} vs ${fromDomain}`));
  }
  const letters = facts.subject.replace(/[^A-Za-z]/g, '');
  if (letters.length >= 10 && letters === letters.toUpperCase()) out.push(sym('HDR_SUBJECT_ALL_CAPS', facts.subject));
  if (/未承諾広告/.test(facts.subject)) out.push(sym('HDR_SUBJECT_MIWAKU', facts.subject));
  if (header(facts, 'to').some((v) => /undisclosed[- ]recipients/i.test(v))) out.push(sym('HDR_TO_UNDISCLOSED'));
  const mailer = header(facts, 'x-mailer')[0] ?? '';
  if (/Outlook Express [456]\.|Microsoft Outlook (?:IMO|8\.5|CWS)|The Bat! \(v[12]\./i.test(mailer))
    out.push(sym('HDR_OLD_MAILER', mailer));
  return out;
}

/** Body heuristics. `plainPart` says whether the message had a text/plain part of its own. */
export function bodySymbols(facts: MessageFacts, rawText: string, attachmentCount: number, distinctLinkHosts: number): InboundSymbol[] {
  const out: InboundSymbol[] = [];
  const text = `${facts.subject}\n${facts.text}`;
  if (rawText.includes(GTUBE) || text.includes(GTUBE)) out.push(sym('GTUBE'));
  const spam = countMatches(text, SPAM_PHRASES);
  if (spam.length > 0)
    out.push(sym('BODY_SPAM_PHRASES', spam.slice(0, 5).join(', '), Math.min(5, spam.length * SPAM_SYMBOLS.BODY_SPAM_PHRASES.score)));
  const phish = countMatches(text, PHISHING_PHRASES);
  if (phish.length > 0)
    out.push(
      sym('BODY_PHISHING_PHRASES', phish.slice(0, 3).join(', '), Math.min(4.5, phish.length * SPAM_SYMBOLS.BODY_PHISHING_PHRASES.score)),
    );
  const caps = (facts.text.match(/\b[A-Z]{4,}\b/g) ?? []).length;
  const bangs = (facts.text.match(/!{2,}|![ \t]*$/gm) ?? []).length;
  if (caps >= 8 && bangs >= 3) out.push(sym('BODY_SHOUTING', `${caps} words in capitals, ${bangs} exclamations`));
  const fee = countMatches(text, ADVANCE_FEE);
  if (fee.length >= 2) out.push(sym('BODY_ADVANCE_FEE', fee.slice(0, 4).join(', ')));
  const btc = BITCOIN_ADDRESS.exec(facts.text);
  if (btc && EXTORTION.test(facts.text)) out.push(sym('BODY_BITCOIN_EXTORTION', btc[0]));
  if (!facts.text.trim() && !facts.html && attachmentCount === 0) out.push(sym('BODY_EMPTY'));
  if (facts.html) {
    if (!/content-type:\s*text\/plain/i.test(rawText) && /content-type:\s*text\/html/i.test(rawText)) out.push(sym('MIME_HTML_ONLY'));
    const readable = facts.text.replace(/\s+/g, '').length;
    if (facts.html.length > 2000 && readable < 100)
      out.push(sym('HTML_LITTLE_TEXT', `${readable} characters of text in ${facts.html.length} of HTML`));
    const hidden = HIDDEN_TEXT.exec(facts.html);
    if (hidden) out.push(sym('HTML_HIDDEN_TEXT', hidden[0].slice(0, 60)));
  }
  if (distinctLinkHosts >= 15) out.push(sym('BODY_MANY_URLS', `${distinctLinkHosts} hosts`, distinctLinkHosts >= 40 ? 2 : 1));
  return out;
}

export function authSymbols(auth: AuthResults | undefined, facts: MessageFacts, tenant: TenantContext): InboundSymbol[] {
  if (!auth) return [];
  const out: InboundSymbol[] = [];
  if (auth.spf === 'fail') out.push(sym('AUTH_SPF_FAIL'));
  else if (auth.spf === 'softfail') out.push(sym('AUTH_SPF_SOFTFAIL'));
  else if (auth.spf === 'none') out.push(sym('AUTH_SPF_NONE'));
  else if (auth.spf === 'pass') out.push(sym('AUTH_SPF_PASS'));
  if (auth.dkim === 'fail') out.push(sym('AUTH_DKIM_FAIL'));
  else if (auth.dkim === 'pass') out.push(sym('AUTH_DKIM_PASS'));
  if (auth.dmarc === 'fail') {
    const policy = auth.dmarcPolicy ?? 'none';
    out.push(
      sym(
        policy === 'reject' ? 'AUTH_DMARC_FAIL_REJECT' : policy === 'quarantine' ? 'AUTH_DMARC_FAIL_QUARANTINE' : 'AUTH_DMARC_FAIL',
        `p=${policy}`,
      ),
    );
  } else if (auth.dmarc === 'pass') out.push(sym('AUTH_DMARC_PASS'));
  const fromDomain = facts.from ? domainOf(facts.from.address) : '';
  const own = fromDomain && tenant.domains.some((d) => fromDomain === d || fromDomain.endsWith(`.${d}`));
  const failed = auth.dmarc === 'fail' || (auth.dmarc !== 'pass' && auth.spf === 'fail' && auth.dkim !== 'pass');
  if (own && failed) out.push(sym('AUTH_OWN_DOMAIN_SPOOF', fromDomain));
  return out;
}
