// An audit event in words — its type (ev.<type>) and the facts of its data a person reads (rule,
// comment, reason, recipients, file…), each with a label — from the console's catalogue
// (console/src/i18n). The one implementation: the console's timeline and audit page import it, and
// the audit CSV export uses it on the server, so the file says what the screen says.

/** The catalogue lookup this needs: a key built from data, undefined when it has no entry. */
export interface Words {
  maybe(key: string, vars?: Record<string, string | number>): string | undefined;
}

const word = (t: Words, key: string) => t.maybe(key) ?? key;

export function eventLabel(t: Words, type: string): string {
  return t.maybe(`ev.${type}`) ?? word(t, 'ev.other');
}

/** Who acted: a person's address as it is; Sekisho's own actors (policy, system, cli) in words. */
export function actorLabel(t: Words, actor: string): string {
  return actor.includes('@') ? actor : (t.maybe(`actor.${actor}`) ?? actor);
}

/** A rule name as written by the admin, except the built-in "(defaults)" and "(user)" holds. */
export function ruleLabel(t: Words, rule: string): string {
  if (rule === '(defaults)') return word(t, 'rule.defaults');
  if (rule === '(user)') return word(t, 'rule.user');
  return rule;
}

export function roleLabel(t: Words, role: string): string {
  return t.maybe(`role.${role}`) ?? role;
}

const FIELDS = [
  'rule',
  'matchedRules',
  'comment',
  'reason',
  'to',
  'recipients',
  'recipient',
  'file',
  'kind',
  'email',
  'role',
  'score',
  'ip',
  'version',
  'restoredFrom',
  'limit',
  'url',
  'timeZone',
  'displayName',
  'approver_email',
  'holdMinutes',
  'confirm',
  'skipped',
] as const;

/** A user's sending settings (user.updated): a cleared value is said too (back to the policy, no approver). */
function settingText(t: Words, key: string, value: unknown): string | null {
  if (key === 'holdMinutes')
    return value === null ? word(t, 'evdata.holdMinutes.policy') : (t.maybe('evdata.holdMinutes.value', { n: Number(value) }) ?? null);
  if (key === 'confirm') return typeof value === 'boolean' ? word(t, value ? 'evdata.confirm.on' : 'evdata.confirm.off') : null;
  return value === null ? word(t, 'evdata.approver_email.none') : typeof value === 'string' ? value : null;
}

function valueText(t: Words, key: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (key === 'holdMinutes' || key === 'confirm' || key === 'approver_email') return settingText(t, key, value);
  if (key === 'skipped') return skippedText(t, value);
  if (value === null || value === '') return null;
  if (key === 'rule') return ruleLabel(t, String(value));
  if (key === 'role') return roleLabel(t, String(value));
  // notice kinds come as outbound.approval, quarantine-digest, zip-password…
  if (key === 'kind') return t.maybe(`notice.${String(value).replace(/^outbound\./, '')}`) ?? word(t, 'notice.other');
  if (key === 'file' && value === 'all') return word(t, 'evdata.allFiles');
  if (Array.isArray(value)) {
    const items = value.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
    return items.length > 0 ? items.map((s) => (key === 'matchedRules' ? ruleLabel(t, s) : s)).join(word(t, 'list.separator')) : null;
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return null;
}

/**
 * policy.matched's skipped actions (src/policy/evaluate.ts SkippedAction): 「Webダウンロード化（ルール
 * 「添付は暗号化」）：添付ファイルがない」. The reason is a code worded from `skip.<why>`; events written
 * before the codes carry English text there, shown as it is.
 */
function skippedText(t: Words, value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  const items = value
    .filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null)
    .map((s) => {
      const vars = { count: Number(s.count ?? 0), atLeast: Number(s.atLeast ?? 0), byRule: ruleLabel(t, String(s.byRule ?? '')) };
      const by = t.maybe(`actionName.${String(s.by)}`) ?? String(s.by ?? '');
      const reason = t.maybe(`skip.${String(s.why)}`, { ...vars, by }) ?? String(s.why ?? '');
      const action = t.maybe(`actionName.${String(s.type)}`) ?? String(s.type ?? '');
      const rule = ruleLabel(t, String(s.rule ?? ''));
      return t.maybe('skip.item', { action, rule, reason }) ?? `${action} (${rule}): ${reason}`;
    });
  return items.length > 0 ? items.join(word(t, 'list.separator')) : null;
}

/** send.limited: "1 時間あたり 200 通（ユーザー）、直近 1 時間 200 通" from its scope, what, limit and sent */
function sendLimitText(t: Words, data: Record<string, unknown>): string | null {
  if (typeof data.limit !== 'number') return null;
  return t.maybe(`evdata.limit.${String(data.scope)}.${String(data.what)}`, { limit: data.limit, sent: Number(data.sent ?? 0) }) ?? null;
}

/** "ルール：社外宛て保留" … for the fields a person reads. */
export function eventFacts(t: Words, data: Record<string, unknown>): Array<{ label: string; value: string }> {
  const out: Array<{ label: string; value: string }> = [];
  for (const key of FIELDS) {
    const text = key === 'limit' ? sendLimitText(t, data) : valueText(t, key, data[key]);
    // `accepted` counts its recipients; other events list them
    const label = key === 'recipients' && typeof data[key] === 'number' ? word(t, 'evdata.recipientCount') : word(t, `evdata.${key}`);
    if (text !== null) out.push({ label, value: text });
  }
  return out;
}

/** One line: "送信ブロック — ルール：社外宛て禁止、宛先：a@gmail.com" (the CSV's description). */
export function eventSentence(t: Words, type: string, data: Record<string, unknown>): string {
  const facts = eventFacts(t, data).map((f) => t.maybe('fact', { label: f.label, value: f.value }) ?? `${f.label}: ${f.value}`);
  return facts.length > 0 ? `${eventLabel(t, type)} — ${facts.join(word(t, 'list.separator'))}` : eventLabel(t, type);
}
