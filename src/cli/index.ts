// The `sekisho` command line (commander). Every command reads the same settings as `start`;
// bad input prints one line and exits non-zero without changing anything. `--help` lists every
// command with one line each; `--version` prints the version and the commit it was built from.
import { type Argument, Command, CommanderError, Help, Option } from 'commander';
import { CliError } from './cli-error.ts';
import { ConfigError } from '../config/load.ts';
import { NoDatabaseError } from '../store/open-store.ts';
import { versionLine } from '../util/version.ts';
import { reloadCommand } from './reload-command.ts';
import { tenantAddCommand } from './tenant-add.ts';
import { tenantDeleteCommand } from './tenant-delete.ts';
import { userAddCommand } from './user-add.ts';
import { userExportCommand, userImportCommand } from './user-import.ts';
import { userSetCommand } from './user-set.ts';
import { messageListCommand, messageShowCommand } from './message-list.ts';
import { registerDeliveryCommands } from './delivery-commands.ts';
import { registerOutboundCommands } from './outbound-commands.ts';
import { registerAttachmentsCommands } from './attachments-commands.ts';
import { registerInboundCommands } from './inbound-commands.ts';
import { registerConsoleCommands } from './console-commands.ts';
import { registerSecretsCommands } from './secrets-commands.ts';
import { registerRetentionCommands } from './retention-commands.ts';
import { registerLimitsCommands } from './limits-commands.ts';
import { registerWebhookCommands } from './webhook-commands.ts';
import { registerQueueCommands } from './queue-commands.ts';
import { registerBackupCommands } from './backup-commands.ts';
import { registerPeopleCommands } from './people-commands.ts';
import { ROLES } from '../users/people.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildCli(): Command {
  const program = new Command('sekisho')
    .description('Sekisho (関所) email security gateway')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n'),
      // one line per command when the help goes to a pipe (grep); wrapped to a terminal's width
      getOutHelpWidth: () => (process.stdout.isTTY ? process.stdout.columns : 1000),
    })
    // read (dist/build-info.json, or git when run from source) only when asked for
    .option('-v, --version', 'print the version and the git commit it was built from')
    .on('option:version', () => {
      process.stdout.write(`${versionLine()}\n`);
      process.exit(0);
    });
  // `start` loads the whole gateway (fastify, smtp-server, every feature module); the management
  // commands need little more than the store, so `start` is imported only when it is the command.
  program
    .command('start')
    .description('run the gateway (every role, in one or several processes) until SIGTERM')
    .action(async () => (await import('./start.ts')).startCommand());
  program
    .command('reload')
    .description('reload the running gateway: configuration and TLS certificate, without a restart (as SIGHUP)')
    .option('--wait <seconds>', 'how long to wait for the outcome', '300')
    .action(reloadCommand);

  const tenant = program.command('tenant').description('manage tenants');
  tenant
    .command('add <name>')
    .description('add a tenant with its mail domains')
    .requiredOption('--domain <domain>', 'a mail domain of the tenant (repeatable)', collect)
    .option('--inbound-route <url>', 'smtp://host:port of the tenant mail server for inbound mail')
    .action(tenantAddCommand);
  tenant
    .command('delete <name>')
    .description('delete a tenant with all its mail, users and settings (the audit trail stays)')
    .option('--purge', 'required: yes, remove everything the tenant holds')
    .option('--yes', 'do not ask for the name again')
    .action(tenantDeleteCommand);

  const user = program.command('user').description('manage users');
  user
    .command('add <email>')
    .description('add a user (password from stdin with --password-stdin, else generated and printed)')
    .requiredOption('--tenant <name>')
    .requiredOption('--role <role>', 'admin | approver | user')
    .option('--approver <email>', "manager who approves this user's mail")
    .option('--password-stdin', 'read the password from standard input')
    .action(userAddCommand);
  user
    .command('set <email>')
    .description('change a user (only the options given)')
    .option('--may-send-as <addresses>', 'comma-separated addresses the user may send as besides their own ("" = none)')
    .option('--password-stdin', 'set a new password read from standard input')
    .addOption(new Option('--role <role>').choices(ROLES))
    .option('--approver <email>', 'the user of this tenant who approves their mail ("" = none)')
    .option('--name <name>', '氏名 as admins see it ("" = none)')
    .option('--department <department>', '部署 ("" = none)')
    .option('--hold-minutes <minutes>', 'their own hold minutes, 1 to 4320, replacing the policy\'s for their mail ("" = the policy\'s)')
    .addOption(new Option('--confirm <on|off>', 'off: confirmation stages are skipped for their mail').choices(['on', 'off']))
    .action(userSetCommand);
  user
    .command('import <file>')
    .description('CSV with columns address,password,role[,approver,name,department,holdMinutes,confirm]; all rows or none')
    .requiredOption('--tenant <name>')
    .action(userImportCommand);
  user
    .command('export')
    .description('the tenant’s users as CSV (the import’s columns; passwords are never exported)')
    .requiredOption('--tenant <name>')
    .action(userExportCommand);

  const message = program.command('message').description('inspect the queue and audit trail');
  message
    .command('list')
    .description('messages in the queue, newest first (--state, --tenant, --limit, --json)')
    .option('--tenant <name>')
    .option('--state <state>')
    .option('--limit <n>')
    .option('--json')
    .action(messageListCommand);
  message
    .command('show <id>')
    .description('one message: envelope, state, recipients, audit trail')
    .option('--json')
    .action(messageShowCommand);

  // Each feature area adds its own commands (and subcommands of `message`).
  for (const register of [
    registerDeliveryCommands,
    registerOutboundCommands,
    registerAttachmentsCommands,
    registerInboundCommands,
    registerConsoleCommands,
    registerSecretsCommands,
    registerRetentionCommands,
    registerLimitsCommands,
    registerQueueCommands,
    registerBackupCommands,
    registerPeopleCommands,
    registerWebhookCommands,
  ]) {
    register(program);
  }

  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)])
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n') });
  listEveryCommand(program);
  return program;
}

/** `<id>`, `[id]`, `<file...>`: commander's own notation, which its Help does not export */
function argumentTerm(arg: Argument): string {
  const name = arg.name() + (arg.variadic ? '...' : '');
  return arg.required ? `<${name}>` : `[${name}]`;
}

/** The top-level help lists each command that does something (`message list`), not the groups. */
function listEveryCommand(program: Command): void {
  const help = new Help();
  const leaves = (cmd: Command): Command[] => (cmd.commands.length ? cmd.commands.flatMap(leaves) : [cmd]);
  const path = (cmd: Command): string => (cmd.parent && cmd.parent !== program ? `${path(cmd.parent)} ${cmd.name()}` : cmd.name());
  program.configureHelp({
    visibleCommands: (cmd) => {
      if (cmd !== program) return help.visibleCommands(cmd);
      // commander's own `help [command]` is not in program.commands
      const implicit = help.visibleCommands(program).filter((c) => !program.commands.includes(c));
      return [...program.commands.flatMap(leaves), ...implicit];
    },
    subcommandTerm: (cmd) => [path(cmd), ...cmd.registeredArguments.map(argumentTerm)].join(' '),
  });
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its one-line message; help and version exit 0.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof NoDatabaseError) {
      process.stderr.write(`sekisho: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`sekisho: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`sekisho: ${(err as Error).message?.split('\n')[0] ?? String(err)}\n`);
    process.exit(1);
  }
}
