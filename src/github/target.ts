import type { RepoRef } from './client';

/**
 * Which commit and pull request to report on. Pure: a function of the event and the inputs.
 *
 * - `pull_request` / `pull_request_target`: the PR's head sha from the event payload (never GITHUB_SHA, which is the
 *   merge commit), and the PR number.
 * - `workflow_run` (the pattern for fork PRs): `workflow_run.head_sha` and `workflow_run.pull_requests[0].number`
 *   (GitHub leaves that list empty for PRs from forks: pass `pr-number` then).
 * - anything else: GITHUB_SHA, no PR.
 * The `head-sha` and `pr-number` inputs override what the event says.
 */

export interface TargetInput {
  eventName?: string;
  /** The event payload (GITHUB_EVENT_PATH), untrusted shape. */
  payload: unknown;
  /** GITHUB_REPOSITORY (`owner/repo`). */
  repository?: string;
  /** GITHUB_SHA. */
  sha?: string;
  /** Inputs. */
  prNumber?: number;
  headSha?: string;
}

export interface ReportTarget extends RepoRef {
  /** Commit for the check run; undefined when only a PR number is known (look it up). */
  headSha?: string;
  prNumber?: number;
  /** How the target was found, for the log. */
  source: string;
  /**
   * The PR must be checked before commenting on it: its head commit must be `headSha` (and its head repository
   * `headRepo`, `owner/name`). Set when the PR number does not come from a pull request event itself (workflow_run,
   * the `pr-number` input), because it may come from a fork's artifact.
   */
  verify?: { headSha: string; headRepo?: string };
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

export function resolveTarget(input: TargetInput): ReportTarget | { error: string } {
  const [owner, repo, ...rest] = (input.repository ?? '').split('/');
  if (!owner || !repo || rest.length) {
    return { error: `GITHUB_REPOSITORY is '${input.repository ?? ''}'. Expected format {owner}/{repo}.` };
  }
  const payload = obj(input.payload) ?? {};
  let headSha: string | undefined;
  let prNumber: number | undefined;
  let source = input.eventName ?? 'unknown event';
  const event = input.eventName ?? '';
  let trustedHead: { sha?: string; repo?: string } = {};
  if (event === 'pull_request' || event === 'pull_request_target' || event === 'pull_request_review') {
    const pr = obj(payload.pull_request);
    headSha = str(obj(pr?.head)?.sha);
    prNumber = num(pr?.number) ?? num(payload.number);
    source = `${event} #${prNumber ?? '?'}`;
  } else if (event === 'workflow_run') {
    const wr = obj(payload.workflow_run);
    headSha = str(wr?.head_sha);
    const prs = Array.isArray(wr?.pull_requests) ? wr.pull_requests : [];
    prNumber = num(obj(prs[0])?.number);
    source = `workflow_run${prNumber ? ` for #${prNumber}` : ''}`;
    // GitHub's own event: the commit that was scanned and the repository it came from (a fork's, for fork PRs).
    trustedHead = { sha: headSha, repo: str(obj(wr?.head_repository)?.full_name) };
  } else if (event === 'issue_comment') {
    const issue = obj(payload.issue);
    if (obj(issue?.pull_request)) prNumber = num(issue?.number);
  }
  if (input.prNumber !== undefined) {
    // A PR number from the inputs names another commit than the event's, unless head-sha says which (a workflow_run
    // scanned workflow_run.head_sha, whatever the PR).
    if (input.prNumber !== prNumber && !input.headSha && event !== 'workflow_run') headSha = undefined;
    prNumber = input.prNumber;
    source = `pr-number input #${prNumber}`;
  }
  if (input.headSha) {
    headSha = input.headSha;
    source += ' (head-sha input)';
  }
  if (!headSha && prNumber === undefined) headSha = str(input.sha);
  let verify: ReportTarget['verify'];
  const fromEvent = event === 'pull_request' || event === 'pull_request_target' || event === 'pull_request_review';
  if (prNumber !== undefined && !(fromEvent && input.prNumber === undefined)) {
    const expected = input.headSha ?? trustedHead.sha;
    if (expected) verify = { headSha: expected, ...(trustedHead.repo ? { headRepo: trustedHead.repo } : {}) };
  }
  return { owner, repo, headSha, prNumber, source, ...(verify ? { verify } : {}) };
}
