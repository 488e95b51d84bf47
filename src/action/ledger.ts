import { resolve } from 'node:path';
import type { LedgerSettings } from '../check';
import type { RunInfo } from '../engine';
import { BranchLedgerStore, type GitHubRequest } from '../ledger/branch-store';
import { FileLedgerStore } from '../ledger/file-store';
import type { Logger } from '../logger';
import type { RemotePolicyFetcher } from '../io/policy';
import { readRepoFile } from '../github/contents';
import type { ActionSettings } from './inputs';
import { apiBaseUrl, createGitHubClient, runRetryState } from './octokit';
import type { RetryState } from '../github/retry';

/**
 * Who writes the ledger, and where it is, for an Action run. Pushes to the default branch, schedules, manual runs,
 * deployments and releases write; pull-request runs (and pushes to other branches) read and compare. `ledger-write`
 * overrides.
 */

const GIT_CREATE = /^POST \/repos\/\{owner\}\/\{repo\}\/git\//;
const WRITING_EVENTS = new Set(['schedule', 'workflow_dispatch', 'deployment', 'deployment_status', 'release', 'repository_dispatch']);
const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'merge_group']);

export function isPullRequestRun(eventName: string | undefined, payload: unknown): boolean {
  if (!eventName) return false;
  if (PR_EVENTS.has(eventName)) return true;
  if (eventName === 'workflow_run') {
    const wr = (payload as { workflow_run?: { event?: string; pull_requests?: unknown[] } }).workflow_run;
    return wr?.event === 'pull_request' || (wr?.pull_requests?.length ?? 0) > 0;
  }
  return false;
}

/** Whether this run may write the ledger, and why (for the log). */
export function ledgerWriteDecision(
  setting: 'auto' | 'true' | 'false',
  eventName: string | undefined,
  ref: string | undefined,
  payload: unknown,
): { write: boolean; why: string } {
  if (setting === 'true') return { write: true, why: 'ledger-write: true' };
  if (setting === 'false') return { write: false, why: 'ledger-write: false' };
  if (!eventName) return { write: false, why: 'no GitHub event' };
  if (isPullRequestRun(eventName, payload)) return { write: false, why: `${eventName} runs compare with the ledger and do not write it` };
  if (eventName === 'push') {
    const def = (payload as { repository?: { default_branch?: string } }).repository?.default_branch;
    if (def && ref === `refs/heads/${def}`) return { write: true, why: `push to the default branch ${def}` };
    return {
      write: false,
      why: def ? `push to ${ref ?? 'another ref'}, not the default branch ${def}` : 'push without a known default branch',
    };
  }
  if (WRITING_EVENTS.has(eventName)) return { write: true, why: `${eventName} run` };
  return { write: false, why: `${eventName} runs do not write the ledger` };
}

export function runInfo(env: NodeJS.ProcessEnv): RunInfo {
  return {
    ...(env.GITHUB_EVENT_NAME ? { event: env.GITHUB_EVENT_NAME } : {}),
    ...(env.GITHUB_REF ? { ref: env.GITHUB_REF } : {}),
    ...(env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}),
    ...(env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
  };
}

/** Builds the ledger settings of an Action run; undefined (with a log line) when tracking is off or impossible. */
export function actionLedger(
  settings: ActionSettings,
  payload: unknown,
  logger: Logger,
  now: Date,
  env: NodeJS.ProcessEnv = process.env,
  retryState: RetryState = runRetryState(env),
): LedgerSettings | undefined {
  const l = settings.ledger;
  if (!l) return undefined;
  const decision = ledgerWriteDecision(l.write, env.GITHUB_EVENT_NAME, env.GITHUB_REF, payload);
  if (l.spec.kind === 'file') {
    logger.info(`defect-gate: ledger file:${l.spec.path} (scope ${l.scope}); ${decision.write ? 'writing' : 'read only'}: ${decision.why}`);
    return {
      store: new FileLedgerStore(resolve(settings.workspace, l.spec.path), () => now, l.spec.path),
      scope: l.scope,
      write: decision.write,
    };
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!settings.github.token || !owner || !repo) {
    logger.warning(
      `defect-gate: no ledger: the branch ledger ${l.spec.branch} needs a token and GITHUB_REPOSITORY; statuses and SLA clocks are off for this run`,
    );
    return undefined;
  }
  const client = createGitHubClient(settings.github.token, { baseUrl: apiBaseUrl(env), logger, retryState });
  // Git objects are content-addressed and a ref that exists already answers 422 (re-read and merged): the ledger's
  // creates may be repeated after a 5xx.
  const request: GitHubRequest = (r, p) => client.request(r, GIT_CREATE.test(r) ? { ...p, request: { idempotent: true } } : p);
  logger.info(
    `defect-gate: ledger branch:${l.spec.branch} (scope ${l.scope}); ${decision.write ? 'writing' : 'read only'}: ${decision.why}`,
  );
  return {
    store: new BranchLedgerStore(request, { owner, repo }, l.spec.branch, () => now, logger),
    scope: l.scope,
    write: decision.write,
  };
}

/** Reads `owner/repo/path@ref` base policies through the API with the Action's token (GHES via GITHUB_API_URL). */
export function policyFetcher(
  token: string,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  retryState: RetryState = runRetryState(env),
): RemotePolicyFetcher {
  const client = createGitHubClient(token, { baseUrl: apiBaseUrl(env), logger, retryState });
  return (spec) => readRepoFile(client, spec);
}
