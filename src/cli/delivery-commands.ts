// The `sekisho` commands of the delivery area, registered on the program by cli/index.ts.
import type { Command } from 'commander';

export function registerDeliveryCommands(_program: Command): void {}
