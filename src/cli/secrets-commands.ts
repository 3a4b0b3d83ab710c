// `sekisho secrets rotate`: appends a new key to the secrets key file and seals every stored
// secret with it (the store does that when it opens with a key it has not seen: src/secrets). Run
// it with every node stopped; then copy the key file to every other node before starting them.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { withStore } from './context.ts';
import { loadConfig } from '../config/load.ts';
import { defaultKeyFile, rotateKeyFile } from '../secrets/key-file.ts';

export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('the key that seals secrets in the database');
  secrets
    .command('rotate')
    .description('add a new secrets key and seal every stored secret with it (stop every node first)')
    .action(async () => {
      const config = loadConfig();
      const path = config.secretsKeyFile ?? defaultKeyFile(config.dataDir);
      if (!existsSync(path)) throw new CliError(`no secrets key file at ${path} (it is created by the first start)`);
      const key = rotateKeyFile(path);
      await withStore(async () => {});
      process.stdout.write(
        `new secrets key ${key.id} added to ${path}; every stored secret is now sealed with it.\n` +
          'Copy this file to every other node before starting it, and back it up (docs/security.md).\n',
      );
    });
}
