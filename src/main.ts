import * as core from '@actions/core';
import { baseCodeowners, policyGatesOnOwners, pullRequestBase } from './action/codeowners';
import type { Policy } from './policy/compile';
import type { Codeowners } from './owners/codeowners';
import { syncIssuesAfterRun } from './tracker/run';
import { apiBaseUrl, createGitHubClient } from './action/octokit';
import { resolveCommentAuthor } from './github/publish';
import { readActionSettings, InputValidationError } from './action/inputs';
import { readEventPayload, reportToGitHub, summaryCodeLinks } from './action/github';
import { actionLedger, isPullRequestRun, policyFetcher, runInfo } from './action/ledger';
import { runRetryState } from './action/octokit';
import { runCheck } from './check';
import { actionPolicyRef } from './io/policy-source';
import { approvalVerifier } from './action/approvals';
import { renderMarkdown, JOB_SUMMARY_LIMIT } from './report/markdown';
import { annotationText } from './text/escape';
import { explainLine } from './rate/rate';
import type { Logger } from './logger';
import type { RunResult } from './engine';
import { errorMessage, UserError } from './errors';

export { errorMessage };

/** The Action shell: inputs → check → job summary, outputs, annotations, exit status. */

const actionsLogger: Logger = {
  debug: (m) => core.debug(m),
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
};

/** The one line that explains a failed gate: which rule, how many findings; or the unreadable inputs. */
export function failureLine(result: RunResult): string {
  const v = result.verdict;
  const failing = v.rules.filter((r) => r.exceeded && r.action === 'fail');
  const inputs = v.inputErrors.blocking ? v.reasons.find((r) => r.startsWith('failed: ') && !r.startsWith('failed: "')) : undefined;
  const inputText = inputs?.replace(/^failed: /, '');
  const first = failing[0];
  if (!first) return `Gate failed in ${result.environment}: ${inputText ?? 'see the job summary'}`;
  const more = failing.length > 1 ? `, and ${failing.length - 1} more gate rule(s)` : '';
  return `Gate "${first.name}" failed: ${first.count} finding${first.count === 1 ? '' : 's'} (max ${first.max})${more} in ${result.environment}${inputText ? `; ${inputText}` : ''}`;
}

