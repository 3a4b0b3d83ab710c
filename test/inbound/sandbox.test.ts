// The sandbox interface: the built-in analysis as default, and the polling/timeout contract
// with a test double standing in for an external detonation service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeWithSandbox, BuiltinSandbox } from '../../src/inbound/sandbox.ts';
import type { Sandbox, SandboxSubmission, SandboxVerdict } from '../../src/inbound/sandbox/sandbox-api.ts';

const FIXTURES = new URL('../fixtures/inbound/', import.meta.url);

/** TEST DOUBLE for an external sandbox service: answers 'pending' a set number of times. */
class ExternalSandboxTestDouble implements Sandbox {
  readonly name = 'external-test-double';
  private polls = new Map<string, number>();
  constructor(private readonly pendingPolls: number) {}
  async submit(a: SandboxSubmission): Promise<string> {
    this.polls.set(a.filename, 0);
    return a.filename;
  }
  async poll(ticket: string): Promise<'pending' | SandboxVerdict> {
    const n = (this.polls.get(ticket) ?? 0) + 1;
    this.polls.set(ticket, n);
    if (n <= this.pendingPolls) return 'pending';
    return {
      sandbox: this.name,
      filename: ticket,
      malicious: true,
      score: 20,
      symbols: [{ name: 'EXTERNAL_SANDBOX_MALICIOUS', score: 20, description: 'detonated' }],
    };
  }
}

test('built-in sandbox: a macro workbook gets a verdict at once', async () => {
  const content = readFileSync(new URL('oletools/excel4_sample_macro.xlsm', FIXTURES));
  const outcome = await analyzeWithSandbox(new BuiltinSandbox(), [{ filename: 'excel4_sample_macro.xlsm', content }], { timeoutMs: 1000 });
  assert.equal(outcome.status, 'done');
  const [verdict] = outcome.verdicts;
  assert.equal(verdict.sandbox, 'builtin');
  assert.equal(verdict.malicious, true);
  assert.deepEqual(
    verdict.symbols.map((s) => s.name),
    ['ATTACH_EXCEL4_MACRO'],
  );
});

test('built-in sandbox: a clean document is not malicious; tickets are single use', async () => {
  const sandbox = new BuiltinSandbox();
  const ticket = await sandbox.submit({
    filename: 'harmless-clean.docx',
    content: readFileSync(new URL('oletools/harmless-clean.docx', FIXTURES)),
  });
  const verdict = await sandbox.poll(ticket);
  assert.notEqual(verdict, 'pending');
  assert.equal((verdict as SandboxVerdict).malicious, false);
  await assert.rejects(sandbox.poll(ticket), /unknown sandbox ticket/);
});

test('external sandbox (test double): polled until its verdict arrives', async () => {
  const outcome = await analyzeWithSandbox(new ExternalSandboxTestDouble(2), [{ filename: 'a.docm', content: new Uint8Array(1) }], {
    timeoutMs: 10_000,
    pollIntervalMs: 1,
  });
  assert.equal(outcome.status, 'done');
  assert.equal(outcome.verdicts[0].malicious, true);
});

test('external sandbox (test double): still pending at the deadline → timeout with the tickets to poll later', async () => {
  const outcome = await analyzeWithSandbox(
    new ExternalSandboxTestDouble(Number.MAX_SAFE_INTEGER),
    [{ filename: 'a.docm', content: new Uint8Array(1) }],
    { timeoutMs: 20, pollIntervalMs: 5 },
  );
  assert.equal(outcome.status, 'timeout');
  assert.ok(outcome.status === 'timeout' && outcome.pending[0].ticket === 'a.docm');
});
