// Configuration: defaults ← YAML file ← environment; bad values name the setting and its source;
// every setting is documented in docs/configuration.md with its environment variable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load.ts';
import { configSchema, envNameOf } from '../../src/config/schema.ts';
import { demoLines } from '../../src/cli/start-shared.ts';

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-config-'));
  const file = join(dir, 'sekisho.yaml');

  it('has the INTERFACE.md defaults', () => {
    const c = loadConfig({ SEKISHO_CONFIG: '/dev/null' });
    assert.equal(c.submissionPort, 2587);
    assert.equal(c.inboundPort, 2525);
    assert.equal(c.httpPort, 8025);
    assert.equal(c.listenHost, '127.0.0.1');
    assert.equal(c.publicUrl, 'http://localhost:8025');
    assert.equal(c.relay, undefined);
    assert.deepEqual(c.trustedNetworks, []);
  });

  it('takes the file, and the environment over the file', () => {
    writeFileSync(file, 'submissionPort: 587\nhttpPort: 9000\ntrustedNetworks: [10.0.0.0/8]\n');
    const c = loadConfig({ SEKISHO_CONFIG: file, SEKISHO_HTTP_PORT: '0', SEKISHO_DNS_SERVERS: '127.0.0.1:5353, [::1]:53' });
    assert.equal(c.submissionPort, 587);
    assert.equal(c.httpPort, 0);
    assert.deepEqual(c.trustedNetworks, ['10.0.0.0/8']);
    assert.deepEqual(c.dnsServers, ['127.0.0.1:5353', '[::1]:53']);
  });

  it('names the bad setting and its source in one line', () => {
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: '/dev/null', SEKISHO_HTTP_PORT: '99999' }),
      (e: Error) => e instanceof ConfigError && /SEKISHO_HTTP_PORT/.test(e.message) && !e.message.includes('\n'),
    );
    writeFileSync(file, 'submisionPort: 25\n');
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: file }),
      (e: Error) => e instanceof ConfigError && /submisionPort/.test(e.message),
    );
    writeFileSync(file, 'a: [unclosed\n');
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: file }),
      (e: Error) => e instanceof ConfigError && /cannot read config file/.test(e.message),
    );
  });

  it('documents every setting with its environment variable', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of Object.keys(configSchema.shape)) {
      assert.ok(doc.includes(`\`${key}\``), `docs/configuration.md lacks ${key}`);
      assert.ok(doc.includes(envNameOf(key)), `docs/configuration.md lacks ${envNameOf(key)}`);
    }
  });

  it('demo tenant: automatic only without a configuration file; its passwords only on a terminal', () => {
    assert.equal(loadConfig({}, {}).demoTenant, 'auto');
    assert.equal(loadConfig({ SEKISHO_CONFIG: '/dev/null' }).demoTenant, false, 'a configuration file means a real installation');
    assert.equal(loadConfig({ SEKISHO_CONFIG: '/dev/null', SEKISHO_DEMO_TENANT: 'true' }).demoTenant, true);
    const demo = {
      tenant: 'demo',
      domain: 'demo.example',
      accounts: [{ email: 'admin@demo.example', role: 'admin', password: 'pw-1234567890' }],
    };
    assert.match(demoLines(demo, true).join('\n'), /admin@demo\.example +password: pw-1234567890/);
    const piped = demoLines(demo, false).join('\n');
    assert.doesNotMatch(piped, /pw-1234567890/);
    assert.match(piped, /sekisho user set admin@demo\.example --password-stdin/);
    assert.match(piped, /sekisho tenant delete demo --purge/);
  });
});
