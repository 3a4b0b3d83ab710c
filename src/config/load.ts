// Loads the configuration: defaults ← YAML file (SEKISHO_CONFIG or ./sekisho.yaml) ← environment.
// A bad value stops start-up with one line naming the setting and its source.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, envNameOf, retentionOrderProblem, type Config, type ConfigInput } from './schema.ts';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigInput = {}): Config {
  const file = env.SEKISHO_CONFIG ?? (existsSync('sekisho.yaml') ? 'sekisho.yaml' : undefined);
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const nested = nestedKeys(schema);
    const value = nested ? envSection(env, key, nested) : env[envNameOf(key)];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...overrides };
  // a section (sandbox) merges key by key: the token in the environment, the rest in the file
  for (const key of Object.keys(fromEnv))
    if (isMapping(fromFile[key]) && isMapping(fromEnv[key]))
      merged[key] = { ...fromFile[key], ...fromEnv[key], ...((overrides as Record<string, unknown>)[key] as object) };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const dotted = issue.path.map(String).join('.');
    const source = key in fromEnv ? envNameOf(issue.path.map(String).join('_')) : key in fromFile ? `${file}: ${dotted}` : dotted;
    throw new ConfigError(`invalid setting ${source || '(config)'}: ${issue.message}`);
  }
  const config = result.data;
  const order = retentionOrderProblem({
    bodyDays: config.retentionBodyDays,
    metadataDays: config.retentionMetadataDays,
    auditDays: config.retentionAuditDays,
  });
  if (order) {
    const key = config.retentionAuditDays < config.retentionMetadataDays ? 'retentionAuditDays' : 'retentionMetadataDays';
    throw new ConfigError(`invalid setting ${key}: ${order}`);
  }
  config.dataDir = resolve(config.dataDir);
  // an operator who wrote a configuration file is setting up for real: no demo tenant unless asked
  if (config.demoTenant === 'auto' && file) config.demoTenant = false;
  return config;
}

function readConfigFile(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file}: expected a mapping of settings`);
  return doc as Record<string, unknown>;
}

/** The keys of a section setting (a mapping such as `sandbox`), or null for a plain one. */
function nestedKeys(schema: unknown): string[] | null {
  let inner = schema as { unwrap?: () => unknown; shape?: Record<string, unknown> };
  while (!inner.shape && typeof inner.unwrap === 'function') inner = inner.unwrap() as typeof inner;
  return inner.shape ? Object.keys(inner.shape) : null;
}

/** SEKISHO_SANDBOX_URL, SEKISHO_SANDBOX_GIVE_UP_MS, … → { url, giveUpMs }; undefined when none is set. */
function envSection(env: NodeJS.ProcessEnv, key: string, keys: string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const sub of keys) {
    const value = env[envNameOf(`${key}_${sub}`)];
    if (value !== undefined && value !== '') out[sub] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
