// A line diff of two YAML texts (jsdiff's diffLines): removed lines red with "−", added green with
// "+", unchanged context folded to three lines around each change; old and new line numbers in
// the margin. Shown before a policy is applied or an earlier version restored.
import { diffLines } from 'diff';
import { useI18n } from '../i18n.ts';

interface DiffLine {
  kind: 'same' | 'add' | 'del';
  oldNo: number | null;
  newNo: number | null;
  text: string;
}

const CONTEXT = 3;

function splitLines(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every line of both texts, marked, with its numbers on each side. */
export function yamlLineDiff(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const part of diffLines(before.endsWith('\n') ? before : `${before}\n`, after.endsWith('\n') ? after : `${after}\n`)) {
    for (const text of splitLines(part.value)) {
      if (part.added) out.push({ kind: 'add', oldNo: null, newNo: newNo++, text });
      else if (part.removed) out.push({ kind: 'del', oldNo: oldNo++, newNo: null, text });
      else out.push({ kind: 'same', oldNo: oldNo++, newNo: newNo++, text });
    }
  }
  return out;
}

/** The changed lines with a little context; long unchanged stretches become one "…" row. */
function folded(lines: DiffLine[]): Array<DiffLine | { kind: 'gap'; key: number }> {
  const near = lines.map((_, i) => lines.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.kind !== 'same'));
  const out: Array<DiffLine | { kind: 'gap'; key: number }> = [];
  lines.forEach((l, i) => {
    if (near[i]) out.push(l);
    else if (out[out.length - 1]?.kind !== 'gap') out.push({ kind: 'gap', key: i });
  });
  return out;
}

export function YamlDiff({ before, after }: { before: string; after: string }) {
  const t = useI18n();
  const lines = yamlLineDiff(before, after);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  if (added === 0 && removed === 0) return <p className="muted">{t('policy.noChange')}</p>;
  return (
    <figure className="yaml-diff" data-testid="policy-diff">
      <figcaption>
        {t('policy.diffLabel')}: {t('policy.diffSummary', { added, removed })}
      </figcaption>
      <div className="diff-lines">
        {folded(lines).map((l) =>
          l.kind === 'gap' ? (
            <div key={`gap-${l.key}`} className="gap">
              <span>…</span>
            </div>
          ) : (
            <div key={`${l.oldNo}-${l.newNo}`} className={l.kind}>
              <span className="no">{l.oldNo ?? ''}</span>
              <span className="no">{l.newNo ?? ''}</span>
              <span className="mark">
                <span aria-hidden="true">{l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}</span>
                {l.kind !== 'same' && <span className="sr-only">{l.kind === 'add' ? t('policy.diffAdded') : t('policy.diffRemoved')}</span>}
              </span>
              <code>{l.text}</code>
            </div>
          ),
        )}
      </div>
    </figure>
  );
}
