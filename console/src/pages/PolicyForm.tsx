// かんたん設定: the common rules of the policy as a form — the default hold; per outbound rule,
// on/off, test mode, hold / confirm / approve / forced BCC / block / ZIP / web download and the
// content detectors; the inbound spam thresholds. Every change is written into the YAML the
// 詳細モード shows (policy-form.ts), so both modes edit one text and 適用 sends that text.
import { useId, useState } from 'react';
import { useI18n, type Translator } from '../i18n.ts';
import {
  addRule,
  editYaml,
  FORM_ACTIONS,
  FORM_DETECTORS,
  numberInput,
  readForm,
  removeRule,
  setActionParam,
  setDefaultHold,
  setDetectors,
  setValue,
  toggleAction,
  type FormAction,
  type FormEdit,
  type FormRule,
} from '../policy-form.ts';
import { describeConditions } from '../words/conditions.ts';
import { keyedLines } from '../keys.ts';

/** The settings each action gets when switched on in the form (the rest take the schema's defaults). */
const FRESH: Record<FormAction, Record<string, unknown>> = {
  hold: { minutes: 5 },
  confirm: {},
  approve: {},
  bcc: {},
  block: { reason: '' },
  zipEncrypt: {},
  webDownload: {},
};

function NumberField(props: {
  label: string;
  value: number | undefined;
  onChange: (v: number | undefined) => void;
  min?: number;
  max?: number;
  /** the schema's default, shown while the field is blank */
  placeholder?: number;
}) {
  const id = useId();
  return (
    <label htmlFor={id} className="field">
      <span>{props.label}</span>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={props.min}
        max={props.max}
        value={props.value ?? ''}
        placeholder={props.placeholder === undefined ? undefined : String(props.placeholder)}
        onChange={(e) => props.onChange(numberInput(e.target.value))}
      />
    </label>
  );
}

function Check(props: { label: string; checked: boolean; onChange: (on: boolean) => void; testId?: string }) {
  return (
    <label className="check">
      <input type="checkbox" checked={props.checked} data-testid={props.testId} onChange={(e) => props.onChange(e.target.checked)} />{' '}
      {props.label}
    </label>
  );
}

function actionSettings(t: Translator, rule: FormRule, action: FormAction, edit: (e: FormEdit) => void) {
  const params = rule.actions[action];
  if (!params) return null;
  const set = (key: string) => (v: unknown) => edit(setActionParam(rule.index, action, key, v));
  switch (action) {
    case 'hold':
      return (
        <NumberField
          label={t('policy.minutes')}
          min={1}
          max={4320}
          placeholder={5}
          value={params.minutes as number | undefined}
          onChange={set('minutes')}
        />
      );
    case 'confirm':
    case 'approve': {
      const hours = (
        <NumberField
          label={t('policy.hours')}
          min={1}
          placeholder={24}
          value={params.hours as number | undefined}
          onChange={set('hours')}
        />
      );
      if (action === 'approve') return hours;
      return (
        <>
          {hours}
          <ApplyToField t={t} value={params.applyTo} fallback="all" onChange={set('applyTo')} words="policy.confirmApplyTo" />
        </>
      );
    }
    case 'webDownload':
      return (
        <>
          <NumberField
            label={t('policy.expiresDays')}
            min={1}
            max={365}
            placeholder={7}
            value={params.expiresDays as number | undefined}
            onChange={set('expiresDays')}
          />
          <ApplyToField t={t} value={params.applyTo} fallback="external" onChange={set('applyTo')} />
        </>
      );
    case 'zipEncrypt':
      return <ApplyToField t={t} value={params.applyTo} fallback="external" onChange={set('applyTo')} />;
    case 'bcc':
      return <ApplyToField t={t} value={params.applyTo} fallback="all" onChange={set('applyTo')} />;
    case 'block':
      return (
        <TextField
          label={t('policy.blockReason')}
          value={typeof params.reason === 'string' ? params.reason : ''}
          onChange={set('reason')}
        />
      );
    default:
      return null;
  }
}

/**
 * applyTo of a rewriting action (words: policy.actionApplyTo) or of a confirm (policy.confirmApplyTo):
 * the schema's default is written as no key at all.
 */
function ApplyToField(props: {
  t: Translator;
  value: unknown;
  fallback: 'external' | 'all';
  onChange: (v: unknown) => void;
  words?: 'policy.actionApplyTo' | 'policy.confirmApplyTo';
}) {
  const { t, fallback } = props;
  const words = props.words ?? 'policy.actionApplyTo';
  const value = props.value === 'external' || props.value === 'all' ? props.value : fallback;
  return (
    <SelectField
      label={t(words)}
      value={value}
      options={(['external', 'all'] as const).map((v) => [v, t(`${words}.${v}`)])}
      onChange={(v) => props.onChange(v === fallback ? undefined : v)}
    />
  );
}

function TextField(props: { label: string; value: string; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <label htmlFor={id} className="field">
      <span>{props.label}</span>
      <input id={id} type="text" value={props.value} onChange={(e) => props.onChange(e.target.value)} />
    </label>
  );
}

