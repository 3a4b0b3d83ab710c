// 本文プレビュー: the start of a stored message as plain text (rendered as React text, never HTML,
// so nothing in it runs or loads). The one place the console shows a message's content; the
// approval and decision screens use it.
import { useI18n } from '../i18n.ts';

export function MessagePreview({ text, loading }: { text: string | null; loading?: boolean }) {
  const t = useI18n();
  return (
    <section aria-label={t('preview.label')}>
      <pre className="preview">{text === null || loading ? t('load.loading') : text}</pre>
    </section>
  );
}
