// `sekisho user set EMAIL [--may-send-as A,B] [--password-stdin]`: changes an existing user. Each
// option changes one thing and leaves the rest as it is; more options join here as the user gains
// settings. --may-send-as replaces the addresses the user may send as besides their own ("" =
// none); --password-stdin sets a new password read from standard input.
import { CliError } from './cli-error.ts';
import { readStdin, withStore } from './context.ts';
import { setSendAs, SendAsError } from '../users/send-as.ts';
import { hashPassword } from '../util/password.ts';

export interface UserSetOptions {
  maySendAs?: string;
  passwordStdin?: boolean;
}

export async function userSetCommand(email: string, opts: UserSetOptions): Promise<void> {
  if (opts.maySendAs === undefined && !opts.passwordStdin) {
    throw new CliError('nothing to change: give an option such as --may-send-as or --password-stdin');
  }
  const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : null;
  if (password !== null && password.length < 8) throw new CliError('the password from stdin must have at least 8 characters');
  const lines = await withStore(async (store) => {
    const user = await store.userByEmail(email);
    if (!user) throw new CliError(`no user ${email.toLowerCase()}`);
    const out: string[] = [];
    if (opts.maySendAs !== undefined) {
      try {
        const list = await setSendAs(store, user, opts.maySendAs.split(','), 'cli');
        out.push(`${user.email} may send as: ${[user.email, ...list].join(', ')}`);
      } catch (err) {
        if (err instanceof SendAsError) throw new CliError(`--may-send-as: ${err.message}`);
        throw err;
      }
    }
    if (password !== null) {
      await store.db
        .updateTable('users')
        .set({ password_hash: await hashPassword(password) })
        .where('id', '=', user.id)
        .execute();
      await store.appendEvent({
        tenantId: user.tenant_id,
        messageId: null,
        actor: 'cli',
        type: 'user.password_set',
        data: { email: user.email },
      });
      out.push(`${user.email}: password changed`);
    }
    return out;
  });
  process.stdout.write(lines.join('\n') + '\n');
}
