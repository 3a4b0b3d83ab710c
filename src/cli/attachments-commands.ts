// The `sekisho` commands of the attachments area, registered on the program by cli/index.ts.
import type { Command } from 'commander';

export function registerAttachmentsCommands(_program: Command): void {}
