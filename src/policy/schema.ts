// The tenant policy file (YAML, `version: 1`) as a zod schema: outbound rules and defaults,
// per-user overrides, inbound spam thresholds and rules. Unknown keys are errors; every optional
// parameter gets its documented default here, so evaluation never guesses. docs/policy.md is
// the admin-facing twin of this file: change both together.
import { z } from 'zod';
import { RE2JS } from 're2js';
import { addressPatternError } from '../util/wildcard.ts';

// ---------------------------------------------------------------- building blocks

/** One string or a list of strings; always a list after parsing. */
function stringList(check: (s: string) => string | null, what: string, errorCode: 'addressPattern' | 'regex' | 'invalid') {
  return z
    .union([z.string(), z.array(z.string())], { error: `expected ${what} (a string or a list of strings)` })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .superRefine((list, ctx) => {
      if (list.length === 0)
        ctx.addIssue({ code: 'custom', message: `expected at least one ${what}`, params: { code: 'tooSmall', minimum: 1, of: 'array' } });
      list.forEach((s, i) => {
        const problem = check(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [i], params: { code: errorCode, value: s } });
      });
    });
}

export const addressPatterns = stringList(addressPatternError, 'address pattern', 'addressPattern');

export const fileNamePatterns = stringList((s) => (s.trim() === '' ? 'empty file name pattern' : null), 'file name pattern', 'invalid');

/** Why a regex cannot be used by the linear-time engine, or null. */
export function regexError(source: string): string | null {
  try {
    RE2JS.compile(source.normalize('NFKC'), RE2JS.CASE_INSENSITIVE);
    return null;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return `invalid regular expression "${source}": ${detail} (back-references and look-around are not supported)`;
  }
}

export const regexList = stringList(regexError, 'regular expression', 'regex');

const exactAddress = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => /^[^\s@*]+@[^\s@*]+\.[^\s@*]+$/.test(s), {
    error: 'expected an e-mail address (no wildcards)',
    params: { code: 'emailAddress' },
  });

