// Outbound DLP inside attachments, end to end over SMTP on SQLite and PostgreSQL: a My Number
// CSV in Shift_JIS, an XLSX and a PDF with card numbers, a ZIP holding the CSV, an encrypted
// ZIP, a file over the inspection budget (inspectionIncomplete), personal data in bulk against a
// single address. Fixtures are generated here (OOXML and ZIP with @zip.js/zip.js, the PDF by
// hand). The matched detector and the file name must reach the audit trail and matchedRules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { backends } from '../helpers/databases.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startInstance, submissionClient, USER, type TestInstance } from '../helpers/instance.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { myNumberCheckDigit } from '../../src/policy/detectors.ts';
import { matchedRulesOf } from '../../src/mime/message-view.ts';
import { get, linkIn, waitNotice, type Harness } from './harness.ts';
import { replayPolicy } from '../../src/outbound/policy-replay.ts';
import { parsePolicy } from '../../src/policy/load.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const POLICY = `version: 1
outbound:
  rules:
    - name: My Number
      when: { detect: [myNumber] }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Cards
      when: { detect: [creditCard] }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Personal data
      when: { detect: [personalData] }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Locked archive
      when: { encryptedArchive: true }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Not fully read
      when: { inspectionIncomplete: true }
      then: [ { hold: { minutes: 10, release: manual } } ]
    - name: Confidential
      when: { attachmentText: ["社外秘"] }
      then: [ { hold: { minutes: 10, release: manual } } ]