export async function run(): Promise<void> {
  try {
    const settings = readActionSettings();
    const now = new Date();
    const payload = readEventPayload(process.env);
    // One retry budget for every GitHub request of the run: with GitHub down the verdict comes in seconds.
    const retryState = runRetryState(process.env);
    const ledger = actionLedger(settings, payload, actionsLogger, now, process.env, retryState);
    const policyRef = actionPolicyRef(
      settings.policy,
      settings.policySource,
      process.env.GITHUB_EVENT_NAME,
      payload,
      process.env.GITHUB_REPOSITORY,
    );
    if (policyRef && 'error' in policyRef)
      throw new InputValidationError(`policy-source: base: ${policyRef.error}; set policy-source: workspace to read the checkout's policy`);
    // Pull requests whose policy gates on `owner:`: CODEOWNERS of the base commit (the PR's workspace is untrusted).
    const base = isPullRequestRun(process.env.GITHUB_EVENT_NAME, payload) ? pullRequestBase(payload) : undefined;
    const token = settings.github.token;
    const codeowners =
      base && token
        ? async (policy: Policy): Promise<Codeowners | null | undefined> => {
            if (!policyGatesOnOwners(policy.source)) return undefined;
            const client = createGitHubClient(token, { baseUrl: apiBaseUrl(process.env), logger: actionsLogger, retryState });
            return baseCodeowners(client, { owner: base.owner, repo: base.repo }, base.sha, actionsLogger);
          }
        : undefined;
    const outcome = await runCheck(settings, now, actionsLogger, {
      ...(policyRef ? { policyRef } : {}),
      ...(settings.github.token && process.env.GITHUB_REPOSITORY
        ? { verifyApprovals: approvalVerifier(settings, policyRef, actionsLogger, process.env, retryState) }
        : {}),
      ...(codeowners ? { codeowners } : {}),
      ...(ledger ? { ledger } : {}),
      pullRequest: isPullRequestRun(process.env.GITHUB_EVENT_NAME, payload),
      run: runInfo(process.env),
      ...(settings.github.token ? { fetchPolicy: policyFetcher(settings.github.token, actionsLogger, process.env, retryState) } : {}),
    });
    const { result } = outcome;
    const v = result.verdict;

    for (const e of result.errors) {
      const msg = `${e.file}${e.line ? `:${e.line}:${e.column ?? 1}` : e.jsonPath ? ` at ${e.jsonPath}` : ''}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
      if (e.severity === 'scanner') core.warning(annotationText(msg), { title: 'defect-gate: scanner reported an error' });
      else core.error(annotationText(msg), { title: 'defect-gate: input problem' });
    }

    core.setOutput('verdict', v.status);
    core.setOutput('blocking-count', String(result.counts.blocking));
    // The report's counts are the run's counts; reading `outcome.report` would build every report entry in memory.
    core.setOutput('counts', JSON.stringify(result.counts));
    core.setOutput('report-path', outcome.written.report ?? '');
    core.setOutput('sarif-path', outcome.written.sarif ?? '');
    core.setOutput('ledger-written', String(outcome.written.ledger));

    if (settings.jobSummary && process.env.GITHUB_STEP_SUMMARY) {
      const code = summaryCodeLinks(settings, process.env, payload);
      const markdown = renderMarkdown(result, {
        title: settings.name,
        maxBytes: JOB_SUMMARY_LIMIT,
        fullReport: settings.reportPath,
        ...(code ? { code } : {}),
      });
      await core.summary.addRaw(markdown).write();
    }

    // GitHub reporting (check run with annotations, sticky PR comment): never changes the verdict; one warning and the
    // fallbacks (job summary, workflow-command annotations) when the token may not write.
    const published = await reportToGitHub(settings, result, actionsLogger, process.env, retryState);

    // GitHub Issues (policy tracker.github-issues): only after this run wrote the ledger.
    if (settings.github.token && outcome.policy.source.tracker?.['github-issues']) {
      const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
      if (owner && repo)
        try {
          const client = createGitHubClient(settings.github.token, { baseUrl: apiBaseUrl(process.env), logger: actionsLogger, retryState });
          const author = await resolveCommentAuthor(client, settings.github.commentAuthor, actionsLogger);
          const code = summaryCodeLinks(settings, process.env, payload);
          await syncIssuesAfterRun({
            outcome,
            ledger,
            client,
            repo: { owner, repo },
            author,
            ...(process.env.GITHUB_SHA ? { sha: process.env.GITHUB_SHA } : {}),
            ...(code ? { code } : {}),
            log: actionsLogger,
            ...(process.env.DEFECT_GATE_TRACKER_PACE_MS ? { paceMs: Number(process.env.DEFECT_GATE_TRACKER_PACE_MS) || 0 } : {}),
          });
        } catch (err) {
          actionsLogger.warning(`defect-gate: tracker: ${errorMessage(err)}`);
        }
    }
    core.setOutput('check-run-id', published?.checkRun ? String(published.checkRun.id) : '');
    core.setOutput('comment-id', published?.comment ? String(published.comment.id) : '');

    // Workflow-command annotations for blocking findings on repository files, when no check run carries them
    // (no token, check-run: false, a read-only token, or a check run whose annotations could not all be sent); GitHub
    // shows 10 per type per step.
    let annotated = 0;
    for (const f of result.findings) {
      if ((published?.checkRun && !published.checkRun.problem) || annotated >= Math.min(settings.maxAnnotations, 10)) break;
      if (!result.blocking.has(f.fingerprint) || !f.path) continue;
      core.error(annotationText(`${f.message || f.title}\nWhy ${f.severity}: ${explainLine(f)}`), {
        title: annotationText(`${f.severity}: ${f.title || f.ruleId}`, 255),
        file: f.path,
        ...(f.startLine ? { startLine: f.startLine } : {}),
        ...(f.endLine ? { endLine: f.endLine } : {}),
      });
      annotated++;
    }

    core.info(
      `defect-gate: ${v.status} (${result.environment}): ${result.counts.gated} gated finding(s), ${result.counts.blocking} blocking`,
    );
    for (const reason of v.reasons) core.info(`  ${reason}`);

    if (v.status === 'fail') core.setFailed(failureLine(result));
  } catch (err) {
    // One mapping (src/errors.ts): a problem of the inputs, the policy, the ledger or GitHub fails the step with its
    // message; anything else is a bug.
    if (err instanceof UserError) {
      core.setFailed(err.option ? `Input '${err.option}': ${err.message}` : err.message);
      return;
    }
    core.setFailed(`defect-gate failed unexpectedly: ${errorMessage(err)}`);
  }
}
