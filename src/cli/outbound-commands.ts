// The `sekisho` commands of the outbound area: `policy apply|show|test` and `message release|
// cancel|approve|reject`. The logic lives in src/outbound (shared with the console API); these
// only parse arguments and print. Bad input: one line, exit 1, nothing changed.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore, tenantClock } from './context.ts';
import { applyPolicy, policyYaml } from '../outbound/policy-service.ts';
import { formatPolicyErrors, parsePolicy } from '../policy/load.ts';
import { describeAction, replayPolicy } from '../outbound/policy-replay.ts';
import { parseDuration } from '../util/duration.ts';
import { approve, cancel, reject, release, type Actor } from '../outbound/actions.ts';
import { ServiceError } from '../util/service-error.ts';
import type { OutboundEnv } from '../outbound/stage-engine.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';

export function registerOutboundCommands(program: Command): void {
  const policy = program.command('policy').description('the tenant policy (docs/policy.md)');
  policy
    .command('apply <file>')
    .description('validate and put a policy file in force')
    .requiredOption('--tenant <name>')
    .action(policyApply);
  policy.command('show').description('print the policy in force as YAML').requiredOption('--tenant <name>').action(policyShow);
  policy
    .command('test <file>')
    .description('what a draft policy would have done with recent outbound mail')
    .requiredOption('--tenant <name>')
    .option('--since <duration>', 'how far back (e.g. 7d, 12h)', '7d')
    .option('--json')
    .action(policyTest);

  const message = program.commands.find((c) => c.name() === 'message')!;
  for (const [name, what] of [
    ['release', 'send a held message now (今すぐ送信)'],
    ['cancel', 'cancel a waiting message (送信取り消し)'],
    ['approve', 'approve a message awaiting approval (承認)'],
    ['reject', 'reject a message awaiting approval (却下)'],
  ] as const) {
    message
      .command(`${name} <id>`)
      .description(what)
      .option('--comment <text>', 'recorded in the audit trail and shown to the sender')
      .option('--json')
      .action((id: string, opts: { comment?: string; json?: boolean }) => messageAction(name, id, opts));
  }
}

function readPolicyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function policyApply(file: string, opts: { tenant: string }): Promise<void> {
  const text = readPolicyFile(file);
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const r = await applyPolicy(store, tenant.id, text, 'cli');
    if (!r.ok) {
      // Every problem on its own line (FILE:line:col field: message), then a non-zero exit.
      process.stderr.write(formatPolicyErrors(r.errors, file) + '\n');
      throw new CliError(`policy not applied: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}; nothing changed`);
    }
    process.stdout.write(`policy version ${r.version} applied to ${tenant.name}\n`);
  });
}

async function policyShow(opts: { tenant: string }): Promise<void> {
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    process.stdout.write(await policyYaml(store, tenant.id));
  });
}

async function policyTest(file: string, opts: { tenant: string; since: string; json?: boolean }): Promise<void> {
  const text = readPolicyFile(file);
  let sinceMs: number;
  try {
    sinceMs = parseDuration(opts.since, '--since');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const parsed = parsePolicy(text);
  if (!parsed.ok) {
    process.stderr.write(formatPolicyErrors(parsed.errors, file) + '\n');
    throw new CliError(`${file} is not a valid policy`);
  }
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const { messages, summary } = await replayPolicy(store, tenant.id, parsed.policy, Date.now() - sinceMs);
    if (opts.json) {
      process.stdout.write(
        JSON.stringify({
          messages: messages.map((m) => ({
            id: m.id,
            outcome: m.outcome,
            actualState: m.actualState,
            matchedRules: m.plan.matchedRules,
            actions: m.plan.actions.map((a) => a.type),
            testMatches: m.plan.testMatches.map((t) => t.rule),
            blocked: m.plan.blocked,
          })),
          summary,
        }) + '\n',
      );
      return;
    }
    const clock = await tenantClock(store);
    for (const m of messages) {
      process.stdout.write(
        `${m.id}  ${clock(m.createdAt, tenant.id)}  ${m.from} → ${m.recipients.join(', ')}  ${JSON.stringify(m.subject)}\n`,
      );
      process.stdout.write(`    would be: ${m.outcome} (was: ${m.actualState})\n`);
      if (m.plan.matchedRules.length) process.stdout.write(`    rules:    ${m.plan.matchedRules.join('; ')}\n`);
      if (m.plan.actions.length) process.stdout.write(`    actions:  ${m.plan.actions.map(describeAction).join('; ')}\n`);
      for (const t of m.plan.testMatches)
        process.stdout.write(`    test mode "${t.rule}" would: ${t.actions.map(describeAction).join('; ')}\n`);
    }
    const kv = (o: Record<string, number>) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-';
    process.stdout.write(`summary: ${summary.messages} messages since ${opts.since}; outcome: ${kv(summary.byOutcome)}\n`);
    process.stdout.write(`  rules: ${kv(summary.byRule)}\n  actions: ${kv(summary.byAction)}\n  test mode: ${kv(summary.testMode)}\n`);
  });
}

async function messageAction(
  name: 'release' | 'cancel' | 'approve' | 'reject',
  id: string,
  opts: { comment?: string; json?: boolean },
): Promise<void> {
  await withStore(async (store, config) => {
    // No local worker here: the message is made due now and any running node picks it up.
    const env: OutboundEnv = { store, hostname: config.hostname, publicUrl: config.publicUrl };
    const actor: Actor = { email: 'cli', role: 'cli', scope: ALL_TENANTS };
    try {
      const r =
        name === 'release'
          ? await release(env, id, actor)
          : name === 'cancel'
            ? await cancel(env, id, actor)
            : name === 'approve'
              ? await approve(env, id, actor, opts.comment ?? '')
              : await reject(env, id, actor, opts.comment ?? '');
      process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : `${id}: ${r.state}\n`);
    } catch (err) {
      if (err instanceof ServiceError) throw new CliError(err.message);
      throw err;
    }
  });
}
