// The console's own "are you sure?" (a modal <dialog>, in the viewer's language): what cannot be
// undone asks first. Escape or the cancel button answers no.
import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n.ts';
import type { Action } from '../hooks/useAction.ts';

export function ConfirmDialog({ asking }: { asking: NonNullable<Action['asking']> }) {
  const t = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className={asking.detail ? 'confirm wide' : 'confirm'}
      aria-labelledby="confirm-text"
      onCancel={(e) => {
        e.preventDefault();
        asking.answer(false);
      }}
    >
      <p id="confirm-text">{asking.text}</p>
      {asking.detail}
      <div className="buttons">
        <button type="button" onClick={() => asking.answer(false)}>
          {t('action.back')}
        </button>
        <button type="button" className={asking.danger ? 'danger-solid' : 'primary'} onClick={() => asking.answer(true)}>
          {asking.yes}
        </button>
      </div>
    </dialog>
  );
}