function RuleCard({ rule, edit }: { rule: FormRule; edit: (e: FormEdit) => void }) {
  const t = useI18n();
  const path = ['outbound', 'rules', rule.index];
  return (
    <fieldset className="rule-card" data-testid="policy-rule">
      <legend>{rule.name}</legend>
      <ul className="plain muted">
        {keyedLines(describeConditions(t, rule.when)).map(({ key, line }) => (
          <li key={key}>{line}</li>
        ))}
      </ul>
      <Check
        label={t('policy.ruleEnabled')}
        checked={rule.enabled}
        onChange={(on) => edit(setValue([...path, 'enabled'], on ? undefined : false))}
      />
      <Check
        label={t('policy.ruleTest')}
        checked={rule.test}
        onChange={(on) => edit(setValue([...path, 'mode'], on ? 'test' : undefined))}
      />
      <h4>{t('policy.ruleActions')}</h4>
      {FORM_ACTIONS.map((a) => (
        <div key={a} className="action-row">
          <Check
            label={t(`policy.form.${a}`)}
            testId={`rule-${rule.index}-${a}`}
            checked={rule.actions[a] !== undefined}
            onChange={(on) => edit(toggleAction(rule.index, a, on, FRESH[a]))}
          />
          {actionSettings(t, rule, a, edit)}
        </div>
      ))}
      {rule.otherActions.length > 0 && (
        <p className="muted">
          {t('policy.ruleOther', { list: rule.otherActions.map((a) => t.maybe(`actionName.${a}`) ?? a).join(t('list.separator')) })}
        </p>
      )}
      <h4>{t('policy.detectors')}</h4>
      {FORM_DETECTORS.map((d) => (
        <Check
          key={d}
          label={t(`detector.${d}`)}
          checked={rule.detect.includes(d)}
          onChange={(on) => edit(setDetectors(rule.index, on ? [...rule.detect, d] : rule.detect.filter((x) => x !== d)))}
        />
      ))}
      <div className="buttons">
        <button type="button" className="danger" onClick={() => edit(removeRule(rule.index))}>
          {t('policy.removeRule')}
        </button>
      </div>
    </fieldset>
  );
}

export function PolicyForm({ yaml, onChange }: { yaml: string; onChange: (yaml: string) => void }) {
  const t = useI18n();
  const [newName, setNewName] = useState('');
  const nameId = useId();
  const model = readForm(yaml);
  if (!model) return <p className="msg err">{t('policy.formBroken')}</p>;
  const edit = (e: FormEdit) => onChange(editYaml(yaml, e));
  const hold = model.defaultHold;
  const spam = model.spam;
  return (
    <div className="policy-form" data-testid="policy-form">
      <p className="muted">{t('policy.formNote')}</p>
      <fieldset>
        <legend>{t('policy.defaultHold')}</legend>
        <Check
          label={t('policy.defaultHoldOn')}
          testId="default-hold"
          checked={hold !== null}
          onChange={(on) => edit(setDefaultHold(on))}
        />
        {hold && (
          <>
            <NumberField
              label={t('policy.minutes')}
              min={1}
              max={4320}
              placeholder={5}
              value={hold.minutes}
              onChange={(v) => edit(setValue(['outbound', 'defaults', 'hold', 'minutes'], v))}
            />
            <SelectField
              label={t('policy.appliesTo')}
              value={hold.appliesTo ?? 'external'}
              options={['external', 'all'].map((v) => [v, t(`policy.appliesTo.${v as 'external' | 'all'}`)])}
              onChange={(v) => edit(setValue(['outbound', 'defaults', 'hold', 'appliesTo'], v === 'external' ? undefined : v))}
            />
            <SelectField
              label={t('policy.release')}
              value={hold.release ?? 'auto'}
              options={['auto', 'manual', 'discard'].map((v) => [v, t(`policy.release.${v as 'auto' | 'manual' | 'discard'}`)])}
              onChange={(v) => edit(setValue(['outbound', 'defaults', 'hold', 'release'], v === 'auto' ? undefined : v))}
            />
          </>
        )}
      </fieldset>
      <h3>{t('policy.outboundRules')}</h3>
      {model.rules.map((r) => (
        <RuleCard key={`${r.index}/${r.name}`} rule={r} edit={edit} />
      ))}
      <fieldset>
        <legend>{t('policy.addRule')}</legend>
        <label htmlFor={nameId} className="field">
          <span>{t('policy.newRuleName')}</span>
          <input id={nameId} type="text" value={newName} onChange={(e) => setNewName(e.target.value)} />
        </label>
        <p className="muted">{t('policy.newRuleHint')}</p>
        <button
          type="button"
          disabled={newName.trim() === ''}
          onClick={() => {
            edit(addRule(newName.trim()));
            setNewName('');
          }}
        >
          {t('policy.addRule')}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t('policy.spam')}</legend>
        <p className="muted">{t('policy.blankDefault')}</p>
        <NumberField
          label={t('policy.tagAt')}
          placeholder={5}
          value={spam.tagAt}
          onChange={(v) => edit(setValue(['inbound', 'spam', 'tagAt'], v))}
        />
        <NumberField
          label={t('policy.quarantineAt')}
          placeholder={10}
          value={spam.quarantineAt}
          onChange={(v) => edit(setValue(['inbound', 'spam', 'quarantineAt'], v))}
        />
        <NumberField
          label={t('policy.rejectAt')}
          value={spam.rejectAt}
          onChange={(v) => edit(setValue(['inbound', 'spam', 'rejectAt'], v))}
        />
      </fieldset>
    </div>
  );
}

function SelectField(props: { label: string; value: string; options: Array<[string, string]>; onChange: (v: string) => void }) {
  const id = useId();
  return (
    <label htmlFor={id} className="field">
      <span>{props.label}</span>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
