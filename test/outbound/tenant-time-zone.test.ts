// A tenant's time zone end to end, on SQLite and PostgreSQL: `sekisho tenant set --timezone`
// (refusing a name that is no IANA zone) and `tenant show`; PUT /api/tenant/profile (admins; an
// invalid zone is 400 invalid_time_zone; users 403; operators with ?tenant=); then a Berlin tenant's
// held notice, /h/ page and audit CSV show Berlin times with Berlin's offset, while the default
// tenant's CSV stays at +09:00. The format itself is pinned by fixed instants at the top.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { loginApi, type Api } from '../console/api-client.ts';
import { parseCsv } from '../helpers/csv.ts';
import { hashPassword } from '../../src/util/password.ts';
import { addOperator } from '../../src/console/operators.ts';
import { outboundStateOf, stageDeadline } from '../../src/outbound/outbound-state.ts';
import { dayStartInZone, formatDate, isoInZone, isTimeZone, midnightInZone, offsetMinutes } from '../../src/util/zoned-time.ts';
import { get, mail, startHarness, submit, waitNotice, type Harness } from './harness.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

describe('zoned time: fixed instants', () => {
  const WINTER = Date.UTC(2026, 11, 3, 22, 34, 5); // Thu 3 Dec 2026 23:34:05 in Berlin
  const SUMMER = Date.UTC(2026, 6, 1, 10, 0, 0);
  it('formats in the zone, ja and en, with the offset of that instant', () => {
    assert.equal(formatDate('ja', WINTER, 'Europe/Berlin'), '2026年12月3日(木) 23:34');
    assert.equal(formatDate('en', WINTER, 'Europe/Berlin'), 'Thu 3 Dec 2026 23:34 (GMT+1)');
    assert.equal(formatDate('en', SUMMER, 'Europe/Berlin'), 'Wed 1 Jul 2026 12:00 (GMT+2)');
    assert.equal(formatDate('ja', WINTER, 'Asia/Tokyo'), '2026年12月4日(金) 07:34');
    assert.equal(isoInZone(WINTER, 'Europe/Berlin'), '2026-12-03T23:34:05+01:00');
    assert.equal(isoInZone(WINTER, 'Asia/Tokyo'), '2026-12-04T07:34:05+09:00');
    assert.equal(isoInZone(WINTER, 'America/St_Johns'), '2026-12-03T19:04:05-03:30');
    assert.equal(isoInZone(WINTER, 'UTC'), '2026-12-03T22:34:05+00:00');
    assert.equal(offsetMinutes(SUMMER, 'America/New_York'), -240);
  });
  it('finds the zone midnight, on daylight-saving days too', () => {
    assert.equal(new Date(dayStartInZone(WINTER, 'Europe/Berlin')).toISOString(), '2026-12-02T23:00:00.000Z');
    assert.equal(new Date(dayStartInZone(WINTER, 'Asia/Tokyo')).toISOString(), '2026-12-03T15:00:00.000Z');
    // 29 March 2026: Berlin moves from +01:00 to +02:00 at 02:00; the day starts at +01:00
    assert.equal(new Date(dayStartInZone(Date.UTC(2026, 2, 29, 20), 'Europe/Berlin')).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal(new Date(midnightInZone('2026-03-29', 'Europe/Berlin', 1)).toISOString(), '2026-03-29T22:00:00.000Z');
  });
  it('knows IANA names only', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Asia/Tokyo'), true);
    for (const bad of ['Berlin', 'Mars/Olympus', '+01:00', '', 'Europe/Berlin; DROP']) assert.equal(isTimeZone(bad), false, bad);
  });
});

