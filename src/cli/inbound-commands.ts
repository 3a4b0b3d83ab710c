// The `sekisho` commands of the inbound area, registered on the program by cli/index.ts.
import type { Command } from 'commander';

export function registerInboundCommands(_program: Command): void {}
