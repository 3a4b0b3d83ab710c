// A throwaway Postfix relay on loopback for the benches: own config, queue and log in a temp
// dir, relayhost = the bench's sink. For the inbound bench it can also relay a domain for any
// client, pass every message to a milter (Rspamd's), and take XCLIENT from loopback, so the milter
// sees the sending address the bench names instead of 127.0.0.1.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import net from 'node:net';
import { freePort, processTree } from './proc.ts';

export interface PostfixOptions {
  /** `smtpd_milters` (e.g. 'unix:/run/rspamd/milter.sock'); a milter that fails tempfails the message */
  milter?: string;
  /** domains relayed for any client (to the sink), as an MX of theirs would */
  relayDomains?: string[];
  /** loopback clients may send XCLIENT */
  xclient?: boolean;
}

/** Debian's postfix package is installed (the benches compare with it where it is). */
export function havePostfix(): boolean {
  return existsSync('/usr/sbin/postfix');
}

export async function startPostfix(
  dir: string,
  sinkPort: number,
  options: PostfixOptions = {},
): Promise<{ port: number; stop: () => void; pids: () => number[] } | null> {
  if (!havePostfix()) return null;
  const port = await freePort();
  const conf = join(dir, 'etc');
  const queue = join(dir, 'queue');
  mkdirSync(conf, { recursive: true });
  mkdirSync(queue, { recursive: true });
  const master = readFileSync('/etc/postfix/master.cf', 'utf8').replace(/^smtp\s+inet\s.*$/m, `127.0.0.1:${port} inet n - n - - smtpd`);
  writeFileSync(join(conf, 'master.cf'), master);
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${join(dir, 'data')}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = postfix-bench.localhost',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      `relayhost = [127.0.0.1]:${sinkPort}`,
      'smtp_tls_security_level = none',
      'smtpd_tls_security_level = none',
      `maillog_file = ${join(dir, 'maillog')}`,
      // postfix refuses a log file outside these prefixes, and says so only on a terminal
      `maillog_file_prefixes = ${dir}`,
      'smtpd_client_connection_count_limit = 0',
      'smtpd_client_connection_rate_limit = 0',
      'smtpd_client_message_rate_limit = 0',
      'default_process_limit = 100',
      'smtp_connection_cache_on_demand = yes',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      ...(options.relayDomains
        ? [`relay_domains = ${options.relayDomains.join(' ')}`, `relay_transport = relay:[127.0.0.1]:${sinkPort}`]
        : []),
      ...(options.milter ? [`smtpd_milters = ${options.milter}`, 'milter_default_action = tempfail'] : []),
      ...(options.xclient ? ['smtpd_authorized_xclient_hosts = 127.0.0.0/8'] : []),
    ].join('\n') + '\n',
  );
  mkdirSync(join(dir, 'data'), { recursive: true });
  execFileSync('chown', ['-R', 'postfix', join(dir, 'data')]);
  // mkdtemp makes the bench's directory 0700: postfix's own processes (user postfix) must pass
  // through it and every directory down to this one
  for (let d = dir; d.startsWith(`${tmpdir()}/`); d = dirname(d)) chmodSync(d, 0o755);
  const env = { ...process.env, MAIL_CONFIG: conf };
  const setup = spawnSync('/usr/sbin/postfix', ['-c', conf, 'set-permissions'], { env, encoding: 'utf8' });
  const start = spawnSync('/usr/sbin/postfix', ['-c', conf, 'start'], { env, encoding: 'utf8' });
  if (start.status !== 0) {
    // postfix prints its reason only on a terminal; its own log file has it
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : start.stderr || setup.stderr;
    console.log(
      `postfix did not start: ${
        log
          .trim()
          .split('\n')
          .filter((l) => /fatal|error/.test(l))[0] ?? log.trim().split('\n').at(-1)
      }`,
    );
    return null;
  }
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) =>
      net
        .connect(port, '127.0.0.1')
        .once('connect', function (this: net.Socket) {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Postfix's processes: the master and its children (every daemon). Read from /proc rather than
  // with ps or pgrep: the RSS sampler asks ten times a second, and spawning those took about a
  // quarter of a core from the Postfix being measured (and matched any other Postfix running here).
  const pids = () => {
    try {
      return processTree(Number(readFileSync(join(queue, 'pid', 'master.pid'), 'utf8').trim()));
    } catch {
      return [];
    }
  };
  return { port, pids, stop: () => spawnSync('/usr/sbin/postfix', ['-c', conf, 'stop'], { env }) };
}