for (const kind of backends()) {
  describe(`tenant time zone on ${kind}`, () => {
    let h: Harness;
    let env: Record<string, string | undefined>;
    const as: Record<string, Api> = {};
    const cli = (args: string[]) => runCli(args, env);

    before(async () => {
      h = await startHarness(kind);
      const store = h.inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(h.inst.tenantId, [{ email: 'admin@acme.example', passwordHash: pw, role: 'admin' }], 'test');
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      await addOperator(store, 'ops@sekisho.example', pw, 'test');
      for (const [k, email] of [
        ['admin', 'admin@acme.example'],
        ['user', USER],
        ['gadmin', 'gadmin@globex.example'],
        ['ops', 'ops@sekisho.example'],
      ] as const) {
        as[k] = await loginApi(h.http, email, PASSWORD);
      }
      const dir = h.inst.db.dataDir;
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

    it('CLI: tenant set refuses a name that is no time zone, sets a real one, tenant show prints it with offsets', async () => {
      const bad = await cli(['tenant', 'set', 'acme', '--timezone', 'Berlin']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /"Berlin" is not a time zone name like Asia\/Tokyo or Europe\/Berlin/);
      const before = await cli(['tenant', 'show', 'acme']);
      assert.match(before.stdout, /^time zone: Asia\/Tokyo$/m);
      assert.match(before.stdout, /^created: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/m, 'default tenant: +09:00');

      const set = await cli(['tenant', 'set', 'acme', '--timezone', 'Europe/Berlin', '--name', '株式会社アクメ']);
      assert.equal(set.code, 0, set.stderr);
      const shown = await cli(['tenant', 'show', 'acme']);
      assert.match(shown.stdout, /^display name: 株式会社アクメ$/m);
      assert.match(shown.stdout, /^time zone: Europe\/Berlin$/m);
      const acme = (await h.inst.sekisho.store.tenantByName('acme'))!;
      assert.match(shown.stdout, new RegExp(`^created: ${isoInZone(Number(acme.created_at), 'Europe/Berlin').replace('+', '\\+')}$`, 'm'));
      assert.match(shown.stdout, /^created: [^\n]*\+0[12]:00$/m, 'Berlin offset');
      const json = JSON.parse((await cli(['tenant', 'show', 'acme', '--json'])).stdout);
      assert.equal(json.timeZone, 'Europe/Berlin');
      const events = await h.inst.sekisho.store.db
        .selectFrom('events')
        .select(['actor', 'data'])
        .where('type', '=', 'tenant.profile')
        .where('tenant_id', '=', acme.id)
        .execute();
      assert.equal(events.length, 1, 'audited once (the refused change is not)');
      assert.equal(events[0]!.actor, 'cli');
      assert.equal(JSON.parse(events[0]!.data).timeZone, 'Europe/Berlin');
    });

    it('API: admins set the profile, an invalid zone is 400 with a code, users may not, operators name the tenant', async () => {
      const bad = await as.admin!.call('PUT', '/api/tenant/profile', { timeZone: 'Mars/Olympus' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.code, 'invalid_time_zone');
      assert.match(bad.json.error, /Mars\/Olympus/);
      assert.equal((await as.user!.call('PUT', '/api/tenant/profile', { timeZone: 'UTC' })).status, 403);
      const ok = await as.admin!.call('PUT', '/api/tenant/profile', { timeZone: 'Europe/Berlin', displayName: '株式会社アクメ' });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { timeZone: 'Europe/Berlin', displayName: '株式会社アクメ' });
      const me = (await as.user!.call('GET', '/api/auth/me')).json;
      assert.equal(me.timeZone, 'Europe/Berlin');
      assert.equal(me.tenantDisplayName, '株式会社アクメ');
      assert.equal((await as.gadmin!.call('GET', '/api/auth/me')).json.timeZone, 'Asia/Tokyo', 'other tenants keep the default');
      // an operator changes globex and back, naming it
      const ops = await as.ops!.call('PUT', '/api/tenant/profile?tenant=globex', { timeZone: 'America/New_York' });
      assert.equal(ops.status, 200);
      assert.equal((await as.gadmin!.call('GET', '/api/tenant/profile')).json.timeZone, 'America/New_York');
      assert.equal((await as.ops!.call('PUT', '/api/tenant/profile?tenant=globex', { timeZone: 'Asia/Tokyo' })).status, 200);
      const opsMe = (await as.ops!.call('GET', '/api/auth/me')).json;
      const zones = Object.fromEntries(opsMe.tenants.map((t: { name: string; timeZone: string }) => [t.name, t.timeZone]));
      assert.deepEqual(zones, { acme: 'Europe/Berlin', globex: 'Asia/Tokyo' });
    });

    it('a Berlin tenant: held notice, /h/ page and audit CSV in Berlin time; the default tenant at +09:00', async () => {
      const id = await submit(h, mail('HOLDDISCARD berlin'), { to: ['partner@example.net'] });
      const m = (await h.inst.sekisho.store.message(id, ALL_TENANTS))!;
      const due = stageDeadline(outboundStateOf(m).state!.stages[0]!)!;
      const berlinJa = formatDate('ja', due, 'Europe/Berlin');
      const tokyoJa = formatDate('ja', due, 'Asia/Tokyo');
      assert.notEqual(berlinJa, tokyoJa);

      const notice = await waitNotice(h, 'held', 'HOLDDISCARD berlin', USER);
      assert.ok(notice.text.includes(`${berlinJa} までに「今すぐ送信」を押さない場合は破棄されます。`), notice.text);
      assert.ok(!notice.text.includes(tokyoJa));

      const path = /https?:\/\/[^\s/]+(\/h\/[A-Za-z0-9_-]+)/.exec(notice.text)![1]!;
      const ja = await get(h, path);
      assert.ok(ja.body.includes(berlinJa), 'the /h/ page in Japanese');
      const en = await get(h, `${path}?lang=en`);
      const berlinEn = formatDate('en', due, 'Europe/Berlin');
      assert.match(berlinEn, /\(GMT\+[12]\)$/);
      assert.ok(en.body.includes(berlinEn), 'the /h/ page in English, with the offset');

      const csv = await csvRows(h.http, 'admin@acme.example', '/api/audit?format=csv&lang=en&type=held');
      const heldRow = csv.find((row) => row[5] === 'HOLDDISCARD berlin');
      assert.ok(heldRow, JSON.stringify(csv));
      assert.match(heldRow[0]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/, 'ISO 8601 with Berlin offset');
      const events = await h.inst.sekisho.store.events(id);
      const heldAt = Number(events.find((e) => e.type === 'held')!.at);
      assert.equal(heldRow[0], isoInZone(heldAt, 'Europe/Berlin'));

      // the dashboard's days and the operator's "mail today" count from the tenant's midnight
      const berlinDay = () => isoInZone(Date.now(), 'Europe/Berlin').slice(0, 10);
      const dayBefore = berlinDay();
      const dash = (await as.admin!.call('GET', '/api/dashboard?days=3')).json;
      const days = dash.days.map((d: { day: string }) => d.day);
      assert.equal(days.length, 3);
      assert.ok([dayBefore, berlinDay()].includes(days.at(-1)), 'the last day is today in Berlin (either side of a midnight)');
      const overview = (await as.ops!.call('GET', '/api/tenants')).json.items;
      const acmeRow = overview.find((x: { name: string }) => x.name === 'acme');
      assert.equal(acmeRow.timeZone, 'Europe/Berlin');
      assert.equal(acmeRow.displayName, '株式会社アクメ');
      assert.ok(acmeRow.mailToday >= 1, 'the held mail counts as today in Berlin');

      // the CLI's human output: ISO 8601 with the tenant's offset (--json keeps UTC)
      const listed = await cli(['message', 'list', '--tenant', 'acme']);
      const line = listed.stdout.split('\n').find((l) => l.startsWith(id))!;
      assert.ok(line.includes(isoInZone(Number(m.created_at), 'Europe/Berlin')), line);
      const json = JSON.parse((await cli(['message', 'list', '--tenant', 'acme', '--json'])).stdout);
      assert.match(json.find((x: { id: string }) => x.id === id).createdAt, /Z$/);
      const shown = await cli(['message', 'show', id]);
      assert.match(shown.stdout, /^createdAt\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/m);

      const globexCsv = await csvRows(h.http, 'gadmin@globex.example', '/api/audit?format=csv&lang=en');
      assert.ok(globexCsv.length > 0);
      for (const row of globexCsv) assert.match(row[0]!, /\+09:00$/, 'the default tenant: Tokyo');

      // the operator's all-tenant CSV: each row in its own tenant's zone
      const all = await csvRows(h.http, 'ops@sekisho.example', '/api/audit?format=csv&lang=en');
      const tenantOf = (row: string[]) => row.at(-1);
      assert.ok(all.some((row) => tenantOf(row) === 'acme'));
      assert.ok(all.some((row) => tenantOf(row) === 'globex'));
      for (const row of all) {
        if (tenantOf(row) === 'acme') assert.match(row[0]!, /\+0[12]:00$/, row.join(','));
        if (tenantOf(row) === 'globex') assert.match(row[0]!, /\+09:00$/, row.join(','));
      }
    });
  });
}

/** The CSV's data rows (BOM and header dropped), fetched in a console session of `email`. */
async function csvRows(base: string, email: string, path: string): Promise<string[][]> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const r = await fetch(base + path, { headers: { cookie } });
  assert.equal(r.status, 200);
  return parseCsv((await r.text()).replace(/^\uFEFF/, '')).slice(1);
}
