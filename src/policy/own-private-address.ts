// The `ownPrivateAddress` detector: mail from a user to a free-mail address that is, by its name,
// the user's own (taro.yamada@acme.co.jp → yamada.taro.1985@gmail.com, or a To: display name equal
// to the sender's) — the classic copy of company files to a private mailbox before leaving. It
// needs no rule per person. The free-mail domains are a shipped list the tenant extends in the
// policy (outbound.defaults.freeMailDomains); subdomains count (i.softbank.jp, *.so-net.ne.jp).
import type { AddressFact, MessageFacts } from '../model/facts.ts';
import { isSameOrSubdomain } from '../util/wildcard.ts';
import { asciiDomainOf } from '../util/address.ts';

/** Free-mail and consumer ISP / carrier mail domains common in Japan and worldwide. */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  // Japan: portals, carriers, ISPs
  'yahoo.co.jp',
  'ymail.ne.jp',
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'ymobile.ne.jp',
  'rakuten.jp',
  'outlook.jp',
  'hotmail.co.jp',
  'live.jp',
  'nifty.com',
  'biglobe.ne.jp',
  'so-net.ne.jp',
  'ocn.ne.jp',
  'excite.co.jp',
  'goo.jp',
  // worldwide
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'aol.com',
  'gmx.com',
  'gmx.net',
  'proton.me',
  'protonmail.com',
  'zoho.com',
  'yandex.com',
  'mail.com',
  'qq.com',
  '163.com',
  'naver.com',
];

/** Local parts shared by many people: never taken as a person's name. */
const ROLE_LOCAL_PARTS = new Set(['info', 'admin', 'office', 'sales', 'support', 'contact', 'mail', 'user', 'test', 'staff', 'webmaster']);

export interface OwnPrivateHit {
  recipient: string;
  /** e.g. "local part yamada.taro" or "display name 山田 太郎" */
  why: string;
}

/** Lower-case latin letters of a name, split into words: "Taro.Yamada_85" → ["taro", "yamada"]. */
function nameWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 2);
}

/** A display name folded for comparison: NFKC, lower case, no spaces or dots ("山田　太郎" = "山田太郎"). */
function foldName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s.・,、]/g, '');
}

/** The sender's name as words: the local part's, or failing that the latin display name's. */
function senderWords(sender: AddressFact): string[] {
  const local = sender.address.split('@')[0] ?? '';
  if (ROLE_LOCAL_PARTS.has(local.toLowerCase())) return [];
  const words = nameWords(local);
  return words.length > 0 ? words : nameWords(sender.name);
}

/**
 * The free-mail recipients that look like the sender's own: every word of the sender's name
 * (at least one of three letters or more) appears in the recipient's local part, or the
 * recipient's To/Cc display name equals the sender's display name.
 */
export function ownPrivateAddresses(facts: MessageFacts, extraDomains: readonly string[] = []): OwnPrivateHit[] {
  const sender: AddressFact = facts.from?.address ? facts.from : { address: facts.mailFrom.toLowerCase(), name: '' };
  if (!sender.address) return [];
  const domains = [...FREE_MAIL_DOMAINS, ...extraDomains];
  const isFree = (address: string) => domains.some((d) => isSameOrSubdomain(address, d));
  const words = senderWords(sender);
  const nameUsable = words.some((w) => w.length >= 3);
  const senderName = foldName(sender.name);
  const displayNames = new Map<string, string>();
  for (const a of [...facts.to, ...facts.cc]) if (a.address && a.name) displayNames.set(a.address, foldName(a.name));
  const hits: OwnPrivateHit[] = [];
  for (const r of new Set(facts.recipients.map((x) => x.toLowerCase()))) {
    if (!isFree(r) || asciiDomainOf(r) === asciiDomainOf(sender.address)) continue;
    const local = (r.split('@')[0] ?? '').toLowerCase();
    if (nameUsable && words.every((w) => local.includes(w))) hits.push({ recipient: r, why: `local part ${local} ~ ${words.join('.')}` });
    else if (senderName.length >= 2 && displayNames.get(r) === senderName) hits.push({ recipient: r, why: `display name ${sender.name}` });
  }
  return hits;
}
