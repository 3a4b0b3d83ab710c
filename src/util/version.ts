// What this copy of Sekisho is: its version and the git commit it was built from, for
// `sekisho --version` and /healthz. The build writes build-info.json at the top of the built
// modules (dist/); run from source (tests, development) the version comes from package.json and the
// commit from git, marked "source". Read once, on first use.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  /** short commit hash, "-dirty" when tracked files had changed; "unknown" without git */
  commit: string;
}

let cached: BuildInfo | null = null;

export function buildInfo(): BuildInfo {
  cached ??= readBuilt() ?? fromSource();
  return cached;
}

/** `sekisho 0.1.0 (commit 1a2b3c4d5e6f)` */
export function versionLine(): string {
  const { version, commit } = buildInfo();
  return `sekisho ${version} (commit ${commit})`;
}

function readBuilt(): BuildInfo | null {
  try {
    const info = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as Partial<BuildInfo>;
    return typeof info.version === 'string' && typeof info.commit === 'string' ? { version: info.version, commit: info.commit } : null;
  } catch {
    return null;
  }
}

function fromSource(): BuildInfo {
  // src/ and dist/ both sit directly under the package root (this file is in their util/)
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout, or no git: the version alone
  }
  return { version, commit: `${commit}, source` };
}
