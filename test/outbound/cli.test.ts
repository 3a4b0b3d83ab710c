// The outbound CLI as operators run it (the real `sekisho` process against a running instance's
// database), on SQLite and PostgreSQL: `policy apply` names line and field of every error and
// changes nothing; `policy show`; `policy test --since` replays stored mail against a draft;
// `message release|approve|reject|cancel` act as 'cli' and show up in the audit trail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';
import { currentPolicy } from '../../src/outbound/policy-service.ts';
import { encodeIso2022Jp } from '../../src/mime/rewrite/charset-codec.ts';
import { mail, startHarness, submit, waitState, POLICY, type Harness } from './harness.ts';
import { USER } from '../helpers/instance.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const BROKEN = `version: 1
outbound:
  rules:
    - name: Too long
      when: { recipients: { external: true } }
      then:
        - hold: { minutes: 99999, release: auto }
    - name: Typo
      when: { recipients: { extrnal: true } }
      then: [ { bcc: } ]
`;

const DRAFT = `version: 1
outbound:
  rules:
    - name: Everything external waits
      when: { recipients: { external: true } }
      then: [ { hold: { minutes: 5 } } ]
    - name: Would tag
      mode: test
      when: { subject: "HOLDMANUAL" }
      then: [ { subjectTag: { tag: "[x]" } } ]
