// The policy form's model over the same YAML the 詳細モード editor shows: reads the common rules
// (default hold, each outbound rule's hold / confirm / approve / forced BCC / block / ZIP / web
// download / detectors, the inbound spam thresholds) from the text, and writes each change back
// through the yaml Document API — one node is set or removed, the rest of the file (comments,
// order, flow style) stays as the admin wrote it. The server validates; this never guesses defaults.
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

export const FORM_ACTIONS = ['hold', 'confirm', 'approve', 'bcc', 'block', 'zipEncrypt', 'webDownload'] as const;
export type FormAction = (typeof FORM_ACTIONS)[number];
export const FORM_DETECTORS = ['creditCard', 'myNumber', 'ownPrivateAddress'] as const;

export interface FormRule {
  index: number;
  name: string;
  enabled: boolean;
  test: boolean;
  when: Record<string, unknown> | null;
  /** the form's actions this rule has, with their own settings as written */
  actions: Partial<Record<FormAction, Record<string, unknown>>>;
  /** actions the form does not edit (addBcc, notify, subjectTag…), kept as they are */
  otherActions: string[];
  detect: string[];
}

export interface PolicyFormModel {
  defaultHold: { minutes?: number; release?: string; appliesTo?: string } | null;
  rules: FormRule[];
  spam: { tagAt?: number; quarantineAt?: number; rejectAt?: number };
}

type Path = Array<string | number>;
const RULES: Path = ['outbound', 'rules'];

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const strOf = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The YAML as a document, or null when it does not parse (the form then sends the admin to 詳細モード). */
function documentOf(text: string): Document | null {
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length > 0 ? null : doc;
}

export function readForm(text: string): PolicyFormModel | null {
  const doc = documentOf(text);
  if (!doc) return null;
  const data = record(doc.toJS());
  const outbound = record(data.outbound);
  const hold = record(outbound.defaults).hold;
  const spam = record(record(data.inbound).spam);
  const rules = Array.isArray(outbound.rules) ? outbound.rules : [];
  return {
    defaultHold:
      hold === undefined || hold === null
        ? null
        : { minutes: num(record(hold).minutes), release: strOf(record(hold).release), appliesTo: strOf(record(hold).appliesTo) },
    rules: rules.map((r, index) => readRule(record(r), index)),
    spam: { tagAt: num(spam.tagAt), quarantineAt: num(spam.quarantineAt), rejectAt: num(spam.rejectAt) },
  };
}

function readRule(r: Record<string, unknown>, index: number): FormRule {
  const actions: FormRule['actions'] = {};
  const otherActions: string[] = [];
  for (const entry of Array.isArray(r.then) ? r.then : []) {
    for (const [key, params] of Object.entries(record(entry))) {
      if ((FORM_ACTIONS as readonly string[]).includes(key)) actions[key as FormAction] = record(params);
      else otherActions.push(key);
    }
  }
  const detect = record(r.when).detect;
  return {
    index,
    name: strOf(r.name) ?? '',
    enabled: r.enabled !== false,
    test: r.mode === 'test',
    when: r.when === undefined || r.when === null ? null : conditionsAsParsed(record(r.when)),
    actions,
    otherActions,
    detect: Array.isArray(detect) ? detect.filter((d): d is string => typeof d === 'string') : [],
  };
}

/** `external: true` is written for short; the words for conditions read the parsed 'any' / 'none'. */
function conditionsAsParsed(when: Record<string, unknown>): Record<string, unknown> {
  const recipients = record(when.recipients);
  if (typeof recipients.external !== 'boolean') return when;
  return { ...when, recipients: { ...recipients, external: recipients.external ? 'any' : 'none' } };
}

/** One edit of the form, applied to the text; the same text comes back when it does not parse. */
export type FormEdit = (doc: Document) => void;

export function editYaml(text: string, edit: FormEdit): string {
  const doc = documentOf(text);
  if (!doc) return text;
  edit(doc);
  return doc.toString({ lineWidth: 0 });
}