`;

/** The inspection budget of the instance under test: small, so one file can overrun it. */
const BUDGET_BYTES = 256 * 1024;

// ---------------------------------------------------------------- fixtures

function myNumber(first11: string): string {
  return first11 + String(myNumberCheckDigit(first11));
}

const EMPLOYEES_CSV = [
  '社員番号,氏名,個人番号',
  `1001,山田太郎,${myNumber('12345678901')}`,
  `1002,佐藤花子,${myNumber('98765432109')}`,
  `1003,鈴木一郎,${myNumber('11122233344')}`,
].join('\r\n');

const SJIS_CSV = iconv.encode(EMPLOYEES_CSV, 'cp932');

async function zipOf(files: Array<{ name: string; content: Uint8Array | string }>, password?: string): Promise<Uint8Array> {
  const writer = new ZipWriter(new BlobWriter('application/zip'), password ? { password, encryptionStrength: 3 } : {});
  for (const f of files) {
    await writer.add(f.name, typeof f.content === 'string' ? new TextReader(f.content) : new Uint8ArrayReader(f.content));
  }
  const blob = await writer.close();
  return new Uint8Array(await blob.arrayBuffer());
}

/** A minimal XLSX: one sheet whose cells point into sharedStrings, where the card numbers are. */
function xlsx(): Promise<Uint8Array> {
  const strings = ['カード番号', '4111 1111 1111 1111', '5555-5555-5555-4444'];
  return zipOf([
    {
      name: '[Content_Types].xml',
      content:
        '<?xml version="1.0" encoding="UTF-8"?><Types ' +
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ' +
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    },
    { name: 'xl/workbook.xml', content: '<workbook><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>' },
    {
      name: 'xl/sharedStrings.xml',
      content: `<sst count="3" uniqueCount="3">${strings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`,
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      content:
        '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c>' +
        '</row><row r="3"><c r="A3" t="s"><v>2</v></c></row></sheetData></worksheet>',
    },
  ]);
}

/** A one-page PDF whose text layer holds `text` (Helvetica, so ASCII only). */
function pdf(text: string): Uint8Array {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

const PREFS = ['東京都千代田区', '大阪府大阪市北区', '神奈川県横浜市中区', '愛知県名古屋市中区', '福岡県福岡市博多区'];

/** A customer list: `rows` people with postal code, address, phone number and date of birth. */
function customerList(rows: number): string {
  const lines = ['氏名,郵便番号,住所,電話番号,生年月日'];
  for (let i = 0; i < rows; i++) {
    const n = String(1000 + i);
    lines.push(`顧客${i},〒100-${n},${PREFS[i % PREFS.length]}丸の内1-${i},03-5555-${n},198${i % 10}/0${(i % 9) + 1}/1${i % 10}`);
  }
  return lines.join('\r\n');
}

interface Attachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

function mailWith(subject: string, attachments: Attachment[]): Buffer {
  const boundary = 'b-inspect';
  const parts = attachments.map((a) =>
    [
      `--${boundary}`,
      `Content-Type: ${a.contentType}`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
      '',
      Buffer.from(a.content).toString('base64').replace(/.{76}/g, '$&\r\n'),
    ].join('\r\n'),
  );
  return Buffer.from(
    [
      `From: ${USER}`,
      'To: partner@example.net',
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@acme.example>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'Please find the file attached.',
      ...parts,
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

// ---------------------------------------------------------------- the instance

for (const kind of backends()) {
  describe(`outbound attachment inspection on ${kind}`, () => {
    let inst: TestInstance;
    let sink: Sink;
    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 50, inspectionBudgetBytes: BUDGET_BYTES });
      const applied = await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      if (!applied.ok) throw new Error(JSON.stringify(applied.errors));
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    /** Submits over SMTP; the rules that matched, with their evidence, as the message view shows them. */
    async function send(subject: string, attachments: Attachment[]) {
      const info = await submissionClient(inst.sekisho.ports.submission).sendMail({
        envelope: { from: USER, to: ['partner@example.net'] },
        raw: mailWith(subject, attachments),
      });
      const id = /queued as ([0-9A-Z]{26})/.exec(info.response)?.[1];
      assert.ok(id, info.response);
      const row = await inst.sekisho.store.message(id, ALL_TENANTS);
      const events = await inst.sekisho.store.events(id);
      const matched = events.find((e) => e.type === 'policy.matched');
      return {
        row: row!,
        rules: matchedRulesOf(row!),
        audit: matched ? (typeof matched.data === 'string' ? matched.data : JSON.stringify(matched.data)) : '',
      };
    }

    function ruleNames(rules: Array<{ rule: string }>): string[] {
      return rules.map((r) => r.rule);
    }

    it('holds a Shift_JIS CSV of My Numbers, naming the detector and the file', async () => {
      const r = await send('employees', [{ filename: '社員名簿.csv', contentType: 'text/csv', content: SJIS_CSV }]);
      assert.equal(r.row.state, 'held');
      assert.deepEqual(ruleNames(r.rules), ['My Number']);
      const evidence = r.rules[0]!.evidence.join('\n');
      assert.match(evidence, /detect\.myNumber: 3 \(\*{8}\d{4}, .*\) in 社員名簿\.csv/);
      assert.doesNotMatch(evidence, new RegExp(myNumber('12345678901')), 'never a My Number in clear');
      assert.match(r.audit, /detect\.myNumber.*社員名簿\.csv/);
      assert.match(r.audit, /"filesRead":\["社員名簿\.csv"\]/);
      assert.doesNotMatch(r.audit, new RegExp(myNumber('98765432109')));

      // `sekisho policy test` judges a draft on the same text, re-read from the stored body.
      // The hold page the sender opens says what was found where, in Japanese and in English.
      const h: Harness = { inst, sink, http: `http://127.0.0.1:${inst.sekisho.ports.http}`, stop: async () => {} };
      const notice = await waitNotice(h, 'held', 'employees', USER);
      const path = linkIn(notice.text, 'h');
      const ja = await get(h, path);
      assert.match(ja.body, /マイナンバー 3件：社員名簿\.csv/);
      assert.doesNotMatch(ja.body, /detect\.myNumber/, 'no engine code on a Japanese screen');
      assert.match((await get(h, `${path}?lang=en`)).body, /My Numbers \(3\): 社員名簿\.csv/);

      const draft = parsePolicy(POLICY);
      assert.ok(draft.ok);
      const replay = await replayPolicy(inst.sekisho.store, inst.tenantId, draft.policy, 0);
      const again = replay.messages.find((m) => m.id === r.row.id);
      assert.deepEqual(again?.plan.matchedRules, ['My Number']);
    });

    it('finds card numbers in an XLSX and in a PDF', async () => {
      const x = await send('sheet', [
        {
          filename: 'cards.xlsx',
          contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          content: await xlsx(),
        },
      ]);
      assert.equal(x.row.state, 'held');
      assert.deepEqual(ruleNames(x.rules), ['Cards']);
      assert.match(x.rules[0]!.evidence.join('\n'), /detect\.creditCard: 2 \(\*{12}1111, \*{12}4444\) in cards\.xlsx/);

      const p = await send('pdf', [{ filename: 'invoice.pdf', contentType: 'application/pdf', content: pdf('Card 4111 1111 1111 1111') }]);
      assert.equal(p.row.state, 'held');
      assert.deepEqual(ruleNames(p.rules), ['Cards']);
      assert.match(p.rules[0]!.evidence.join('\n'), /detect\.creditCard: 1 \(\*{12}1111\) in invoice\.pdf/);
    });

    it('looks inside a ZIP holding the CSV, and names the member', async () => {
      const zip = await zipOf([{ name: '社員名簿.csv', content: SJIS_CSV }]);
      const r = await send('zipped', [{ filename: 'hr.zip', contentType: 'application/zip', content: zip }]);
      assert.equal(r.row.state, 'held');
      assert.deepEqual(ruleNames(r.rules), ['My Number']);
      assert.match(r.rules[0]!.evidence.join('\n'), /in hr\.zip\/社員名簿\.csv/);
    });

    it('reports a password-protected ZIP as encryptedArchive (its contents unread)', async () => {
      const zip = await zipOf([{ name: '社員名簿.csv', content: SJIS_CSV }], 'secret-pass-1');
      const r = await send('locked', [{ filename: 'locked.zip', contentType: 'application/zip', content: zip }]);
      assert.equal(r.row.state, 'held');
      assert.deepEqual(ruleNames(r.rules), ['Locked archive']);
      assert.match(r.rules[0]!.evidence.join('\n'), /encryptedArchive: locked\.zip/);
      assert.deepEqual(r.rules[0]!.findings, [{ kind: 'encryptedArchive', file: 'locked.zip' }]);
    });

    it('over the byte budget: inspectionIncomplete holds, and the keyword past the budget is not claimed', async () => {
      const big = `${'ダミー,行\r\n'.repeat(30_000)}社外秘`;
      assert.ok(Buffer.byteLength(big) > BUDGET_BYTES);
      const r = await send('big', [
        { filename: 'small.txt', contentType: 'text/plain', content: new TextEncoder().encode('社外秘の資料です') },
        { filename: 'big.csv', contentType: 'text/csv', content: new TextEncoder().encode(big) },
      ]);
      assert.equal(r.row.state, 'held');
      assert.deepEqual(ruleNames(r.rules), ['Not fully read', 'Confidential']);
      assert.match(r.rules[0]!.evidence.join('\n'), /inspectionIncomplete: over the inspection budget of 262144 bytes/);
      assert.match(r.rules[1]!.evidence.join('\n'), /attachmentText ~ \/社外秘\/ in small\.txt/);
    });

    it('personalData: a customer list in bulk matches; one address in a letter does not', async () => {
      const list = await send('customers', [
        { filename: '顧客リスト.csv', contentType: 'text/csv', content: iconv.encode(customerList(12), 'euc-jp') },
      ]);
      assert.equal(list.row.state, 'held');
      assert.deepEqual(ruleNames(list.rules), ['Personal data']);
      assert.match(
        list.rules[0]!.evidence.join('\n'),
        /detect\.personalData: 12 addresses, 12 phone numbers, 12 dates of birth in 顧客リスト\.csv/,
      );

      const letter = '〒100-0005 東京都千代田区丸の内1-1-1\r\nTEL 03-1234-5678\r\n山田太郎 生年月日 1980/01/02';
      const one = await send('letter', [{ filename: 'letter.txt', contentType: 'text/plain', content: new TextEncoder().encode(letter) }]);
      assert.deepEqual(ruleNames(one.rules), []);
      assert.notEqual(one.row.state, 'held');
    });
  });
}
