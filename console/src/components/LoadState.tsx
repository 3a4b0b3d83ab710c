// The three states of a list apart from its rows: loading, could not load (the error in words),
// and loaded but empty — so "no results" is never shown for a failure.
import type { ReactNode } from 'react';
import { errorText } from '../errors.ts';
import { useI18n } from '../i18n.ts';
import type { Loaded } from '../hooks/useLoad.ts';
import { Notice } from './Notice.tsx';

export function LoadState<X>({ loaded, empty, children }: { loaded: Loaded<X>; empty?: string; children?: (data: X) => ReactNode }) {
  const t = useI18n();
  if (loaded.error) return <Notice err={errorText(loaded.error, t)} />;
  if (loaded.data === null)
    return (
      <p className="muted" aria-busy="true">
        {t('load.loading')}
      </p>
    );
  const content = children?.(loaded.data);
  if ((content === null || content === undefined || content === false) && empty) return <p className="muted">{empty}</p>;
  return <>{content}</>;
}