/** Makes every collection along `path` a map (an empty `outbound:` or `- hold:` is null in YAML). */
function ensureMap(doc: Document, path: Path): void {
  for (let i = 1; i <= path.length; i++) {
    const at = path.slice(0, i);
    const node = doc.getIn(at, true);
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) doc.setIn(at, doc.createNode({}));
  }
}

/** Sets a value, or removes the key when `value` is undefined (the schema's default applies). */
export function setValue(path: Path, value: unknown): FormEdit {
  return (doc) => {
    if (value === undefined) {
      if (doc.hasIn(path)) doc.deleteIn(path);
      return;
    }
    ensureMap(doc, path.slice(0, -1));
    doc.setIn(path, value);
  };
}

function actionIndex(doc: Document, rule: number, action: FormAction): number {
  const then = doc.getIn([...RULES, rule, 'then'], true);
  if (!isSeq(then)) return -1;
  return then.items.findIndex((item) => isMap(item) && item.has(action));
}

/** Turns one of a rule's actions on (with the settings given) or off. */
export function toggleAction(rule: number, action: FormAction, on: boolean, params: Record<string, unknown> = {}): FormEdit {
  return (doc) => {
    const at = actionIndex(doc, rule, action);
    if (!on) {
      if (at >= 0) doc.deleteIn([...RULES, rule, 'then', at]);
      return;
    }
    if (at >= 0) return;
    if (!isSeq(doc.getIn([...RULES, rule, 'then'], true))) doc.setIn([...RULES, rule, 'then'], doc.createNode([]));
    doc.addIn([...RULES, rule, 'then'], doc.createNode({ [action]: params }));
  };
}

/** Sets one setting of a rule's action (undefined: remove it, the default applies). */
export function setActionParam(rule: number, action: FormAction, key: string, value: unknown): FormEdit {
  return (doc) => {
    const at = actionIndex(doc, rule, action);
    if (at < 0) return;
    setValue([...RULES, rule, 'then', at, action, key], value)(doc);
  };
}

/** The rule's content detectors (`when.detect`); none removes the condition. */
export function setDetectors(rule: number, detectors: string[]): FormEdit {
  return (doc) => {
    const path = [...RULES, rule, 'when', 'detect'];
    if (detectors.length === 0) {
      if (doc.hasIn(path)) doc.deleteIn(path);
      return;
    }
    const node = doc.createNode(detectors);
    node.flow = true;
    ensureMap(doc, path.slice(0, -1));
    doc.setIn(path, node);
  };
}

/** A new outbound rule for mail with an external recipient, holding it 5 minutes to start with. */
export function addRule(name: string): FormEdit {
  return (doc) => {
    ensureMap(doc, ['outbound']);
    if (!isSeq(doc.getIn(RULES, true))) doc.setIn(RULES, doc.createNode([]));
    doc.addIn(RULES, doc.createNode({ name, when: { recipients: { external: true } }, then: [{ hold: { minutes: 5 } }] }));
  };
}

export function removeRule(rule: number): FormEdit {
  return (doc) => {
    if (doc.hasIn([...RULES, rule])) doc.deleteIn([...RULES, rule]);
  };
}

/** The default hold on (with its minutes) or off. */
export function setDefaultHold(on: boolean, minutes = 5): FormEdit {
  return (doc) => {
    const path = ['outbound', 'defaults', 'hold'];
    if (!on) {
      if (doc.hasIn(path)) doc.deleteIn(path);
      return;
    }
    if (doc.hasIn(path) && isMap(doc.getIn(path, true))) return;
    ensureMap(doc, ['outbound', 'defaults']);
    doc.setIn(path, doc.createNode({ minutes }));
  };
}

/** A number field's value: a whole number, or undefined when blank (the default applies). */
export function numberInput(raw: string): number | undefined {
  if (raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}
