// A message's state as a coloured badge in words (保留中, 承認待ち, 配送済み…).
import { useI18n } from '../i18n.ts';
import { stateLabel } from '../words/states.ts';

export function StateBadge({ state, direction }: { state: string; direction?: string }) {
  const t = useI18n();
  return <span className={`badge b-${state}`}>{stateLabel(t, state, direction)}</span>;
}
