// People, domains and tenants over their lifetime (`sekisho user disable|enable|delete|passwd|
// reset-link|reset-2fa|list`, `domain add|remove|list`, `tenant list|show|set|disable|enable`) and `sekisho init`,
// which creates the database the other commands refuse to create. Each command is one call of the
// services in src/users (the API calls the same ones) with actor "cli".
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { readStdin, requireTenant, withStore } from './context.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';
import { issuePasswordResetLink } from '../users/password-reset.ts';
import { deleteUser, findUser, listUsers, resetTwoFactor, setUserDisabled, setUserPassword } from '../users/people.ts';
import {
  addDomain,
  findTenant,
  listDomains,
  listTenantSummaries,
  removeDomain,
  setTenantDisabled,
  tenantSummary,
  type TenantSummary,
} from '../users/tenants.ts';
import { setTenantProfile, timeZoneOfTenant } from '../users/tenant-profile.ts';
import { isoInZone } from '../util/zoned-time.ts';

const print = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const iso = (ms: number | null, zone: string) => (ms === null ? '-' : isoInZone(ms, zone));

function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerPeopleCommands(program: Command): void {
  program
    .command('init')
    .description('create the database (and secrets key) the configuration names, if it does not exist yet')
    .action(() =>
      withStore(async (_store, config) => print(`database ready (${config.databaseUrl ? 'databaseUrl' : config.dataDir})`), {
        create: true,
      }),
    );
  registerUserCommands(group(program, 'user', 'manage users'));
  registerDomainCommands(group(program, 'domain', 'manage mail domains'));
  registerTenantCommands(group(program, 'tenant', 'manage tenants'));
}

function registerUserCommands(user: Command): void {
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(`${verb} <email>`)
      .description(
        disabled ? 'stop a user logging in (SMTP AUTH 535, console refused); their mail stays' : 'let a disabled user log in again',
      )
      .action((email: string) =>
        withStore(async (store) => {
          const changed = await setUserDisabled(store, await findUser(store, ALL_TENANTS, email), disabled, 'cli');
          print(`${email.toLowerCase()} ${changed ? `${verb}d` : `was ${verb}d already`}`);
        }),
      );
  }
  user
    .command('delete <email>')
    .description('delete a user; their mail and audit trail stay, attributed to the address')
    .action((email: string) =>
      withStore(async (store) => {
        await deleteUser(store, await findUser(store, ALL_TENANTS, email), 'cli');
        print(`${email.toLowerCase()} deleted (their mail and audit trail stay)`);
      }),
    );
  user
    .command('passwd <email>')
    .description('set a new password read from standard input (--password-stdin); ends their console sessions')
    .option('--password-stdin', 'required: read the password from standard input')
    .action(async (email: string, opts: { passwordStdin?: boolean }) => {
      if (!opts.passwordStdin) throw new CliError('give the new password on standard input with --password-stdin');
      const password = (await readStdin()).replace(/\r?\n$/, '');
      await withStore(async (store) => {
        const r = await setUserPassword(store, await findUser(store, ALL_TENANTS, email), password, 'cli');
        print(`${email.toLowerCase()}: password changed; ${r.sessionsEnded} console session(s) ended`);
      });
    });
  user
    .command('reset-link <email>')
    .description('issue a password-reset link (24 hours, single use) to pass on to the user; their earlier open link ends')
    .action((email: string) =>
      withStore(async (store, config) => {
        const user = await findUser(store, ALL_TENANTS, email);
        const link = await issuePasswordResetLink(store, user, 'cli');
        print(`${config.publicUrl.replace(/\/+$/, '')}${link.path}`);
        print(`valid once, until ${iso(link.expiresAt, await timeZoneOfTenant(store, user.tenant_id))}`);
      }),
    );
  user
    .command('reset-2fa <email>')
    .description('remove a user’s two-factor enrolment (a lost phone)')
    .action((email: string) =>
      withStore(async (store) => {
        const had = await resetTwoFactor(store, await findUser(store, ALL_TENANTS, email), 'cli');
        print(
          had
            ? `${email.toLowerCase()}: two-factor removed; they can enrol again after logging in`
            : `${email.toLowerCase()} had no two-factor`,
        );
      }),
    );
  user
    .command('list')
    .description('users of a tenant (--json for scripts)')
    .requiredOption('--tenant <name>')
    .option('--json')
    .action((opts: { tenant: string; json?: boolean }) =>
      withStore(async (store) => {
        const users = await listUsers(store, (await requireTenant(store, opts.tenant)).id);
        if (opts.json) return print(JSON.stringify(users, null, 2));
        if (!users.length) return print(`tenant ${opts.tenant} has no users`);
        for (const u of users) {
          const more = [
            u.name,
            u.department,
            u.approver && `approver ${u.approver}`,
            u.holdMinutes !== null && `hold ${u.holdMinutes} min`,
            !u.confirm && 'confirm off',
            u.twoFactor && '2fa',
            u.disabled && 'DISABLED',
          ];
          print([u.email, u.role, ...more.filter(Boolean)].join('\t'));
        }
      }),
    );
}

