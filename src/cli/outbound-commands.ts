// The `sekisho` commands of the outbound area, registered on the program by cli/index.ts.
import type { Command } from 'commander';

export function registerOutboundCommands(_program: Command): void {}
