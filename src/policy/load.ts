// Reads and writes policy files. `parsePolicy` never throws: a YAML syntax error or a schema
// violation comes back as a list of errors, each naming the line and column in the file and
// the field path (outbound.rules[2].then[0].hold.minutes), so `sekisho policy apply` can print
// them and change nothing. An empty file is the default policy. `policyToYaml` writes a file
// that parses back to the same policy.
import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import type { z } from 'zod';
import { defaultPolicy, policySchema, type Policy } from './schema.ts';

export interface PolicyError {
  /** 1-based; 0 when the error concerns the whole file */
  line: number;
  column: number;
  /** field path, e.g. outbound.rules[2].then[0].hold.minutes ('' for the whole file) */
  path: string;
  message: string;
  /** what is wrong, for the console's words (policyError.<code> in the catalogue) */
  code: PolicyErrorCode;
  /** the values those words name (field, minimum, allowed values…) */
  params: Record<string, string | number>;
}

export const POLICY_ERROR_CODES = [
  'syntax',
  'duplicateKey',
  'tabIndent',
  'unknownField',
  'missingField',
  'invalidType',
  'tooSmall',
  'tooBig',
  'invalidValue',
  'oneKeyAction',
  'duplicateRule',
  'emailAddress',
  'size',
  'regex',
  'addressPattern',
  'spamOrder',
  'invalid',
] as const;
export type PolicyErrorCode = (typeof POLICY_ERROR_CODES)[number];

export type ParsePolicyResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

export function parsePolicy(yamlText: string): ParsePolicyResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const code: PolicyErrorCode = e.code === 'DUPLICATE_KEY' ? 'duplicateKey' : e.code === 'TAB_AS_INDENT' ? 'tabIndent' : 'syntax';
        return { line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${firstLine(e.message)}`, code, params: {} };
      }),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) return { ok: true, policy: defaultPolicy() };
  const result = policySchema.safeParse(data);
  if (result.success) return { ok: true, policy: result.data };
  const errors = result.error.issues.flatMap((issue) => issueToErrors(issue, doc, lineCounter));
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

/** The policy as a YAML file (with every default spelled out); parses back to an equal policy. */
export function policyToYaml(policy: Policy): string {
  const doc = new Document(policy);
  // Action parameters read best on one line: `- hold: { minutes: 5, release: auto }`.
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_key, node, path) {
      const parentPair = path[path.length - 1];
      const seq = path[path.length - 3];
      const thenPair = path[path.length - 4];
      if (isPair(parentPair) && isSeq(seq) && isPair(thenPair) && isScalar(thenPair.key) && thenPair.key.value === 'then') {
        node.flow = true;
      }
    },
  });
  doc.commentBefore = ' Sekisho policy (docs/policy.md)';
  return doc.toString({ lineWidth: 0 });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

type Segment = string | number;

function issueToErrors(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter): PolicyError[] {
  const path = issue.path.filter((s): s is Segment => typeof s === 'string' || typeof s === 'number');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      const at = locate(doc, keyPath, true);
      const message = issue.message.startsWith('Unrecognized key') ? `unknown field "${key}"` : issue.message;
      return { ...position(at.node, lc), path: formatPath(keyPath), message, code: 'unknownField', params: { field: key } };
    });
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    const at = locate(doc, path, true);
    const key = String(path[path.length - 1]);
    return [
      {
        ...position(at.node, lc),
        path: formatPath(path),
        message: `bad key "${key}": ${inner}`,
        code: 'emailAddress',
        params: { value: key },
      },
    ];
  }
  const at = locate(doc, path, false);
  // A single string where a list is allowed ("body: regex") is reported at the string itself.
  const shown = at.depth < path.length && isScalar(at.node) ? path.slice(0, at.depth) : path;
  let message = issue.message;
  let kind = errorKind(issue);
  if (at.missing !== null && issue.code === 'invalid_type' && /undefined/.test(message)) {
    message = `missing required field "${String(at.missing)}"`;
    kind = { code: 'missingField', params: { field: String(at.missing) } };
  }
  return [{ ...position(at.node, lc), path: formatPath(shown), message, ...kind }];
}

/** The error's code and values for words in the viewer's language (the message stays English for the CLI). */
function errorKind(issue: z.core.$ZodIssue): { code: PolicyErrorCode; params: Record<string, string | number> } {
  switch (issue.code) {
    case 'invalid_type':
      return { code: 'invalidType', params: { expected: String(issue.expected) } };
    case 'too_small':
      return { code: 'tooSmall', params: { minimum: Number(issue.minimum), of: String(issue.origin) } };
    case 'too_big':
      return { code: 'tooBig', params: { maximum: Number(issue.maximum), of: String(issue.origin) } };
    case 'invalid_value':
      return { code: 'invalidValue', params: { options: issue.values.map((v) => String(v)).join(', ') } };
    case 'custom': {
      // schema.ts names its own checks with params.code (and the values the words need)
      const p = (issue.params ?? {}) as Record<string, unknown>;
      const code = POLICY_ERROR_CODES.find((c) => c === p.code);
      if (!code) return { code: 'invalid', params: {} };
      const params: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(p)) if (k !== 'code' && (typeof v === 'string' || typeof v === 'number')) params[k] = v;
      return { code, params };
    }
    default:
      return { code: 'invalid', params: {} };
  }
}

/**
 * The YAML node at `path`, or the deepest existing ancestor when the path goes past what the
 * file has (a missing required field points at its parent). `wantKey` returns the key node of
 * the last segment instead of its value (for unknown keys).
 */
function locate(doc: Document, path: Segment[], wantKey: boolean): { node: Node | null; missing: Segment | null; depth: number } {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return { node: node as Node, missing: seg, depth: i };
      if (last && wantKey && isScalar(pair.key)) return { node: pair.key, missing: null, depth: i + 1 };
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
    } else {
      // A scalar where the schema wanted a list (e.g. a pattern string turned into [string]).
      return { node: (node as Node) ?? null, missing: isScalar(node) ? null : seg, depth: i };
    }
  }
  return { node: (node as Node) ?? null, missing: null, depth: path.length };
}

function position(node: Node | null, lc: LineCounter): { line: number; column: number } {
  const start = node?.range?.[0];
  if (start === undefined) return { line: 0, column: 0 };
  const p = lc.linePos(start);
  return { line: p.line, column: p.col };
}

/** outbound.rules[2].then[0].hold.minutes; keys that are not identifiers are quoted. */
export function formatPath(path: Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** One line per error, as `sekisho policy apply` prints them: "FILE:12:7 outbound.… : message". */
export function formatPolicyErrors(errors: PolicyError[], file = 'policy'): string {
  return errors.map((e) => `${file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`).join('\n');
}
