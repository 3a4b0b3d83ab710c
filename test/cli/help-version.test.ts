// `sekisho --help` lists every command that does something (`message list`, not the group
// `message`) with its one-line description, one line each when piped; `--version` and `-v` print
// the version and the commit (from source: git's, marked "source"; the built form is tested in
// test/release/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildCli } from '../../src/cli/index.ts';
import { runCli } from '../helpers/process.ts';

const leaves = (cmd: Command): Command[] => (cmd.commands.length ? cmd.commands.flatMap(leaves) : [cmd]);
const path = (cmd: Command): string => (cmd.parent?.parent ? `${path(cmd.parent)} ${cmd.name()}` : cmd.name());

describe('sekisho --help and --version', () => {
  it('--help lists every command with one line each', async () => {
    const r = await runCli(['--help'], {});
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const commands = leaves(buildCli());
    assert.ok(commands.length > 20, `${commands.length} commands`);
    for (const cmd of commands) {
      assert.ok(cmd.description(), `${path(cmd)} has a description`);
      const line = lines.find((l) => l.startsWith(`  ${path(cmd)} `) || l === `  ${path(cmd)}`);
      assert.ok(line, `${path(cmd)} listed:\n${r.stdout}`);
      assert.ok(line.endsWith(cmd.description()), `${path(cmd)} on one line with its description: ${line}`);
    }
    assert.ok(!lines.some((l) => /^ {2}message +inspect/.test(l)), 'groups are not listed as commands');
  });

  it('--version and -v print the version and the commit', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await runCli([flag], {});
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^sekisho ${version.replaceAll('.', '\\.')} \\(commit ([0-9a-f]{12}|unknown), source\\)\\n$`));
    }
  });
});
