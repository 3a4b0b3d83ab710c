// What a page shows for its useAction(): the open question and the outcome of the last action.
import type { Action } from '../hooks/useAction.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { Notice } from './Notice.tsx';

export function ActionFeedback({ action }: { action: Action }) {
  return (
    <>
      <Notice {...action.notice} />
      {action.asking && <ConfirmDialog asking={action.asking} />}
    </>
  );
}