function registerDomainCommands(domain: Command): void {
  domain
    .command('add <domain>')
    .description('add a mail domain to a tenant')
    .requiredOption('--tenant <name>')
    .option('--inbound-route <url>', 'smtp://host:port of the tenant mail server for inbound mail')
    .action((name: string, opts: { tenant: string; inboundRoute?: string }) =>
      withStore(async (store) => {
        const d = await addDomain(store, await findTenant(store, opts.tenant), name, opts.inboundRoute ?? null, 'cli');
        print(
          `domain ${d.domain} added to ${opts.tenant}` +
            (d.inbound_route ? `; inbound mail goes to ${d.inbound_route}` : '; no inbound route yet'),
        );
      }),
    );
  domain
    .command('remove <domain>')
    .description('remove a mail domain (refused while users have addresses in it)')
    .action((name: string) =>
      withStore(async (store) => {
        const d = await removeDomain(store, name, 'cli');
        print(`domain ${d.domain} removed; mail for it is refused from now on`);
      }),
    );
  domain
    .command('list')
    .description('every mail domain with its tenant and inbound route')
    .option('--json')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const rows = await listDomains(store);
        if (opts.json) return print(JSON.stringify(rows, null, 2));
        if (!rows.length) return print('no domains');
        for (const r of rows) print(`${r.domain}\t${r.tenant}\t${r.inboundRoute ?? '-'}`);
      }),
    );
}

function summaryText(t: TenantSummary): string {
  const states = Object.entries(t.messages).map(([s, n]) => `${s} ${n}`);
  return [
    `tenant ${t.name}${t.disabled ? ` (DISABLED since ${iso(t.disabledAt, t.timeZone)})` : ''}`,
    `id: ${t.id}`,
    `display name: ${t.displayName ?? '-'}`,
    `time zone: ${t.timeZone}`,
    `created: ${iso(t.createdAt, t.timeZone)}`,
    `domains: ${t.domains.map((d) => `${d.domain} → ${d.inboundRoute ?? 'no inbound route'}`).join(', ') || '-'}`,
    `users: ${t.users.admin} admin, ${t.users.approver} approver, ${t.users.user} user (${t.users.disabled} disabled)`,
    `messages: ${states.join(', ') || 'none'}`,
  ].join('\n');
}

function registerTenantCommands(tenant: Command): void {
  tenant
    .command('list')
    .description('every tenant with its domains and users (--json for scripts)')
    .option('--json')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const all = await listTenantSummaries(store);
        if (opts.json) return print(JSON.stringify(all, null, 2));
        if (!all.length) return print('no tenants (see: sekisho tenant add)');
        for (const t of all) {
          const users = t.users.admin + t.users.approver + t.users.user;
          print(`${t.name}\t${t.disabled ? 'disabled' : 'active'}\t${t.domains.map((d) => d.domain).join(',')}\t${users} users`);
        }
      }),
    );
  tenant
    .command('set <name>')
    .description('the tenant’s time zone (IANA name: every time its people see is in it) and display name')
    .option('--timezone <zone>', 'e.g. Asia/Tokyo (the default), Europe/Berlin, America/New_York')
    .option('--name <displayName>', 'the company name people see, e.g. 株式会社サンプル ("" = the tenant name)')
    .action((name: string, opts: { timezone?: string; name?: string }) =>
      withStore(async (store) => {
        if (opts.timezone === undefined && opts.name === undefined) throw new CliError('say what to set: --timezone and/or --name');
        const change = {
          ...(opts.timezone !== undefined ? { timeZone: opts.timezone } : {}),
          ...(opts.name !== undefined ? { displayName: opts.name } : {}),
        };
        const p = await setTenantProfile(store, await findTenant(store, name), change, 'cli');
        print(`tenant ${name}: time zone ${p.timeZone}, display name ${p.displayName ?? '-'}`);
      }),
    );
  tenant
    .command('show <name>')
    .description('one tenant: display name, time zone, domains, routes, users, messages by state (times in its zone)')
    .option('--json')
    .action((name: string, opts: { json?: boolean }) =>
      withStore(async (store) => {
        const s = await tenantSummary(store, await findTenant(store, name));
        print(opts.json ? JSON.stringify(s, null, 2) : summaryText(s));
      }),
    );
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    tenant
      .command(`${verb} <name>`)
      .description(
        disabled
          ? 'refuse the tenant’s SMTP AUTH, inbound mail (5.7.x) and console logins; everything it holds stays'
          : 'let a disabled tenant log in and receive mail again',
      )
      .action((name: string) =>
        withStore(async (store) => {
          const changed = await setTenantDisabled(store, await findTenant(store, name), disabled, 'cli');
          print(`tenant ${name} ${changed ? `${verb}d` : `was ${verb}d already`}`);
        }),
      );
  }
}
