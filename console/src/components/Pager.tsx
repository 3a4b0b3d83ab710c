// The count and 前へ / 次へ of a list the server pages by keyset (search, quarantine): 「1–50件 /
// 全1,234件」 above the rows, the buttons below. The page keeps the cursors of the earlier pages.
import { formatNumber, useI18n } from '../i18n.ts';

/** 「51–100件 / 全1,234件」 for the page that starts at row `first` (1-based). */
export function PageRange({ first, shown, total, testId }: { first: number; shown: number; total: number; testId: string }) {
  const t = useI18n();
  return (
    <p className="muted" aria-live="polite" data-testid={testId}>
      {t('search.range', {
        start: formatNumber(first, t.lang),
        end: formatNumber(first + shown - 1, t.lang),
        total: formatNumber(total, t.lang),
      })}
    </p>
  );
}

export function PageButtons({
  hasPrev,
  hasNext,
  busy,
  onPrev,
  onNext,
}: {
  hasPrev: boolean;
  hasNext: boolean;
  busy: boolean;
  onPrev: () => void;
  onNext: () => void;
}) {
  const t = useI18n();
  return (
    <div className="buttons pager">
      <button type="button" disabled={!hasPrev || busy} onClick={onPrev}>
        {t('search.prevPage')}
      </button>
      <button type="button" disabled={!hasNext || busy} onClick={onNext}>
        {t('search.nextPage')}
      </button>
    </div>
  );
}
