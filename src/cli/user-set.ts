// `sekisho user set EMAIL [--role R] [--approver A] [--name 氏名] [--department 部署]
// [--hold-minutes N] [--confirm on|off] [--may-send-as A,B] [--password-stdin]`: changes an existing
// user. Each option changes one thing and leaves the rest as it is ("" clears approver, name,
// department, and the hold minutes back to the policy's); the changes are made by the
// services the API uses too (src/users): --may-send-as replaces the addresses the user may send as
// besides their own, --password-stdin sets a new password read from standard input. An approver
// must be a user of the same tenant.
import { CliError } from './cli-error.ts';
import { readStdin, withStore } from './context.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';
import { ServiceError } from '../util/service-error.ts';
import { checkSendAs } from '../users/send-as.ts';
import { changeUserAndSendAs, checkPassword, findUser, setUserPassword, type UserChange } from '../users/people.ts';

export interface UserSetOptions {
  maySendAs?: string;
  passwordStdin?: boolean;
  role?: string;
  approver?: string;
  name?: string;
  department?: string;
  holdMinutes?: string;
  confirm?: 'on' | 'off';
}

/** --hold-minutes: "" = back to the policy's minutes; otherwise a whole number (checkChange in users/people.ts checks the range). */
function holdMinutesOption(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return null;
  if (!/^\d+$/.test(value.trim())) throw new CliError(`--hold-minutes: "${value}" is not a whole number of minutes`);
  return Number(value.trim());
}

export async function userSetCommand(email: string, opts: UserSetOptions): Promise<void> {
  const change: UserChange = {
    role: opts.role,
    approver: opts.approver,
    name: opts.name,
    department: opts.department,
    holdMinutes: holdMinutesOption(opts.holdMinutes),
    confirm: opts.confirm === undefined ? undefined : opts.confirm === 'on',
  };
  const changesUser = Object.values(change).some((v) => v !== undefined);
  if (opts.maySendAs === undefined && !opts.passwordStdin && !changesUser) {
    throw new CliError(
      'nothing to change: give an option such as --role, --approver, --name, --department, --hold-minutes, --confirm, ' +
        '--may-send-as or --password-stdin',
    );
  }
  const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : null;
  if (password !== null) checkPasswordForCli(password);
  const lines = await withStore(async (store) => {
    const user = await findUser(store, ALL_TENANTS, email);
    const out: string[] = [];
    const sendAs = opts.maySendAs?.split(',');
    if (sendAs) {
      // its own problems named by the option (checked again, with the rest, below)
      try {
        await checkSendAs(store, user, sendAs);
      } catch (err) {
        if (err instanceof ServiceError) throw new CliError(`--may-send-as: ${err.message}`);
        throw err;
      }
    }
    // the fields and --may-send-as in one transaction: a refused part changes nothing
    const done = changesUser || sendAs ? await changeUserAndSendAs(store, user, changesUser ? change : {}, sendAs, 'cli') : null;
    if (done && changesUser) {
      const after = done.user;
      out.push(
        `${after.email}: ${after.role}, approver ${after.approver_email ?? '-'}, name ${after.name ?? '-'}, ` +
          `department ${after.department ?? '-'}`,
        `  hold minutes ${after.hold_minutes ?? '(policy)'}, confirmation ${Number(after.confirm_off) === 1 ? 'off' : 'on (policy)'}`,
      );
    }
    if (done?.maySendAs) out.push(`${user.email} may send as: ${[user.email, ...done.maySendAs].join(', ')}`);
    if (password !== null) {
      const r = await setUserPassword(store, user, password, 'cli');
      out.push(`${user.email}: password changed; ${r.sessionsEnded} console session(s) ended`);
    }
    return out;
  });
  process.stdout.write(lines.join('\n') + '\n');
}

function checkPasswordForCli(password: string): void {
  try {
    checkPassword(password);
  } catch (err) {
    throw new CliError(`the password from stdin: ${(err as Error).message}`);
  }
}
