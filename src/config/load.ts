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
  const fromEnv: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[envNameOf(key)];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const merged = { ...fromFile, ...fromEnv, ...overrides };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const source = key in fromEnv ? envNameOf(key) : key in fromFile ? `${file}: ${key}` : key;
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
