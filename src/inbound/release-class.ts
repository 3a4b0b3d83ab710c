// Why a message is in quarantine, as a class that decides who may release it, derived from the
// verdict symbols stored in plan.inbound (so mail quarantined before this existed is classed too).
// Only `spam` (a score, nothing worse) may be released by its recipient, where the tenant allows
// self-release; malware, dangerous attachments, phishing and mail that could not be inspected are
// released by an admin only. reasonLabel is the one place the class becomes words (ja and en).
import type { Lang } from '../util/lang.ts';
import type { InboundPlanState } from '../plan/inbound.ts';
import { UNINSPECTED_SYMBOLS, type InboundSymbol } from '../model/verdict.ts';

export type ReleaseClass = 'spam' | 'malware' | 'dangerousAttachment' | 'phishing' | 'unparseable';

export const RELEASE_CLASSES: readonly ReleaseClass[] = ['spam', 'malware', 'dangerousAttachment', 'phishing', 'unparseable'];

/** A virus scanner (ClamAV, Rspamd's antivirus), a signature (EICAR) or a sandbox found malware. */
const MALWARE = new Set(['VIRUS_FOUND', 'ATTACH_EICAR', 'SANDBOX_MALICIOUS']);
const RSPAMD_ANTIVIRUS = /^RSPAMD_(CLAM|.*VIRUS)/;

/**
 * Attachments that run code when opened or hide what they are: executables and scripts (also when
 * found by name inside an archive, encrypted or not), installers and disk images, macros, disguised
 * names (請求書.pdf.exe, U+202E), a PDF that launches a program, an archive bomb. A password-protected
 * archive of documents alone is not here: it is everyday business mail in Japan.
 */
const DANGEROUS_ATTACHMENT = new Set([
  'ATTACH_EXECUTABLE',
  'ATTACH_SCRIPT',
  'ATTACH_SHORTCUT',
  'ATTACH_INSTALLER',
  'ATTACH_DISK_IMAGE',
  'ATTACH_DISGUISED_EXECUTABLE',
  'ATTACH_DOUBLE_EXTENSION',
  'ATTACH_RTLO',
  'ATTACH_OFFICE_MACRO',
  'ATTACH_OFFICE_MACRO_AUTOEXEC',
  'ATTACH_OFFICE_MACRO_SUSPICIOUS',
  'ATTACH_EXCEL4_MACRO',
  'ATTACH_OFFICE_REMOTE_TEMPLATE',
  'ATTACH_PDF_LAUNCH',
  'ATTACH_ZIP_BOMB',
]);

/** Impersonation of a person, brand or the tenant's own domain, deceptive links, DMARC failure. */
const PHISHING = new Set([
  'PHISH_BRAND_IMPERSONATION',
  'PHISH_IMPERSONATION_PAYLOAD',
  'PHISH_EXECUTIVE_IMPERSONATION',
  'PHISH_STAFF_IMPERSONATION',
  'PHISH_DISPLAY_NAME_ADDRESS',
  'PHISH_LOOKALIKE_DOMAIN',
  'PHISH_BRAND_LOOKALIKE_DOMAIN',
  'PHISH_PUNYCODE_SENDER',
  'PHISH_LINK_TEXT_MISMATCH',
  'PHISH_LOOKALIKE_LINK',
  'PHISH_PUNYCODE_LINK',
  'PHISH_CREDENTIAL_URL',
  'PHISH_URL_USERINFO',
  'AUTH_OWN_DOMAIN_SPOOF',
  'AUTH_DMARC_FAIL',
  'AUTH_DMARC_FAIL_QUARANTINE',
  'AUTH_DMARC_FAIL_REJECT',
]);

/**
 * The class of quarantined mail, the most dangerous evidence first. A symbol counts when it
 * weighed against the message (score > 0), except the uninspected markers, which carry no score.
 */
