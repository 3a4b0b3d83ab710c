// What was (or will be) done to a message — BCC, ZIP, Webダウンロード化, hold… — one line each, in
// the viewer's language.
import { useI18n } from '../i18n.ts';
import { keyedLines } from '../keys.ts';
import { describeAction, type PlannedAction } from '../words/actions.ts';

export function ActionList({ actions }: { actions: readonly PlannedAction[] }) {
  const t = useI18n();
  if (actions.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="plain">
      {keyedLines(actions.map((a) => describeAction(t, a))).map(({ key, line }) => (
        <li key={key}>{line}</li>
      ))}
    </ul>
  );
}
