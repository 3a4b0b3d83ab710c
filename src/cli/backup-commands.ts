// `sekisho backup FILE` (while the gateway runs and accepts mail) and `sekisho restore FILE
// --data-dir DIR` (into an empty directory) on SQLite; on PostgreSQL `backup` points to pg_dump.
// What goes into the archive and why: src/backup/backup.ts and docs/operation.md.
import type { Command } from 'commander';
import { join } from 'node:path';
import { CliError } from './cli-error.ts';
import { loadConfig } from '../config/load.ts';
import { defaultKeyFile } from '../secrets/key-file.ts';
import { BackupError, backupSqlite, restoreBackup } from '../backup/backup.ts';

export function registerBackupCommands(program: Command): void {
  program
    .command('backup <file>')
    .description('write a consistent copy of the database, blob store and secrets key to FILE (.tar.gz) while running')
    .action(backupCommand);
  program
    .command('restore <file>')
    .description('unpack a backup into an empty data directory (then start with dataDir set to it)')
    .requiredOption('--data-dir <dir>', 'the new data directory (must be missing or empty)')
    .action(restoreCommand);
}

async function backupCommand(file: string): Promise<void> {
  const config = loadConfig();
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    throw new CliError('on PostgreSQL, back up with pg_dump and copy the secrets key file (docs/operation.md, "Backup and restore")');
  }
  const dbFile = url ? url.replace(/^sqlite:(\/\/)?/, '') : join(config.dataDir, 'sekisho.db');
  try {
    const m = await backupSqlite(
      { dbFile, dataDir: config.dataDir, keyFile: config.secretsKeyFile ?? defaultKeyFile(config.dataDir) },
      file,
    );
    process.stdout.write(
      `backup written to ${file}: database ${m.databaseBytes} bytes, ${m.blobFiles} blob files, the secrets key. ` +
        'Keep it as safe as the server: it holds mail and the key to its secrets.\n',
    );
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message);
    throw err;
  }
}

async function restoreCommand(file: string, opts: { dataDir: string }): Promise<void> {
  try {
    const m = await restoreBackup(file, opts.dataDir);
    process.stdout.write(
      `restored the backup of ${m.createdAt} into ${opts.dataDir}; start with dataDir: ${opts.dataDir} ` +
        '(the secrets key is its secretsKey file; the database its sekisho.db)\n',
    );
  } catch (err) {
    if (err instanceof BackupError) throw new CliError(err.message);
    throw err;
  }
}
