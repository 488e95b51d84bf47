import { execFileSync } from 'node:child_process';
import { relative, resolve } from 'node:path';
import type { PolicyRef } from '../io/policy-source';
import type { LedgerSettings } from '../check';
import { readRepoFile } from '../github/contents';
import type { GitHubClient } from '../github/client';
import { cliGitHubClient } from '../github/octokit';
import type { RemotePolicyFetcher } from '../io/policy';
import { FileLedgerStore } from '../ledger/file-store';
import { checkScope, parseLedgerSpec } from '../ledger/store';
import { retentionFromEnv } from '../ledger/compact';
import type { RunDateRule } from '../ledger/track';
import { isoTime } from '../ingest/values';
import { errorMessage } from '../errors';

/** Flag handling shared by the CLI's commands (src/cli/*.ts). */

/**
 * `--now`: an ISO 8601 date or time that exists (the check of scanner and ledger times, src/ingest/values.ts isoTime:
 * 2026-02-30, 2026-13-01 or 24:00:61 are refused, not rolled over), or the error message for a usage error.
 */
export function parseNow(raw: string | undefined, fallback: Date): Date | string {
  if (raw === undefined) return fallback;
  const iso = isoTime(raw);
  if (iso === undefined) {
    return `invalid --now "${raw}": expected an ISO 8601 date or time that exists, such as 2026-12-31 or 2026-12-31T12:00:00Z`;
  }
  return new Date(iso);
}

/** `DEFECT_GATE_LEDGER_LOCK_WAIT_MS`: how long a run waits for another run's ledger lock (default 120 s). */
export function lockWaitMs(env: Record<string, string | undefined>): number | undefined {
  const v = Number(env.DEFECT_GATE_LEDGER_LOCK_WAIT_MS);
  return env.DEFECT_GATE_LEDGER_LOCK_WAIT_MS && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * `--ledger file:PATH`, `--ledger-scope` and `--allow-backdated`: the ledger of a CLI command (files only: branch
 * ledgers are the Action's), or the error message for a usage error. A run dated by `--now` is refused when it is
 * before the ledger's last run (unless --allow-backdated); one dated by the clock only when the ledger is ahead of it.
 */
export function fileLedger(
  flags: { ledger?: string; 'ledger-scope'?: string; 'allow-backdated'?: boolean; now?: string },
  workspace: string,
  now: Date,
  write: boolean,
  opts: { clock?: () => Date; env?: Record<string, string | undefined>; note?: (message: string) => void } = {},
): LedgerSettings | undefined | string {
  if (flags.ledger === undefined) return flags['allow-backdated'] ? '--allow-backdated needs --ledger file:PATH' : undefined;
  let spec;
  let scope;
  try {
    spec = parseLedgerSpec(flags.ledger);
    scope = checkScope(flags['ledger-scope'] ?? 'default');
  } catch (err) {
    return errorMessage(err);
  }
  if (spec.kind !== 'file')
    return `--ledger ${flags.ledger}: the CLI keeps its ledger in a file (file:PATH); branch ledgers are written by the Action`;
  const waitMs = lockWaitMs(opts.env ?? {});
  let retentionDays;
  try {
    retentionDays = retentionFromEnv(opts.env?.DEFECT_GATE_LEDGER_RETENTION_DAYS);
  } catch (err) {
    return errorMessage(err);
  }
  const store = new FileLedgerStore(resolve(workspace, spec.path), () => now, spec.path, {
    ...(waitMs !== undefined ? { waitMs } : {}),
    ...(retentionDays !== undefined ? { retentionDays } : {}),
    ...(opts.note ? { onStale: opts.note } : {}),
  });
  const runDate: RunDateRule = {
    ...(flags['allow-backdated'] ? { allowBackdated: true } : {}),
    ...(flags.now === undefined ? { clock: opts.clock ?? (() => new Date()) } : {}),
  };
  return { store, scope, write, runDate };
}

/** Reads `owner/repo/path@ref` base policies (`extends`) through the GitHub API with GITHUB_TOKEN or GH_TOKEN. */
export function remotePolicyFetcher(
  env: Record<string, string | undefined>,
  warn: (message: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
): RemotePolicyFetcher {
  let client: GitHubClient | undefined;
  return (spec) => readRepoFile((client ??= cliGitHubClient(env, { warn })), spec);
}

/**
 * `--policy-ref REF` (issue #17): the policy, its local bases and exception files are read at REF, not from the
 * checkout, the way the Action reads a pull request's base commit. With `git show` when the checkout has REF (a full
 * clone, `git fetch origin main`), else through the GitHub API (`--repo OWNER/REPO` or GITHUB_REPOSITORY, and
 * GITHUB_TOKEN or GH_TOKEN). Returns the reference and the reader, or a usage error.
 */
export function policyRefSource(
  ref: string,
  workspace: string,
  env: Record<string, string | undefined>,
  repoFlag: string | undefined,
  apiUrl?: string,
): { ref: PolicyRef; fetch: RemotePolicyFetcher } | string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/~^@{}-]*$/.test(ref) || ref.includes('..'))
    return `invalid --policy-ref "${ref}": expected a branch, tag or commit sha`;
  const api = remotePolicyFetcher(apiUrl ? { ...env, GITHUB_API_URL: apiUrl } : env);
  const repository = repoFlag ?? env.GITHUB_REPOSITORY;
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    commit = undefined;
  }
  if (commit) {
    // The checkout has REF: read it there (no token needed); remote bases pinned by their own @ref use the API.
    const [owner, repo] =
      repository && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)
        ? (repository.split('/') as [string, string])
        : ['local', 'checkout'];
    const at: PolicyRef = { owner, repo, ref: commit, label: `${ref} (${commit.slice(0, 7)}, git)` };
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: workspace, encoding: 'utf8' }).trim();
    const prefix = relative(top, resolve(workspace)).split('\\').join('/');
    return {
      ref: at,
      fetch: async (spec) => {
        if (spec.owner !== at.owner || spec.repo !== at.repo || spec.ref !== at.ref) return api(spec);
        try {
          return execFileSync('git', ['show', `${commit}:${prefix ? `${prefix}/` : ''}${spec.path}`], {
            cwd: workspace,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            maxBuffer: 16 * 1024 * 1024,
          });
        } catch (err) {
          const e = new Error(
            `git show ${ref}:${spec.path}: ${
              String((err as { stderr?: unknown }).stderr ?? errorMessage(err))
                .trim()
                .split('\n')[0]
            }`,
          ) as Error & { status?: number };
          if (/does not exist|exists on disk, but not in/.test(e.message)) e.status = 404;
          throw e;
        }
      },
    };
  }
  if (!repository || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    return `--policy-ref ${ref}: the checkout has no such commit (git fetch it, or clone with history), and no repository to read it from through the GitHub API (--repo OWNER/REPO or GITHUB_REPOSITORY)`;
  }
  const [owner, repo] = repository.split('/') as [string, string];
  return { ref: { owner, repo, ref, label: `${ref} (${owner}/${repo}, GitHub API)` }, fetch: api };
}
