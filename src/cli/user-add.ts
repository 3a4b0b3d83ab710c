// `sekisho user add EMAIL --tenant NAME --role admin|approver|user [--approver EMAIL] [--password-stdin]`
// Without --password-stdin a strong password is generated and printed once.
import { ROLES, type UserRole } from '../users/people.ts';
import { CliError } from './cli-error.ts';
import { readStdin, requireTenant, withStore } from './context.ts';
import { domainOf, EMAIL_RE } from '../util/address.ts';
import { generatePassword, hashPassword } from '../util/password.ts';

export function checkRole(role: string): UserRole {
  if (!(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
  return role as UserRole;
}

export async function userAddCommand(
  email: string,
  opts: { tenant: string; role: string; approver?: string; passwordStdin?: boolean },
): Promise<void> {
  if (!EMAIL_RE.test(email)) throw new CliError(`"${email}" is not an email address`);
  const role = checkRole(opts.role);
  if (opts.approver && !EMAIL_RE.test(opts.approver)) throw new CliError(`--approver "${opts.approver}" is not an email address`);
  let password: string;
  let generated = false;
  if (opts.passwordStdin) {
    password = (await readStdin()).replace(/\r?\n$/, '');
    if (password.length < 8) throw new CliError('the password from stdin must have at least 8 characters');
  } else {
    password = generatePassword();
    generated = true;
  }
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const owner = await store.findDomain(domainOf(email));
    if (!owner || owner.tenant_id !== tenant.id) throw new CliError(`${email} is not in a domain of tenant ${opts.tenant}`);
    if ((await store.existingEmails([email])).length) throw new CliError(`user ${email} exists already`);
    await store.createUsers(
      tenant.id,
      [{ email, role, passwordHash: await hashPassword(password), approverEmail: opts.approver ?? null }],
      'cli',
    );
  });
  process.stdout.write(
    `user ${email.toLowerCase()} added to ${opts.tenant} as ${role}` + (generated ? `; password (shown once): ${password}` : '') + '\n',
  );
}
