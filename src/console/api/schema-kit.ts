// Small builders for the JSON schemas of API answers, published in /api/openapi.json and turned
// into the console's TypeScript types (console/src/api-types.ts). An object schema lists every
// field it sends and nothing else, so the document is the truth about the answer
// (test/console/openapi-responses.test.ts checks real answers against it).
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
export const num: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };
export const strList: Schema = { type: 'array', items: str };

/** `schema` or null. */
export function nullable(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

export function list(items: Schema): Schema {
  return { type: 'array', items };
}

export function oneOfStrings(values: readonly string[]): Schema {
  return { type: 'string', enum: [...values] };
}

/** An object with exactly these properties; all are present except those named in `optional`. */
export function object(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', properties, required, additionalProperties: false };
}

/** An object whose keys are data (e.g. event data): values of any JSON type. */
export const anyObject: Schema = { type: 'object', additionalProperties: true };

export const okSchema = object({ ok: { const: true } });

/**
 * The body of an error answer: `error` in English for scripts and logs; `code`, when the route sets
 * one, names the error for translation; `errors` lists line-level problems (policy, CSV import).
 * Fastify's own validation answers carry `message` and `statusCode` as well.
 */
export const errorSchema: Schema = {
  type: 'object',
  properties: {
    error: str,
    code: str,
    message: str,
    /** when a throttle refused: seconds until the next attempt is judged */
    retryAfterSeconds: int,
    /** when a recipient may not release quarantined mail: its release class and the refusal in Japanese */
    releaseClass: str,
    errorJa: str,
    /**
     * policy errors carry `code` and `params` (words in the console at their line); CSV import rows
     * `code` (csv.<code>) and the offending `value`
     */
    errors: list(
      object(
        {
          line: int,
          column: int,
          path: str,
          message: str,
          code: str,
          params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
          value: str,
        },
        ['column', 'path', 'code', 'params', 'value'],
      ),
    ),
  },
  required: ['error'],
};
