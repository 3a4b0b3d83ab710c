// The `sekisho` commands of the console area: bearer API tokens for scripts
// (`sekisho token create --user EMAIL [--name NAME]`, `sekisho token revoke --user EMAIL`) and
// operators who administer every tenant (`sekisho operator add EMAIL --password-stdin`).
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { readStdin, withStore } from './context.ts';
import { EMAIL_RE } from '../util/address.ts';
import { createApiToken, principalFor, revokeApiTokens } from '../console/session/auth.ts';
import { addOperator } from '../console/operators.ts';
import { generatePassword, hashPassword } from '../util/password.ts';

export function registerConsoleCommands(program: Command): void {
  const token = program.command('token').description('API tokens for scripts (Authorization: Bearer …)');
  token
    .command('create')
    .description('create an API token for a user or operator; printed once, stored only as a hash')
    .requiredOption('--user <email>', 'the person the token acts as (same role and tenant)')
    .option('--name <name>', 'what the token is for', 'script')
    .action(async (opts: { user: string; name: string }) => {
      const t = await withStore(async (store) => {
        if (!(await principalFor(store, opts.user, 'token'))) throw new CliError(`no user or operator ${opts.user}`);
        return createApiToken(store, opts.user, opts.name, 'cli');
      });
      process.stdout.write(`${t}\n`);
    });
  token
    .command('revoke')
    .description('revoke every API token of a user or operator')
    .requiredOption('--user <email>', 'whose tokens')
    .action(async (opts: { user: string }) => {
      const n = await withStore((store) => revokeApiTokens(store, opts.user, 'cli'));
      process.stdout.write(`revoked ${n} token(s) of ${opts.user.toLowerCase()}\n`);
    });
  const operator = program.command('operator').description('operators: console administrators of every tenant');
  operator
    .command('add <email>')
    .description('add an operator (password from stdin with --password-stdin, else generated and printed)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (email: string, opts: { passwordStdin?: boolean }) => {
      if (!EMAIL_RE.test(email)) throw new CliError(`"${email}" is not an email address`);
      const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : generatePassword();
      if (password.length < 8) throw new CliError('password must have at least 8 characters');
      await withStore(async (store) => {
        if (await principalFor(store, email, 'token')) throw new CliError(`${email.toLowerCase()} exists already`);
        await addOperator(store, email, await hashPassword(password), 'cli');
      });
      process.stdout.write(`added operator ${email.toLowerCase()}\n${opts.passwordStdin ? '' : `password: ${password}\n`}`);
    });
}
