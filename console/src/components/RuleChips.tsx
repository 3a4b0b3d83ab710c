// The rules that matched a message, as chips (the admin's rule names; built-in holds in words).
import { useI18n } from '../i18n.ts';
import { ruleLabel } from '../words/states.ts';

export function RuleChips({ rules }: { rules: readonly string[] }) {
  const t = useI18n();
  return (
    <>
      {rules.map((r) => (
        <span key={r} className="rule">
          {ruleLabel(t, r)}
        </span>
      ))}
    </>
  );
}
