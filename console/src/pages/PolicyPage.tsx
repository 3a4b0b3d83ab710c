// ポリシー (admins): the YAML in force in an editor with line numbers; 検証 checks without applying,
// 適用 asks and then stores a new version (nothing changes on error). Errors are listed with their
// line, and the line number is marked. Below, the rules in words.
import { useState } from 'react';
import { ApiError, client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { keyedLines } from '../keys.ts';
import { describePolicyAction } from '../words/actions.ts';
import { describeConditions } from '../words/conditions.ts';

type Policy = GetAnswer<'/api/policy'>;
type Rule = Policy['rules'][number];
type PolicyError = { line: number; column?: number; path?: string; message: string };

export function PolicyPage() {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/policy')));
  const action = useAction();
  const [yaml, setYaml] = useState<string | null>(null);
  const [errors, setErrors] = useState<PolicyError[]>([]);
  const text = yaml ?? loaded.data?.yaml ?? '';
  const lines = text.split('\n').length;
  const bad = new Set(errors.map((e) => e.line));
  const validate = () =>
    action.run(() => ok(client.POST('/api/policy/validate', { body: { yaml: text } })), {
      done: (r) => (r.ok ? t('policy.valid') : t('policy.errors')),
      onDone: (r) => setErrors(r.errors),
    });
  const apply = () =>
    action.run(() => ok(client.PUT('/api/policy', { body: { yaml: text } })), {
      confirm: { text: t('policy.applyAsk'), yes: t('policy.apply') },
      done: (x) => t('policy.applied', { v: x.version }),
      onDone: () => {
        setErrors([]);
        setYaml(null);
        loaded.reload();
      },
      // nothing was applied: the answer lists the errors by line
      onError: (e) => {
        if (!(e instanceof ApiError) || !e.body?.errors) return;
        setErrors(e.body.errors);
        action.setNotice({ err: t('policy.errors') });
      },
    });
  return (
    <section>
      <h2>
        {t('nav.policy')}{' '}
        {loaded.data && (
          <span className="muted">
            {t('policy.version', { v: loaded.data.version })}
            {loaded.data.createdAt !== null &&
              ` ${t('policy.appliedBy', { at: formatDate(loaded.data.createdAt, t.lang), by: loaded.data.createdBy ?? '' })}`}
          </span>
        )}
      </h2>
      <ActionFeedback action={action} />
      {errors.length > 0 && (
        <ul className="msg err" data-testid="policy-errors">
          {keyedLines(
            errors.map((e) =>
              t('fact', {
                label: e.path
                  ? t('policy.errorAt', { where: e.line > 0 ? t('policy.line', { line: e.line }) : t('policy.wholeFile'), path: e.path })
                  : e.line > 0
                    ? t('policy.line', { line: e.line })
                    : t('policy.wholeFile'),
                value: e.message,
              }),
            ),
          ).map(({ key, line }) => (
            <li key={key}>{line}</li>
          ))}
        </ul>
      )}
      <LoadState loaded={loaded}>
        {(data) => (
          <>
            <div className="editor">
              <div className="gutter" aria-hidden="true">
                {Array.from({ length: lines }, (_, i) => i + 1).map((n) => (
                  <div key={n} className={bad.has(n) ? 'bad' : undefined}>
                    {n}
                  </div>
                ))}
              </div>
              <textarea
                aria-label={t('policy.yaml')}
                spellCheck={false}
                value={text}
                rows={Math.max(20, lines + 2)}
                onChange={(e) => setYaml(e.target.value)}
              />
            </div>
            <div className="buttons">
              <button type="button" onClick={validate} disabled={action.busy}>
                {t('policy.validate')}
              </button>
              <button type="button" className="primary" onClick={apply} disabled={action.busy}>
                {t('policy.apply')}
              </button>
            </div>
            <h3>{t('policy.rules')}</h3>
            <DataTable<Rule>
              label={t('policy.rules')}
              rows={data.rules}
              rowKey={(r) => `${r.direction}/${r.name}`}
              columns={[
                { key: 'direction', label: t('policy.direction'), render: (r) => t(`direction.${r.direction}`) },
                { key: 'name', label: t('policy.name'), render: (r) => r.name },
                { key: 'mode', label: t('policy.mode'), render: (r) => (r.mode === 'test' ? t('policy.test') : t('policy.enforce')) },
                {
                  key: 'when',
                  label: t('policy.when'),
                  render: (r) => (
                    <ul className="plain">
                      {keyedLines(describeConditions(t, r.when)).map(({ key, line }) => (
                        <li key={key}>{line}</li>
                      ))}
                    </ul>
                  ),
                },
                {
                  key: 'then',
                  label: t('policy.then'),
                  render: (r) => (
                    <ul className="plain">
                      {keyedLines(r.then.map((a) => describePolicyAction(t, a))).map(({ key, line }) => (
                        <li key={key}>{line}</li>
                      ))}
                    </ul>
                  ),
                },
              ]}
            />
          </>
        )}
      </LoadState>
    </section>
  );
}
