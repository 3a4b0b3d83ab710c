// What the impersonation checks (detectPhishing: display names against the tenant's people and
// the brand list, look-alike domains, links, the link-or-attachment payload) cost per message on
// the spoofing corpora (test/fixtures/spoofing), with a tenant of `staff` named people.
// Usage: node --import tsx bench/spoofing-cost.ts [rounds=200] [staff=1000]
import { readdirSync, readFileSync } from 'node:fs';
import { parseMessage } from '../src/mime/parse-facts.ts';
import { detectPhishing } from '../src/inbound/phishing/detect-phishing.ts';
import type { MessageFacts } from '../src/model/facts.ts';
import type { TenantContext } from '../src/model/verdict.ts';

const rounds = Number(process.argv[2] ?? 200);
const staffCount = Number(process.argv[3] ?? 1000);
const SURNAMES = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '中村', '小林', '加藤', '吉田'];
const GIVEN = ['一郎', '花子', '健太', '美咲', '翔太', '陽菜', '大輔', '由美', '拓也', '直子'];
const staff = Array.from({ length: staffCount }, (_, i) => ({
  name: `${SURNAMES[i % 10]} ${GIVEN[Math.floor(i / 10) % 10]}${i >= 100 ? i : ''}`,
  email: `user${i}@acme.example`,
}));
staff.push({ name: '山田 太郎', email: 'yamada@acme.example' });
const tenant: TenantContext = { domains: ['acme.example', 'acme.co.jp'], staff, executives: [] };

const facts: MessageFacts[] = [];
for (const set of ['fakes', 'real']) {
  const dir = new URL(`../test/fixtures/spoofing/${set}/`, import.meta.url);
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
    const raw = readFileSync(new URL(f, dir));
    facts.push((await parseMessage(raw, { mailFrom: 'bounce@sender.example', recipients: ['taro@acme.example'] }, 'inbound')).facts);
  }
}
for (const f of facts) detectPhishing(f, tenant); // warm the per-tenant preparation and caches
const start = process.cpuUsage();
for (let r = 0; r < rounds; r++) for (const f of facts) detectPhishing(f, tenant);
const used = process.cpuUsage(start);
const perMessageMs = (used.user + used.system) / 1000 / (rounds * facts.length);
console.log(`${facts.length} messages × ${rounds} rounds, ${staff.length} named people: ${perMessageMs.toFixed(3)} ms CPU per message`);
