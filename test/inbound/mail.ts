// Test helper: parse a fixture (or a message built in the test) into an AnalysisInput.
import { readFileSync } from 'node:fs';
import { parseMessage } from '../../src/mime/parse-facts.ts';
import type { AnalysisInput, TenantContext } from '../../src/model/verdict.ts';

export const FIXTURES = new URL('../fixtures/inbound/', import.meta.url);

export const TENANT: TenantContext = {
  domains: ['acme-shoji.co.jp', 'acme.example'],
  staff: [
    { name: '山田 太郎', email: 'yamada@acme-shoji.co.jp' },
    { name: 'Hanako Suzuki', email: 'suzuki@acme-shoji.co.jp' },
  ],
  executives: ['佐藤 一郎'],
};

export async function inputFrom(
  raw: Uint8Array | string,
  tenant: TenantContext = TENANT,
  mailFrom = 'bounce@sender.example',
): Promise<AnalysisInput> {
  const bytes = typeof raw === 'string' ? Buffer.from(raw.replace(/\r?\n/g, '\r\n'), 'utf8') : raw;
  const parsed = await parseMessage(bytes, { mailFrom, recipients: ['user@acme-shoji.co.jp'] }, 'inbound');
  return { facts: parsed.facts, attachments: parsed.attachments, raw: bytes, tenant };
}

export async function fixtureInput(path: string, tenant: TenantContext = TENANT): Promise<AnalysisInput> {
  return inputFrom(readFileSync(new URL(path, FIXTURES)), tenant);
}
