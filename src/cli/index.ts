// The `sekisho` command line (commander). Every command reads the same settings as `start`;
// bad input prints one line and exits non-zero without changing anything.
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.ts';
import { ConfigError } from '../config/load.ts';
import { startCommand } from './start.ts';
import { tenantAddCommand } from './tenant-add.ts';
import { userAddCommand } from './user-add.ts';
import { userImportCommand } from './user-import.ts';
import { messageListCommand, messageShowCommand } from './message-list.ts';
import { registerDeliveryCommands } from './delivery-commands.ts';
import { registerOutboundCommands } from './outbound-commands.ts';
import { registerAttachmentsCommands } from './attachments-commands.ts';
import { registerInboundCommands } from './inbound-commands.ts';
import { registerConsoleCommands } from './console-commands.ts';
import { registerSecretsCommands } from './secrets-commands.ts';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function buildCli(): Command {
  const program = new Command('sekisho')
    .description('Sekisho (関所) email security gateway')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n') });
  program.command('start').description('run every role in one process').action(startCommand);

  const tenant = program.command('tenant').description('manage tenants');
  tenant
    .command('add <name>')
    .requiredOption('--domain <domain>', 'a mail domain of the tenant (repeatable)', collect)
    .option('--inbound-route <url>', 'smtp://host:port of the tenant mail server for inbound mail')
    .action(tenantAddCommand);

  const user = program.command('user').description('manage users');
  user
    .command('add <email>')
    .requiredOption('--tenant <name>')
    .requiredOption('--role <role>', 'admin | approver | user')
    .option('--approver <email>', "manager who approves this user's mail")
    .option('--password-stdin', 'read the password from standard input')
    .action(userAddCommand);
  user
    .command('import <file>')
    .description('CSV with columns address,password,role')
    .requiredOption('--tenant <name>')
    .action(userImportCommand);

  const message = program.command('message').description('inspect the queue and audit trail');
  message
    .command('list')
    .option('--tenant <name>')
    .option('--state <state>')
    .option('--limit <n>')
    .option('--json')
    .action(messageListCommand);
  message.command('show <id>').option('--json').action(messageShowCommand);

  // Each feature area adds its own commands (and subcommands of `message`).
  for (const register of [
    registerDeliveryCommands,
    registerOutboundCommands,
    registerAttachmentsCommands,
    registerInboundCommands,
    registerConsoleCommands,
    registerSecretsCommands,
  ]) {
    register(program);
  }

  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)])
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s.split('\n')[0] + '\n') });
  return program;
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
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`sekisho: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`sekisho: ${(err as Error).message?.split('\n')[0] ?? String(err)}\n`);
    process.exit(1);
  }
}
