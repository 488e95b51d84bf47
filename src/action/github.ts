import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { CodeLinks } from '../report/markdown';
import type { RunResult } from '../engine';
import type { Logger } from '../logger';
import { resolveWarningRank } from '../github/annotations';
import { publishToGitHub, type PublishOutcome } from '../github/publish';
import { resolveTarget } from '../github/target';
import { createGitHubClient, apiBaseUrl, runRetryState } from './octokit';
import type { RetryState } from '../github/retry';
import { InputValidationError, type ActionSettings } from './inputs';

/**
 * The Action's GitHub reporting step: reads the event and the runner's environment, builds the client and publishes
 * the check run and the sticky comment. Never throws for API problems (the outcome says what was skipped); throws
 * InputValidationError for a bad `annotation-level`, like any other input error.
 */

/** The web address of GitHub: `GITHUB_SERVER_URL` (GHES), else https://github.com. */
export function serverUrl(env: NodeJS.ProcessEnv): string {
  return (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
}

/**
 * Links from locations to the code at the commit this run reports on (the PR head on pull requests), for the job
 * summary; undefined when that commit is not known without asking GitHub.
 */
export function summaryCodeLinks(settings: ActionSettings, env: NodeJS.ProcessEnv, payload: unknown): CodeLinks | undefined {
  const target = resolveTarget({
    eventName: env.GITHUB_EVENT_NAME,
    payload,
    repository: env.GITHUB_REPOSITORY,
    sha: env.GITHUB_SHA,
    prNumber: settings.github.prNumber,
    headSha: settings.github.headSha,
  });
  if ('error' in target || !target.headSha) return undefined;
  return { serverUrl: serverUrl(env), owner: target.owner, repo: target.repo, sha: target.headSha };
}

export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = serverUrl(env);
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
}

export function readEventPayload(env: NodeJS.ProcessEnv): unknown {
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return {};
  }
}

/** The check run name (and comment scope): the `check-name` input, else `<name> (<environment>)`. */
export function checkNameFor(settings: ActionSettings, environment: string): string {
  return settings.github.checkName ?? `${settings.name} (${environment})`;
}

export async function reportToGitHub(
  settings: ActionSettings,
  result: RunResult,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  retryState: RetryState = runRetryState(env),
): Promise<PublishOutcome | undefined> {
  const gh = settings.github;
  const rank = resolveWarningRank(result.levels, gh.annotationLevel);
  if ('error' in rank) throw new InputValidationError(rank.error);
  if (!gh.checkRun && gh.comment === 'never') return undefined;
  if (!gh.token) {
    logger.info('defect-gate: no token: no check run or PR comment (job summary and annotations only)');
    return undefined;
  }
  const target = resolveTarget({
    eventName: env.GITHUB_EVENT_NAME,
    payload: readEventPayload(env),
    repository: env.GITHUB_REPOSITORY,
    sha: env.GITHUB_SHA,
    prNumber: gh.prNumber,
    headSha: gh.headSha,
  });
  if ('error' in target) {
    logger.warning(`defect-gate: no check run or PR comment: ${target.error}`);
    return { skipped: [], notes: [target.error] };
  }
  logger.debug(`defect-gate: reporting on ${target.owner}/${target.repo} ${target.source}`);
  let outcome: PublishOutcome;
  try {
    const client = createGitHubClient(gh.token, { baseUrl: apiBaseUrl(env), logger, retryState });
    outcome = await publishToGitHub(
      client,
      result,
      target,
      {
        checkRun: gh.checkRun,
        checkName: checkNameFor(settings, result.environment),
        comment: gh.comment,
        maxAnnotations: settings.maxAnnotations,
        warningRank: rank.rank,
        title: settings.name,
        runUrl: runUrl(env),
        policyPath: settings.policy,
        serverUrl: serverUrl(env),
        ...(gh.commentAuthor ? { commentAuthor: gh.commentAuthor } : {}),
        ...(env.GITHUB_RUN_ID ? { externalId: `defect-gate:${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? '1'}:${randomUUID()}` } : {}),
        now: () => new Date(),
      },
      logger,
    );
  } catch (err) {
    // publishToGitHub catches API errors itself; this is the last guard: reporting never fails the step.
    const message = err instanceof Error ? err.message : String(err);
    logger.warning(`defect-gate: GitHub reporting failed (${message}); see the job summary. The verdict is enforced as usual.`);
    return { skipped: [], notes: [message] };
  }
  for (const note of outcome.notes) logger.debug(`defect-gate: ${note}`);
  if (outcome.warning) logger.warning(outcome.warning);
  return outcome;
}
