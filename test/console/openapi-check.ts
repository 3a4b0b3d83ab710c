// Checks API answers against the schemas the server publishes (/api/openapi.json): the console's
// types are generated from those schemas, so an answer that differs would be typed wrongly.
// Used by the browser walk, which records every /api answer the console receives.
import { Ajv, type ValidateFunction } from 'ajv';
import { ALL_ROUTES } from '../../src/console/api/index.ts';
import { openApiDocument } from '../../src/console/api/route.ts';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export function answerChecker(): (method: string, url: string, body: unknown) => string[] {
  const doc = openApiDocument(ALL_ROUTES) as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // literal paths first, so /api/queue/retry-deferred is not taken for /api/queue/{id}
  const routes = Object.entries(doc.paths)
    .map(([path, ops]) => ({ path, re: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`), ops }))
    .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  const compiled = new Map<string, ValidateFunction>();
  return (method, url, body) => {
    const path = new URL(url).pathname;
    const route = routes.find((r) => r.re.test(path) && r.ops[method.toLowerCase()]);
    if (!route) return [`${method} ${path}: no such route in the OpenAPI document`];
    const key = `${method} ${route.path}`;
    let validate = compiled.get(key);
    if (!validate) {
      const schema = route.ops[method.toLowerCase()]!.responses?.['200']?.content?.['application/json']?.schema ?? {};
      validate = ajv.compile(schema as object);
      compiled.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '/'} ${e.message}`);
  };
}