export function releaseClassOf(
  state: Partial<Pick<InboundPlanState, 'symbols' | 'adminOnly' | 'policy'>> | null | undefined,
): ReleaseClass {
  const symbols: readonly InboundSymbol[] = state?.symbols ?? [];
  const has = (test: (name: string) => boolean, scored = true) => symbols.some((s) => test(s.name) && (!scored || s.score > 0));
  if (state?.adminOnly || has((n) => UNINSPECTED_SYMBOLS.includes(n), false)) return 'unparseable';
  if (has((n) => MALWARE.has(n) || RSPAMD_ANTIVIRUS.test(n))) return 'malware';
  if (has((n) => DANGEROUS_ATTACHMENT.has(n))) return 'dangerousAttachment';
  // the sender's domain asked for failing mail to be quarantined (its DMARC policy), or the
  // impersonation default decided
  if (has((n) => PHISHING.has(n)) || state?.policy?.decidedBy?.source === 'dmarc' || state?.policy?.decidedBy?.source === 'impersonation')
    return 'phishing';
  return 'spam';
}

/** What the label is made of: the class, the score and, for mail a policy rule quarantined, the rule. */
export interface ReasonInput {
  releaseClass: ReleaseClass;
  score: number | null;
  /** the tenant's rule that quarantined it, when a rule did (and nothing worse was found) */
  rule?: string | null;
}

/** The reason input of a stored verdict. */
export function reasonInputOf(
  state: Partial<Pick<InboundPlanState, 'symbols' | 'adminOnly' | 'policy' | 'score'>> | null | undefined,
): ReasonInput {
  const decided = state?.policy?.decidedBy;
  return {
    releaseClass: releaseClassOf(state),
    score: typeof state?.score === 'number' ? state.score : null,
    rule: decided?.source === 'rule' && decided.rule ? decided.rule : null,
  };
}

/** Whether the recipient may release it themselves (when the tenant allows self-release at all). */
export function selfReleasable(cls: ReleaseClass): boolean {
  return cls === 'spam';
}

export type { Lang };

/** Why it was quarantined, in words: ウイルス検出 / Virus detected, 迷惑メール スコア 12.3 / Spam score 12.3. */
export function reasonLabel(input: ReasonInput, lang: Lang): string {
  const { releaseClass: cls, score, rule } = input;
  switch (cls) {
    case 'malware':
      return lang === 'ja' ? 'ウイルス検出' : 'Virus detected';
    case 'dangerousAttachment':
      return lang === 'ja' ? '危険な添付ファイル' : 'Dangerous attachment';
    case 'phishing':
      return lang === 'ja' ? 'なりすまし' : 'Impersonation';
    case 'unparseable':
      return lang === 'ja' ? '内容を検査できないメール' : 'Content could not be inspected';
    case 'spam': {
      if (rule) return lang === 'ja' ? `ポリシーのルール「${rule}」` : `Policy rule "${rule}"`;
      if (score === null) return lang === 'ja' ? '迷惑メール' : 'Spam';
      const shown = (Math.round(score * 10) / 10).toFixed(1);
      return lang === 'ja' ? `迷惑メール スコア ${shown}` : `Spam score ${shown}`;
    }
  }
}

/** Both languages at once, for lists the viewer's language is chosen for later (the console). */
export function reasonLabels(input: ReasonInput): { ja: string; en: string } {
  return { ja: reasonLabel(input, 'ja'), en: reasonLabel(input, 'en') };
}

/** What a recipient is told when they try to release admin-only mail themselves. */
export function adminOnlyMessage(cls: ReleaseClass, lang: Lang): string {
  const why = reasonLabel({ releaseClass: cls, score: null }, lang);
  return lang === 'ja'
    ? `このメールは「${why}」のため隔離されており、管理者のみが隔離解除できます。必要な場合は「解除を依頼」で管理者に依頼してください。`
    : `This message was quarantined for "${why}": only an administrator can release it. If you need it, use "Ask an admin to release".`;
}
