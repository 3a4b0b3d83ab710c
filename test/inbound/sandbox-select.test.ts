// Which inbound mail the external sandbox receives (config sandbox.submit), and the sandbox
// section of the configuration: YAML mapping, SEKISHO_SANDBOX_* twins merged key by key (the
// token from the environment, the rest from the file), bad values named with their source.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { submitReason, type SubmitFacts } from '../../src/inbound/sandbox/select.ts';
import { sandboxFromConfig } from '../../src/inbound/sandbox/from-config.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { buildZip, fileEntry } from './zip-builder.ts';

const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n');
const clean: SubmitFacts = {
  score: 0.5,
  tagAt: 4,
  auth: { spf: 'pass' },
  symbols: [],
  attachments: [{ filename: 'report.pdf', content: PDF }],
};

describe('sandbox submission: which mail goes to the sandbox', () => {
  it('all-with-attachments: every message with a file, none without', () => {
    assert.equal(submitReason('all-with-attachments', clean), 'attachments');
    assert.equal(submitReason('all-with-attachments', { ...clean, attachments: [] }), null);
  });

  it('suspicious: a clean PDF from an authenticated sender stays with the built-in analysis', () => {
    assert.equal(submitReason('suspicious', clean), null);
  });

  it('suspicious: the score, a DMARC failure or an attachment finding sends it', () => {
    assert.equal(submitReason('suspicious', { ...clean, score: 4 }), 'score 4');
    assert.equal(submitReason('suspicious', { ...clean, auth: { dmarc: 'fail' } }), 'dmarc fail');
    const macro = { name: 'ATTACH_OFFICE_MACRO', score: 5, description: 'macro' };
    assert.equal(submitReason('suspicious', { ...clean, symbols: [macro] }), 'ATTACH_OFFICE_MACRO');
    const text = { name: 'SUBJ_ALL_CAPS', score: 1, description: 'caps' };
    assert.equal(submitReason('suspicious', { ...clean, symbols: [text] }), null);
  });

  it('suspicious: an archive is sent, by name or by content; an Office document (a zip inside) is not', () => {
    const zip = buildZip([fileEntry('a.txt', new TextEncoder().encode('hello'))]);
    assert.match(submitReason('suspicious', { ...clean, attachments: [{ filename: 'files.zip', content: zip }] }) ?? '', /archive/);
    assert.match(submitReason('suspicious', { ...clean, attachments: [{ filename: 'files.dat', content: zip }] }) ?? '', /archive/);
    assert.equal(submitReason('suspicious', { ...clean, attachments: [{ filename: 'plan.xlsx', content: zip }] }), null);
  });
});

describe('sandbox configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-sandbox-config-'));
  const file = join(dir, 'sekisho.yaml');

  it('is off without the section', () => {
    assert.equal(sandboxFromConfig(loadConfig({ SEKISHO_CONFIG: '/dev/null' })), undefined);
  });

  it('reads the YAML section and takes the token from the environment', () => {
    writeFileSync(file, 'sandbox:\n  url: https://cape.example:8000\n  kind: cape\n  giveUpMs: 600000\n');
    const c = loadConfig({ SEKISHO_CONFIG: file, SEKISHO_SANDBOX_TOKEN: 'from-env', SEKISHO_SANDBOX_WAIT_MS: '2000' });
    assert.deepEqual(c.sandbox, {
      url: 'https://cape.example:8000',
      token: 'from-env',
      kind: 'cape',
      submit: 'suspicious',
      waitMs: 2000,
      repollMs: 60_000,
      giveUpMs: 600_000,
      maliciousAt: 6,
    });
    const o = sandboxFromConfig(c)!;
    assert.equal(o.sandbox.name, 'cape');
    assert.equal(o.submit, 'suspicious');
  });

  it('names a bad value with its source', () => {
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: '/dev/null', SEKISHO_SANDBOX_URL: 'http://x', SEKISHO_SANDBOX_KIND: 'cuckoo' }),
      (e: Error) => e instanceof ConfigError && /SEKISHO_SANDBOX_KIND/.test(e.message),
    );
    writeFileSync(file, 'sandbox:\n  url: not a url\n');
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: file }),
      (e: Error) => e instanceof ConfigError && /sandbox\.url/.test(e.message),
    );
  });
});