`;

for (const kind of backends()) {
  describe(`outbound CLI on ${kind}`, () => {
    let h: Harness;
    let env: Record<string, string | undefined>;
    let dir: string;
    const cli = (args: string[]) => runCli(args, env);

    before(async () => {
      h = await startHarness(kind);
      dir = h.inst.db.dataDir;
      env = {
        SEKISHO_DATA_DIR: dir,
        SEKISHO_DATABASE_URL: h.inst.db.url,
        SEKISHO_CONFIG: join(dir, 'none.yaml'),
        SEKISHO_PUBLIC_URL: h.http,
      };
      writeFileSync(join(dir, 'none.yaml'), '{}\n');
    });
    after(async () => {
      await h.stop();
    });

    it('policy apply: a broken file names line, column and field, exits 1, changes nothing', async () => {
      const before = await currentPolicy(h.inst.sekisho.store, h.inst.tenantId);
      const file = join(dir, 'broken.yaml');
      writeFileSync(file, BROKEN);
      const r = await cli(['policy', 'apply', file, '--tenant', 'acme']);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+ ` +
            `outbound\\.rules\\[0\\]\\.then\\[0\\]\\.hold\\.minutes: hold minutes must be between 1 and 4320`,
        ),
      );
      assert.match(r.stderr, /:9:\d+ outbound\.rules\[1\]\.when\.recipients\.extrnal: unknown field "extrnal"/);
      assert.match(r.stderr, /nothing changed/);
      const rows = await h.inst.sekisho.store.db.selectFrom('policies').select('id').where('tenant_id', '=', h.inst.tenantId).execute();
      assert.equal(rows.length, 1);
      const shown = await cli(['policy', 'show', '--tenant', 'acme']);
      assert.equal(shown.code, 0);
      assert.equal(shown.stdout, POLICY);
      assert.equal(before.version, rows[0]!.id);
    });

    it('policy apply of a good file keeps the old version and shows the new one', async () => {
      const file = join(dir, 'good.yaml');
      writeFileSync(file, POLICY + '    - name: Extra\n      when: { subject: "NEVERMATCHES" }\n      then: [ { hold: } ]\n');
      const r = await cli(['policy', 'apply', file, '--tenant', 'acme']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /policy version \d+ applied to acme/);
      assert.match((await cli(['policy', 'show', '--tenant', 'acme'])).stdout, /NEVERMATCHES/);
      const events = await h.inst.sekisho.store.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'policy.applied')
        .where('actor', '=', 'cli')
        .execute();
      assert.equal(events.length, 1);
      assert.equal((await cli(['policy', 'apply', join(dir, 'missing.yaml'), '--tenant', 'acme'])).code, 1);
      assert.equal((await cli(['policy', 'show', '--tenant', 'nope'])).code, 1);
    });

    it('message release / approve / reject act as cli and are audited', async () => {
      const held = await submit(h, mail('HOLDMANUAL cli'), { to: ['partner@example.net'] });
      const r = await cli(['message', 'release', held]);
      assert.equal(r.code, 0, r.stderr);
      await waitState(h, held, 'delivered');
      const appr = await submit(h, mail('APPROVE cli'), { to: ['partner@example.net'] });
      assert.equal((await cli(['message', 'approve', appr, '--comment', 'fine'])).code, 0);
      await waitState(h, appr, 'delivered');
      const rej = await submit(h, mail('APPROVE cli-no'), { to: ['partner@example.net'] });
      assert.equal((await cli(['message', 'reject', rej, '--comment', 'no'])).code, 0);
      assert.equal((await h.inst.sekisho.store.message(rej, ALL_TENANTS))!.state, 'discarded');
      const show = await cli(['message', 'show', held, '--json']);
      const detail = JSON.parse(show.stdout) as { events: Array<{ type: string; actor: string }> };
      assert.ok(detail.events.some((e) => e.type === 'released' && e.actor === 'cli'));
      // Wrong state / unknown id: one line, exit 1.
      const again = await cli(['message', 'release', held]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is delivered, not held/);
      assert.equal(again.stderr.trim().split('\n').length, 1);
      assert.equal((await cli(['message', 'cancel', '01ARZ3NDEKTSV4RRFFQ69G5FAV'])).code, 1);
    });

    it('policy test --since replays stored mail against a draft', async () => {
      const file = join(dir, 'draft.yaml');
      writeFileSync(file, DRAFT);
      const r = await cli(['policy', 'test', file, '--tenant', 'acme', '--since', '7d']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /would be: held \(was: delivered\)/);
      assert.match(r.stdout, /test mode "Would tag" would: subjectTag \[x\]/);
      assert.match(r.stdout, /summary: 3 messages since 7d; outcome: held 3/);
      const json = JSON.parse((await cli(['policy', 'test', file, '--tenant', 'acme', '--since', '1d', '--json'])).stdout) as {
        summary: { messages: number };
      };
      assert.equal(json.summary.messages, 3);
      const bad = await cli(['policy', 'test', file, '--tenant', 'acme', '--since', 'last week']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      // Nothing changed: the draft is not in force.
      assert.doesNotMatch((await cli(['policy', 'show', '--tenant', 'acme'])).stdout, /Everything external waits/);
    });

    it('policy test reads the body text of stored mail (ISO-2022-JP) for body conditions', async () => {
      // Message rows keep no body text: the replay parses it back from the stored body.
      const body = encodeIso2022Jp('この資料は社外秘です。\r\n')!;
      const raw = Buffer.concat([
        Buffer.from(
          `From: ${USER}\r\nTo: partner@example.net\r\nSubject: ` +
            `=?ISO-2022-JP?B?${encodeIso2022Jp('資料')!.toString('base64')}?=\r\nMessage-ID: ` +
            `<replay-jis@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; ` +
            `charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n`,
        ),
        body,
      ]);
      const id = await submit(h, raw, { to: ['partner@example.net'] });
      const file = join(dir, 'body-draft.yaml');
      writeFileSync(
        file,
        `version: 1\noutbound:\n  rules:\n    - name: Confidential\n      when: { body: "社外秘" }\n      then: [ { hold: ` +
          `{ minutes: 5 } } ]\n`,
      );
      const r = await cli(['policy', 'test', file, '--tenant', 'acme', '--since', '1d', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { messages: Array<{ id: string; matchedRules: string[] }> };
      assert.deepEqual(out.messages.find((m) => m.id === id)?.matchedRules, ['Confidential']);
      assert.ok(
        out.messages.filter((m) => m.id !== id).every((m) => m.matchedRules.length === 0),
        'only the message that says it matches',
      );
    });
  });
}
