// One cycle for everything a person does on a page: optionally ask first (what cannot be undone
// asks, in the console's own dialog, in the viewer's language), send the request, then say what
// happened — done, or the error in words (errors.ts) — and let the page reload. A page renders
// <ActionFeedback action={…} /> once to show the question and the outcome.
import { useCallback, useState, type ReactNode } from 'react';
import { errorText } from '../errors.ts';
import { useI18n } from '../i18n.ts';

export interface Question {
  text: string;
  /** the button that goes ahead, e.g. 送信取り消し */
  yes: string;
  danger?: boolean;
  /** what the answer changes, shown under the question (e.g. the diff of a policy) */
  detail?: ReactNode;
}

export interface ActionOptions<R> {
  /** ask before sending the request */
  confirm?: Question;
  /** words for success (default: 処理しました / Done.); null: say nothing */
  done?: string | null | ((result: R) => string);
  /** after success */
  onDone?: (result: R) => void;
  /** after failure, once the error is shown (a page may say more, e.g. the lines of a policy error) */
  onError?: (err: unknown) => void;
  /** after success or failure (e.g. reload the list) */
  always?: () => void;
}

export interface Notice {
  ok?: string;
  err?: string;
}

export interface Action {
  run<R>(request: () => Promise<R>, opts?: ActionOptions<R>): Promise<R | undefined>;
  busy: boolean;
  notice: Notice;
  /** the open question, with its answer callback */
  asking: (Question & { answer: (yes: boolean) => void }) | null;
  setNotice: (n: Notice) => void;
}

export function useAction(): Action {
  const t = useI18n();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>({});
  const [asking, setAsking] = useState<Action['asking']>(null);

  const ask = useCallback(
    (q: Question) =>
      new Promise<boolean>((resolve) =>
        setAsking({
          ...q,
          answer: (yes) => {
            setAsking(null);
            resolve(yes);
          },
        }),
      ),
    [],
  );

  const run = useCallback(
    async <R>(request: () => Promise<R>, opts: ActionOptions<R> = {}): Promise<R | undefined> => {
      if (opts.confirm && !(await ask(opts.confirm))) return undefined;
      setBusy(true);
      try {
        const result = await request();
        const done = typeof opts.done === 'function' ? opts.done(result) : opts.done === undefined ? t('action.done') : opts.done;
        setNotice(done === null ? {} : { ok: done });
        opts.onDone?.(result);
        return result;
      } catch (err) {
        setNotice({ err: errorText(err, t) });
        opts.onError?.(err);
        return undefined;
      } finally {
        setBusy(false);
        opts.always?.();
      }
    },
    [ask, t],
  );

  return { run, busy, notice, asking, setNotice };
}
