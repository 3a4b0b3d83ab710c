// ポリシー (admins): one YAML text edited two ways — かんたん設定 (a form for the common rules) and
// 詳細モード (the YAML editor with line numbers). 検証 checks without applying; 適用 shows the
// diff against the policy in force and asks, then stores a new version (nothing changes on
// error). Errors are listed in the viewer's language with their line, and the line is marked.
// Below: the rules in words, and the history of applied versions — each can be shown and restored
// (its YAML applied again as a new version, after the same diff and question).
import { useState } from 'react';
import { ApiError, client, ok, type GetAnswer } from '../api.ts';
import { formatDate, useI18n } from '../i18n.ts';
import { useAction } from '../hooks/useAction.ts';
import { useLoad } from '../hooks/useLoad.ts';
import { ActionFeedback } from '../components/ActionFeedback.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { LoadState } from '../components/LoadState.tsx';
import { YamlDiff } from '../components/YamlDiff.tsx';
import { keyedLines } from '../keys.ts';
import { describePolicyAction } from '../words/actions.ts';
import { describeConditions } from '../words/conditions.ts';
import { policyErrorText, type PolicyErrorView } from '../words/policy-errors.ts';
import { PolicyForm } from './PolicyForm.tsx';

type Policy = GetAnswer<'/api/policy'>;
type Rule = Policy['rules'][number];
type Version = GetAnswer<'/api/policy/versions'>['items'][number];

export function PolicyPage() {
  const t = useI18n();
  const loaded = useLoad(() => ok(client.GET('/api/policy')));
  const versions = useLoad(() => ok(client.GET('/api/policy/versions')));
  const action = useAction();
  const [yaml, setYaml] = useState<string | null>(null);
  const [errors, setErrors] = useState<PolicyErrorView[]>([]);
  const [tab, setTab] = useState<'form' | 'yaml'>('form');
  const [shown, setShown] = useState<{ version: number; yaml: string } | null>(null);
  const current = loaded.data?.yaml ?? '';
  const text = yaml ?? current;
  const lines = text.split('\n').length;
  const bad = new Set(errors.map((e) => e.line));
  const reloadAll = () => {
    loaded.reload();
    versions.reload();
  };
  // nothing was applied: the answer lists the errors by line
  const showErrors = (e: unknown) => {
    if (!(e instanceof ApiError) || !e.body?.errors) return;
    setErrors(e.body.errors);
    action.setNotice({ err: t('policy.errors') });
  };
  const validate = () =>
    action.run(() => ok(client.POST('/api/policy/validate', { body: { yaml: text } })), {
      done: (r) => (r.ok ? t('policy.valid') : t('policy.errors')),
      onDone: (r) => setErrors(r.errors),
    });
  const apply = () =>
    action.run(() => ok(client.PUT('/api/policy', { body: { yaml: text } })), {
      confirm: { text: t('policy.applyDiff'), yes: t('policy.apply'), detail: <YamlDiff before={current} after={text} /> },
      done: (x) => t('policy.applied', { v: x.version }),
      // the editor keeps the text just applied (it is the policy in force now), so it never
      // flashes the previous version while the page reloads
      onDone: () => {
        setErrors([]);
        reloadAll();
      },
      onError: showErrors,
    });
  const versionYaml = (version: number) =>
    action.run(() => ok(client.GET('/api/policy/versions/{version}', { params: { path: { version } } })), { done: null });
  const show = async (version: number) => {
    if (shown?.version === version) return setShown(null);
    const v = await versionYaml(version);
    if (v) setShown({ version, yaml: v.yaml });
  };
  const restore = async (version: number) => {
    const v = await versionYaml(version);
    if (!v) return;
    await action.run(() => ok(client.POST('/api/policy/versions/{version}/restore', { params: { path: { version } } })), {
      confirm: {
        text: t('policy.restoreAsk', { v: version }),
        yes: t('policy.restore'),
        detail: <YamlDiff before={current} after={v.yaml} />,
      },
      done: (x) => t('policy.restored', { from: x.restoredFrom, v: x.version }),
      onDone: () => {
        setErrors([]);
        setYaml(v.yaml);
        setShown(null);
        reloadAll();
      },
      onError: showErrors,
    });
  };
  return (
    <section>
      <h2>
        {t('nav.policy')}{' '}
        {loaded.data && (
          <span className="muted">
            {t('policy.version', { v: loaded.data.version })}
            {loaded.data.createdAt !== null &&
              ` ${t('policy.appliedBy', { at: formatDate(loaded.data.createdAt, t), by: loaded.data.createdBy ?? '' })}`}
          </span>
        )}
      </h2>
      <ActionFeedback action={action} />
      {errors.length > 0 && (
        <ul className="msg err" data-testid="policy-errors">
          {keyedLines(
            errors.map((e) => {
              const { where, what } = policyErrorText(t, e);
              return t('fact', { label: where, value: what });
            }),
          ).map(({ key, line }) => (
            <li key={key}>{line}</li>
          ))}
        </ul>
      )}
      <LoadState loaded={loaded}>
        {(data) => (
          <>
            <div className="tabs" role="tablist">
              {(['form', 'yaml'] as const).map((k) => (
                <button key={k} type="button" role="tab" aria-selected={tab === k} onClick={() => setTab(k)}>
                  {k === 'form' ? t('policy.tabForm') : t('policy.tabYaml')}
                </button>
              ))}
            </div>
            {tab === 'form' ? (
              <PolicyForm yaml={text} onChange={setYaml} />
            ) : (
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
            )}
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
      <h3>{t('policy.history')}</h3>
      <p className="muted">{t('policy.historyNote')}</p>
      <LoadState loaded={versions}>
        {(v) => (
          <DataTable<Version>
            label={t('policy.history')}
            rows={v.items}
            rowKey={(r) => String(r.version)}
            columns={[
              {
                key: 'version',
                label: t('policy.col.version'),
                render: (r) => (
                  <>
                    {r.version === 0 ? t('policy.defaultVersion') : t('policy.version', { v: r.version })}
                    {r.version === v.current && <span className="badge b-delivered">{t('policy.inForce')}</span>}
                  </>
                ),
              },
              { key: 'at', label: t('policy.col.at'), render: (r) => formatDate(r.createdAt, t) },
              { key: 'by', label: t('policy.col.by'), render: (r) => r.createdBy ?? '—' },
              {
                key: 'actions',
                label: '',
                className: 'actions',
                render: (r) => (
                  <div className="cell">
                    <button
                      type="button"
                      onClick={() => show(r.version)}
                      disabled={action.busy}
                      aria-expanded={shown?.version === r.version}
                    >
                      {shown?.version === r.version ? t('policy.hide') : t('policy.view')}
                    </button>
                    {r.version !== v.current && (
                      <button type="button" onClick={() => restore(r.version)} disabled={action.busy} data-testid={`restore-${r.version}`}>
                        {t('policy.restore')}
                      </button>
                    )}
                  </div>
                ),
              },
            ]}
          />
        )}
      </LoadState>
      {shown && (
        <figure>
          <figcaption>{t('policy.versionYaml', { v: shown.version })}</figcaption>
          <pre className="version-yaml" data-testid="version-yaml">
            {shown.yaml}
          </pre>
        </figure>
      )}
    </section>
  );
}