/** A domain name as written in a list of domains: no @, no wildcard (subdomains count anyway). */
const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => /^[^\s@*]+\.[^\s@*]+$/.test(s) && !s.startsWith('.'), {
    error: 'expected a domain such as group.example (no @ or *; its subdomains count too)',
    params: { code: 'invalid' },
  });

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Bytes, as a number or "10MB"/"512 KB" (1024-based). */
export const byteSize = z.union([
  z.number().int().nonnegative(),
  z.string().transform((s, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*$/i.exec(s);
    if (!m) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a size like 1048576, "512KB" or "10MB", got "${s}"`,
        params: { code: 'size', value: s },
      });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  }),
]);

/** Params of an action where every field is optional: `- bcc:` (YAML null) means "all defaults". */
function params<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? {} : v), schema);
}

const language = z.enum(['ja', 'en', 'both']);

/** Which recipients an action rewrites the copy for: those outside the tenant's internal domains, or everyone. */
const applyTo = z.enum(['external', 'all']);
export type ApplyTo = z.output<typeof applyTo>;

// ---------------------------------------------------------------- outbound actions

export const MAX_HOLD_MINUTES = 4320;

const holdMinutes = z
  .number({ error: 'hold minutes must be a whole number' })
  .int({ error: 'hold minutes must be a whole number' })
  .min(1, { error: `hold minutes must be between 1 and ${MAX_HOLD_MINUTES} (72 hours)` })
  .max(MAX_HOLD_MINUTES, { error: `hold minutes must be between 1 and ${MAX_HOLD_MINUTES} (72 hours)` });

export const holdParams = z.strictObject({
  /** how long the message waits (保留時間), 1 minute to 72 hours */
  minutes: holdMinutes.default(5),
  /** after the hold: deliver (auto), wait for the sender to release (manual), or discard */
  release: z.enum(['auto', 'manual', 'discard']).default('auto'),
});

export const confirmParams = z.strictObject({
  /** how long the confirmation page waits for the sender */
  hours: z.number().int().min(1).max(72).default(24),
  /** what happens when the sender never confirms */
  onTimeout: z.enum(['deliver', 'discard']).default('discard'),
  /** all (default): the sender ticks every recipient; external: only the external ones, and mail only to internal ones skips the stage */
  applyTo: applyTo.default('all'),
});

export const approveParams = z.strictObject({
  /** the sender's manager (from the user record) or a list of approvers (any one decides) */
  by: z
    .union([z.literal('manager'), z.array(exactAddress).min(1)], {
      error: 'expected "manager" or a list of approver addresses',
    })
    .default('manager'),
  hours: z.number().int().min(1).max(720).default(24),
  onTimeout: z.enum(['deliver', 'discard']).default('discard'),
});

export const bccParams = z.strictObject({
  /** tell the sender that To/Cc were turned into Bcc */
  notify: z.boolean().default(false),
  /** only when To+Cc hold at least this many addresses (unset: always when the rule matches) */
  countAtLeast: z.number().int().min(1).optional(),
  /** all (default): every recipient's copy hides To/Cc; external: internal recipients keep them */
  applyTo: applyTo.default('all'),
});

export const blockParams = z.strictObject({
  /** send the sender a notice mail as well as the SMTP refusal */
  notify: z.boolean().default(true),
  /** shown to the sender in the SMTP reply and the notice */
  reason: z
    .string({ error: 'block needs a reason (shown to the sender)' })
    .trim()
    .min(1, { error: 'block needs a reason (shown to the sender)' }),
});

export const zipEncryptParams = z.strictObject({
  /** aes256 opens in 7-Zip and modern archivers; zipcrypto also in Windows Explorer (weak) */
  method: z.enum(['aes256', 'zipcrypto']).default('aes256'),
  /** who receives the password notice (パスワード通知メール) */
  passwordTo: z.enum(['sender', 'recipients']).default('sender'),
  /** file names inside the ZIP: UTF-8 (flagged) or CP932 for old Japanese Windows */
  filenameCharset: z.enum(['utf8', 'cp932']).default('utf8'),
  /** external (default): internal recipients keep the original attachments; all: everyone gets the ZIP */
  applyTo: applyTo.default('external'),
});

export const webDownloadParams = z.strictObject({
  /** where the download notice goes in the body */
  position: z.enum(['top', 'bottom']).default('top'),
  expiresDays: z.number().int().min(1).max(365).default(7),
  maxDownloads: z.number().int().min(1).optional(),
  /** recipients must enter a one-time passcode mailed separately */
  passcode: z.boolean().default(false),
  /** notice language; unset: the sender's language (users:), else defaults.language */
  language: language.optional(),
  /** external (default): internal recipients keep the original attachments; all: everyone gets the link */
  applyTo: applyTo.default('external'),
});

export const addBccParams = z.strictObject({
  to: z.array(exactAddress, { error: 'expected a list of addresses' }).min(1),
});

export const subjectTagParams = z.strictObject({
  tag: z.string().trim().min(1, { error: 'subjectTag needs a non-empty tag' }),
});

export const notifyParams = z.strictObject({
  /** 'sender', 'manager' (the sender's manager) or a list of addresses */
  to: z.union([z.literal('sender'), z.literal('manager'), z.array(exactAddress).min(1)], {
    error: 'expected "sender", "manager" or a list of addresses',
  }),
  /** a notice template name; unset: the built-in "policy matched" notice */
  template: z.string().min(1).optional(),
});

export const OUTBOUND_ACTION_PARAMS = {
  hold: params(holdParams),
  confirm: params(confirmParams),
  approve: params(approveParams),
  bcc: params(bccParams),
  block: blockParams,
  zipEncrypt: params(zipEncryptParams),
  webDownload: params(webDownloadParams),
  addBcc: addBccParams,
  subjectTag: subjectTagParams,
  notify: notifyParams,
} as const;

export type HoldParams = z.output<typeof holdParams>;
export type ConfirmParams = z.output<typeof confirmParams>;
export type ApproveParams = z.output<typeof approveParams>;
export type BccParams = z.output<typeof bccParams>;
export type BlockParams = z.output<typeof blockParams>;
export type ZipEncryptParams = z.output<typeof zipEncryptParams>;
export type WebDownloadParams = z.output<typeof webDownloadParams>;
export type AddBccParams = z.output<typeof addBccParams>;
export type SubjectTagParams = z.output<typeof subjectTagParams>;
export type NotifyParams = z.output<typeof notifyParams>;

export type OutboundActionType = keyof typeof OUTBOUND_ACTION_PARAMS;
/** One entry of a rule's `then`: an object with exactly one key naming the action. */
export type OutboundAction = {
  [K in OutboundActionType]: { [P in K]: z.output<(typeof OUTBOUND_ACTION_PARAMS)[K]> };
}[OutboundActionType];

/** A list item that is an object with exactly one of `shape`'s keys. */
function oneKeyAction<S extends Record<string, z.ZodType>, Out>(shape: S, kind: string) {
  const optionalShape = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof S]: z.ZodOptional<S[K]>;
  };
  const names = Object.keys(shape).join(', ');
  return z
    .record(z.string(), z.unknown(), { error: `expected an ${kind} such as { ${Object.keys(shape)[0]}: {...} }` })
    .superRefine((o, ctx) => {
      const keys = Object.keys(o);
      if (keys.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: `each ${kind} is an object with exactly one key (one of: ${names}); got ${keys.length ? keys.join(', ') : 'none'}`,
          params: { code: 'oneKeyAction', options: names },
        });
      }
    })
    .pipe(
      z.strictObject(optionalShape, {
        error: (iss) =>
          iss.code === 'unrecognized_keys'
            ? `unknown ${kind} ${iss.keys.map((k) => `"${k}"`).join(', ')} (expected one of: ${names})`
            : undefined,
      }),
    )
    .transform((o) => o as unknown as Out);
}

export const outboundAction = oneKeyAction<typeof OUTBOUND_ACTION_PARAMS, OutboundAction>(OUTBOUND_ACTION_PARAMS, 'action');

// ---------------------------------------------------------------- conditions

export const RECIPIENT_SETS = ['to', 'cc', 'bcc', 'envelope'] as const;
export type RecipientSet = (typeof RECIPIENT_SETS)[number];

export const recipientsCondition = z.strictObject({
  /** at least one counted recipient matches one of these patterns */
  any: addressPatterns.optional(),
  /** every counted recipient matches one of these patterns */
  all: addressPatterns.optional(),
  /** true/'any': some counted recipient is outside the tenant's domains; 'all'; false/'none' */
  external: z
    .union([z.boolean(), z.enum(['any', 'all', 'none'])])
    .transform((v) => (v === true ? 'any' : v === false ? 'none' : v))
    .optional(),
  /** at least this many distinct counted recipients */
  countAtLeast: z.number().int().min(1).optional(),
  /** at least this many distinct counted recipients outside the tenant's domains */
  externalCountAtLeast: z.number().int().min(1).optional(),
  /** which recipients count: header To, Cc, Bcc (envelope recipients not in To/Cc), or every envelope recipient */
  in: z.array(z.enum(RECIPIENT_SETS)).min(1).default(['envelope']),
});

export const DETECTORS = ['creditCard', 'myNumber', 'personalData', 'ownPrivateAddress'] as const;
export type DetectorName = (typeof DETECTORS)[number];

const messageConditionShape = {
  /** the envelope sender (MAIL FROM) or the From: address matches one of these */
  sender: addressPatterns.optional(),
  recipients: recipientsCondition.optional(),
  /** true: the message has real attachments (inline images referenced by the HTML don't count) */
  attachments: z.boolean().optional(),
  /** some attachment's name matches one of these globs, e.g. "*.xlsx" */
  attachmentNames: fileNamePatterns.optional(),
  /** attachments add up to at least this size */
  attachmentSizeAtLeast: byteSize.optional(),
  /** regexes (case-insensitive, linear time) searched in the decoded subject */
  subject: regexList.optional(),
  /** regexes searched in the decoded body text */
  body: regexList.optional(),
  /** content detectors (creditCard, myNumber and personalData in subject, body and — outbound —
   *  the text inside attachments; ownPrivateAddress: a free-mail recipient named like the sender):
   *  any listed one that finds something */
  detect: z.array(z.enum(DETECTORS)).min(1).optional(),
};

export const outboundConditions = z.strictObject({
  ...messageConditionShape,
  /** regexes searched in the text inside attachments (TXT/CSV, DOCX/XLSX/PPTX, PDF, inside ZIPs) */
  attachmentText: regexList.optional(),
  /** true: some attachment is a password-protected archive whose contents could not be inspected */
  encryptedArchive: z.boolean().optional(),
  /** true: the attachment inspection stopped short (work budget, depth, a broken file) */
  inspectionIncomplete: z.boolean().optional(),
  /** true: some external recipient domain has never been mailed by this tenant before */
  firstContactDomain: z.boolean().optional(),
  /** true: some recipient domain looks like (but is not) the tenant's or a usual partner's domain */
  lookalikeDomain: z.boolean().optional(),
});
export type OutboundConditions = z.output<typeof outboundConditions>;

export const AUTH_CHECKS = ['spf', 'dkim', 'dmarc'] as const;

export const inboundConditions = z.strictObject({
  ...messageConditionShape,
  /** the spam score is at least this */
  spamScoreAtLeast: z.number().optional(),
  /** any of the listed checks failed (spf fail/softfail, dkim fail, dmarc fail) */
  authFail: z.array(z.enum(AUTH_CHECKS)).min(1).optional(),
  /** any analysis verdict symbol matches one of these globs, e.g. "PHISHING_*" */
  verdict: fileNamePatterns.optional(),
});
export type InboundConditions = z.output<typeof inboundConditions>;

// ---------------------------------------------------------------- rules

const ruleMode = z.enum(['enforce', 'test']).default('enforce');

export const outboundRule = z.strictObject({
  name: z.string().trim().min(1, { error: 'every rule needs a name' }),
  /** test: evaluated and reported ("would hold"), never enforced */
  mode: ruleMode,
  /** false: skipped entirely */
  enabled: z.boolean().default(true),
  /** all conditions must hold; empty or missing = every message */
  when: params(outboundConditions).prefault({}),
  /** the rule does not apply when all of these hold (an exception list) */
  unless: params(outboundConditions).optional(),
  then: z.array(outboundAction).min(1, { error: 'a rule needs at least one action in "then"' }),
});
export type OutboundRule = z.output<typeof outboundRule>;

export const INBOUND_ACTION_PARAMS = {
  /** keep in quarantine (隔離) for release by the admin or the recipient; ends evaluation */
  quarantine: params(z.strictObject({ reason: z.string().min(1).optional() })),
  /** refuse with SMTP 550 5.7.1 and this text; ends evaluation */
  reject: params(z.strictObject({ reason: z.string().min(1).optional() })),
  /** deliver now, skipping later rules and the spam thresholds (an allow-list); ends evaluation */
  deliver: params(z.strictObject({})),
  subjectTag: subjectTagParams,
  /** remove matching attachments (all when `names` is unset) before delivery */
  stripAttachments: params(z.strictObject({ names: fileNamePatterns.optional() })),
} as const;
export type InboundActionType = keyof typeof INBOUND_ACTION_PARAMS;
export type InboundAction = {
  [K in InboundActionType]: { [P in K]: z.output<(typeof INBOUND_ACTION_PARAMS)[K]> };
}[InboundActionType];

export const inboundAction = oneKeyAction<typeof INBOUND_ACTION_PARAMS, InboundAction>(INBOUND_ACTION_PARAMS, 'inbound action');

export const inboundRule = z.strictObject({
  name: z.string().trim().min(1, { error: 'every rule needs a name' }),
  mode: ruleMode,
  enabled: z.boolean().default(true),
  when: params(inboundConditions).prefault({}),
  unless: params(inboundConditions).optional(),
  then: z.array(inboundAction).min(1, { error: 'a rule needs at least one action in "then"' }),
});
export type InboundRule = z.output<typeof inboundRule>;

// ---------------------------------------------------------------- whole file

export const defaultHold = holdParams.extend({
  /** which mail the default hold covers: mail with an external recipient (default) or all mail */
  appliesTo: z.enum(['external', 'all']).default('external'),
});

const userHold = z.union([z.literal(false), holdParams.partial().extend({ appliesTo: z.enum(['external', 'all']).optional() })]);

export const userOverride = z.strictObject({
  /** the user's own default hold (overrides defaults.hold), or false for none */
  hold: userHold.optional(),
  /** the user's notice language */
  language: language.optional(),
});
export type UserOverride = z.output<typeof userOverride>;

function uniqueRuleNames(rules: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.name))
      ctx.addIssue({
        code: 'custom',
        message: `duplicate rule name "${r.name}"`,
        path: [i, 'name'],
        params: { code: 'duplicateRule', name: r.name },
      });
    seen.add(r.name);
  });
}

export const outboundSection = z.strictObject({
  defaults: params(
    z.strictObject({
      /** hold applied when no enforced rule holds the message */
      hold: defaultHold.optional(),
      /** notice language for users without their own */
      language: language.default('both'),
      /** free-mail domains added to the shipped list of the ownPrivateAddress detector */
      freeMailDomains: z.array(z.string().trim().toLowerCase().min(1)).default([]),
      /** partner and group-company domains counted as internal, as the tenant's own domains are
       *  (subdomains included): recipients.external, the default hold, first contacts, applyTo */
      internalDomains: z.array(domainName).default([]),
    }),
  ).prefault({}),
  rules: z.array(outboundRule).superRefine(uniqueRuleNames).default([]),
  users: z.record(exactAddress, userOverride).default({}),
});

export const spamSettings = z
  .strictObject({
    /** add `tag` to the subject from this score */
    tagAt: z.number().default(5),
    /** quarantine from this score */
    quarantineAt: z.number().default(10),
    /** refuse at SMTP time from this score (unset: never reject on score alone) */
    rejectAt: z.number().optional(),
    tag: z.string().min(1).default('[SPAM]'),
  })
  .superRefine((s, ctx) => {
    if (s.quarantineAt < s.tagAt)
      ctx.addIssue({
        code: 'custom',
        message: 'quarantineAt must be at least tagAt',
        path: ['quarantineAt'],
        params: { code: 'spamOrder' },
      });
    if (s.rejectAt !== undefined && s.rejectAt < s.quarantineAt)
      ctx.addIssue({
        code: 'custom',
        message: 'rejectAt must be at least quarantineAt',
        path: ['rejectAt'],
        params: { code: 'spamOrder' },
      });
  });

const inboundBrand = z.strictObject({
  brand: z.string().trim().min(1),
  /** names as a display name shows them: ASCII as whole words, Japanese as substrings */
  names: z.array(z.string().trim().min(1)).min(1),
  /** the brand's real sender domains (subdomains included) */
  domains: z.array(z.string().trim().toLowerCase().min(1)).min(1),
});

export const inboundSection = z.strictObject({
  spam: params(spamSettings).prefault({}),
  /** strip attachments with these extensions (".zip") before delivery */
  stripExtensions: z
    .array(z.string().trim().min(1))
    .transform((l) => l.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()))
    .default([]),
  /** apply the sender domain's DMARC policy (p=quarantine / p=reject) on DMARC failure */
  honourDmarc: z.boolean().default(true),
  /** display-name impersonation of a brand or of the tenant's people from a domain that is not
   *  theirs, with a link elsewhere or an attachment (PHISH_IMPERSONATION_PAYLOAD): quarantine it
   *  whatever the score (default), or let the score alone decide */
  impersonation: z.enum(['quarantine', 'score']).default('quarantine'),
  /** brands added to the shipped list (src/inbound/phishing/brands.ts): display names that claim
   *  them from any other domain are impersonation */
  brands: z.array(inboundBrand).default([]),
  rules: z.array(inboundRule).superRefine(uniqueRuleNames).default([]),
});

export const policySchema = z.strictObject({
  version: z.literal(1, { error: 'version must be 1' }),
  outbound: params(outboundSection).prefault({}),
  inbound: params(inboundSection).prefault({}),
});

export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type OutboundPolicy = Policy['outbound'];
export type InboundPolicy = Policy['inbound'];

/** The policy in force when a tenant has none: no rules, no holds, spam thresholds 5/10. */
export function defaultPolicy(): Policy {
  return policySchema.parse({ version: 1 });
}
