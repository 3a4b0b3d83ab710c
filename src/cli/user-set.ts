// `sekisho user set EMAIL [--may-send-as A,B]`: changes an existing user. Each option changes one
// thing and leaves the rest as it is; more options join here as the user gains settings.
// --may-send-as replaces the addresses the user may send as besides their own ("" = none).
import { CliError } from './cli-error.ts';
import { withStore } from './context.ts';
import { setSendAs, SendAsError } from '../users/send-as.ts';

export interface UserSetOptions {
  maySendAs?: string;
}

export async function userSetCommand(email: string, opts: UserSetOptions): Promise<void> {
  if (opts.maySendAs === undefined) throw new CliError('nothing to change: give an option such as --may-send-as');
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
    return out;
  });
  process.stdout.write(lines.join('\n') + '\n');
}
