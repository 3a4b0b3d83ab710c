// The `sekisho` commands of the console area, registered on the program by cli/index.ts.
import type { Command } from 'commander';

export function registerConsoleCommands(_program: Command): void {}
