import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { syncIssuesAfterRun } from '../tracker/run';
import { cliGitHubClient, envToken } from '../github/octokit';
import { approvalVerifier } from '../github/approval-verifier';
import { resolveCommentAuthor } from '../github/publish';
import { runCheck, type CheckSettings } from '../check';
import type { RunResult } from '../engine';
import { jsonPieces } from '../io/json-writer';
import { parseFormatOverrides } from '../io/inputs';
import { formatIds } from '../ingest/index';
import { renderMarkdown } from '../report/markdown';
import { renderText, TEXT_LIMIT } from '../report/text';
import { stderrLogger } from '../logger';
import { stripControl } from '../text/escape';
import { policyChangesText } from '../policy/diff';
import { ciReportPathProblem, writeCiReports, type CiReportPaths } from '../io/ci-reports';
import { errorMessage } from '../errors';
import { fileLedger, parseNow, policyRefSource, remotePolicyFetcher } from './args';
import { EXIT, usageError, type CliIO } from './io';
import { commandHelp, formatOption, OPT, parseCommand, type CommandSpec } from './options';

/** `defect-gate check` and `defect-gate track` (check, then GitHub Issues from the ledger). */

export const CHECK_OPTIONS = {
  policy: OPT.policy,
  'policy-ref': OPT['policy-ref'],
  'verify-approvals': OPT['verify-approvals'],
  'gate-scope': OPT['gate-scope'],
  environment: OPT.environment,
  'on-input-error': OPT['on-input-error'],
  report: OPT.report,
  'sarif-output': OPT['sarif-output'],
  'gitlab-codequality': OPT['gitlab-codequality'],
  'gitlab-sast': OPT['gitlab-sast'],
  'gitlab-dependency-scanning': OPT['gitlab-dependency-scanning'],
  'gitlab-container-scanning': OPT['gitlab-container-scanning'],
  junit: OPT.junit,
  format: formatOption(['text', 'json', 'markdown']),
  'input-format': OPT['input-format'],
  ledger: OPT.ledger,
  'ledger-read-only': OPT['ledger-read-only'],
  'ledger-scope': OPT['ledger-scope'],
  'allow-backdated': OPT['allow-backdated'],
  now: OPT.now,
  kev: OPT.kev,
  epss: OPT.epss,
  repo: OPT.repo,
  'api-url': OPT['api-url'],
  workspace: OPT.workspace,
  verbose: OPT.verbose,
  'no-color': OPT['no-color'],
  help: OPT.help,
} as const;

export const CHECK: CommandSpec = {
  name: 'check',
  usage: ['check [options] FILES...'],
  about: `Rates the findings of FILES with the policy and gates them with the environment's gate profile. FILES are SARIF 2.1.0 files or native scanner reports (${formatIds().join(', ')}), directories (every .sarif/.json/.xml below them, and .gz of them) or globs, relative to --workspace. Exit status: 0 pass or warn, 1 the gate failed, 2 usage, policy or input error.`,
  options: CHECK_OPTIONS,
};

export const TRACK: CommandSpec = {
  name: 'track',
  usage: ['track --ledger file:PATH [--repo OWNER/REPO] [options] FILES...'],
  about:
    '`check` with --ledger file:PATH (written), then GitHub Issues as the policy\'s tracker.github-issues says: one issue per finding or rule, opened, updated, closed on fix, reopened, closed as not planned under an exception. Token: GITHUB_TOKEN or GH_TOKEN (issues: write); repository: --repo, GITHUB_REPOSITORY or tracker.github-issues.repo; the commit named in "fixed in": GITHUB_SHA or CI_COMMIT_SHA.',
  options: CHECK_OPTIONS,
};

/** `check` or `track`; `argv` follows the command name. */
export async function runCheckCommand(command: 'check' | 'track', argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, CHECK_OPTIONS);
  } catch (err) {
    return usageError(io, errorMessage(err), command);
  }
  const { values: o, positionals: files } = parsed;
  const usage = (message: string) => usageError(io, message, command);
  if (o.help) {
    io.stdout(commandHelp(command === 'check' ? CHECK : TRACK));
    return EXIT.ok;
  }
  if (files.length === 0) return usage('no input files: give SARIF or scanner report files, directories or globs');
  const onInputError = o['on-input-error'] ?? 'fail';
  if (onInputError !== 'fail' && onInputError !== 'warn') {
    return usage(`invalid --on-input-error "${onInputError}": expected fail or warn`);
  }
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'markdown') {
    return usage(`invalid --format "${format}": expected text, json or markdown`);
  }
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(o['input-format'] ?? []);
  } catch (err) {
    return usage(errorMessage(err));
  }
  const known = new Set(formatIds());
  for (const f of formatOverrides) {
    if (!known.has(f.format)) return usage(`unknown format "${f.format}" in --input-format: expected one of ${[...known].join(', ')}`);
  }
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usage(now);
  const workspace = resolve(io.cwd, o.workspace ?? '.');
  const ledger = fileLedger(o, workspace, now, o['ledger-read-only'] !== true, {
    clock: io.now,
    env: io.env,
    note: (m) => io.stderr(`warning: ${m}\n`),
  });
  if (typeof ledger === 'string') return usage(ledger);
  if (command === 'track' && (!ledger || o['ledger-read-only'])) {
    return usage('track needs --ledger file:PATH, written (the issues follow the ledger, the system of record)');
  }
  if (command === 'track' && !envToken(io.env)) return usage('track needs a GitHub token in GITHUB_TOKEN or GH_TOKEN (issues: write)');
  if (!ledger && (o['ledger-read-only'] || o['ledger-scope'] !== undefined)) {
    return usage('--ledger-read-only and --ledger-scope need --ledger file:PATH');
  }
  const settings: CheckSettings = {
    files,
    policy: o.policy,
    environment: o.environment,
    onInputError,
    reportPath: o.report,
    sarifOutput: o['sarif-output'],
    workspace,
    formatOverrides,
    ...(o.kev ? { kevFile: o.kev } : {}),
    ...(o.epss ? { epssFile: o.epss } : {}),
  };
  const ciReports: CiReportPaths = {
    'gitlab-codequality': o['gitlab-codequality'],
    junit: o.junit,
    'gitlab-sast': o['gitlab-sast'],
    'gitlab-dependency-scanning': o['gitlab-dependency-scanning'],
    'gitlab-container-scanning': o['gitlab-container-scanning'],
  };
  const ciPathProblem = ciReportPathProblem(ciReports, workspace);
  if (ciPathProblem) return usage(ciPathProblem);
  const verifyApprovals = o['verify-approvals'];
  if (verifyApprovals !== undefined && verifyApprovals !== 'enforce' && verifyApprovals !== 'warn' && verifyApprovals !== 'off') {
    return usage(`invalid --verify-approvals "${verifyApprovals}": expected enforce, warn or off`);
  }
  if (verifyApprovals) settings.verifyApprovals = verifyApprovals;
  const gateScope = o['gate-scope'];
  if (gateScope !== undefined && gateScope !== 'run' && gateScope !== 'ledger')
    return usage(`invalid --gate-scope "${gateScope}": expected run or ledger`);
  if (gateScope === 'ledger' && !ledger)
    return usage('--gate-scope ledger needs --ledger file:PATH (the open findings of tools not in this run are read from it)');
  if (gateScope) settings.gateScope = gateScope;
  let policyRef: Exclude<ReturnType<typeof policyRefSource>, string> | undefined;
  if (o['policy-ref'] !== undefined) {
    if (!o.policy) return usage('--policy-ref needs --policy FILE (the built-in policy is the same at every ref)');
    const source = policyRefSource(o['policy-ref'], workspace, io.env, o.repo, o['api-url']);
    if (typeof source === 'string') return usage(source);
    policyRef = source;
  }
  const log = stderrLogger(o.verbose === true);
  // exceptions.approvers (issue #17): verified from GitHub's records with GITHUB_TOKEN and --repo / GITHUB_REPOSITORY.
  const token = envToken(io.env);
  const repository = o.repo ?? io.env.GITHUB_REPOSITORY;
  const cliClient = () => cliGitHubClient(io.env, { apiUrl: o['api-url'], warn: (m) => io.stderr(`warning: ${m}\n`) });
  let verify: ReturnType<typeof approvalVerifier> | undefined;
  if (token && repository && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    const [owner, repo] = repository.split('/') as [string, string];
    // The history of the commit whose policy gates: --policy-ref's, else the checkout's (CI's sha, else git HEAD).
    const ref = policyRef?.ref.ref ?? (io.env.GITHUB_SHA || io.env.CI_COMMIT_SHA || gitHead(workspace) || 'HEAD');
    const at = policyRef && policyRef.ref.owner !== 'local' ? { owner: policyRef.ref.owner, repo: policyRef.ref.repo } : { owner, repo };
    verify = approvalVerifier(
      cliClient,
      { ...at, ref, workspace },
      {
        ...log,
        debug: (m) => o.verbose === true && io.stderr(`debug: ${m}\n`),
        info: (m) => io.stderr(`${m}\n`),
        warning: (m) => io.stderr(`warning: ${m}\n`),
      },
    );
  }
  const approvalsHelp = `give GITHUB_TOKEN (or GH_TOKEN) and --repo owner/repo (or GITHUB_REPOSITORY) to verify them, or --verify-approvals off to skip`;
  // Errors (policy, ledger, output paths) go to the one mapping in src/cli/index.ts.
  let markdown: string | undefined;
  const outcome = await runCheck(
    settings,
    now,
    {
      ...log,
      // Through io, as the other levels (--verbose lists every file read, with the file a link points to).
      debug: (m) => {
        if (o.verbose === true) io.stderr(`debug: ${m}\n`);
      },
      info: (m) => io.stderr(`${m}\n`),
      warning: (m) => io.stderr(`warning: ${m}\n`),
      error: (m) => io.stderr(`error: ${m}\n`),
    },
    {
      ...(ledger ? { ledger } : {}),
      pullRequest: settings.environment === 'pull-request',
      fetchPolicy: policyRef ? policyRef.fetch : remotePolicyFetcher(io.env),
      ...(policyRef ? { policyRef: policyRef.ref } : {}),
      ...(verify ? { verifyApprovals: verify } : { approvalsHelp }),
      // A text verdict shows the first TEXT_LIMIT findings and nothing else lists them (no JSON, no CI report, no
      // issues to sync): the others need no order (issue #21, time to verdict).
      ...(command === 'check' && format === 'text' && !Object.values(ciReports).some(Boolean) ? { sortTop: TEXT_LIMIT } : {}),
      // Rendered while a worker writes the rated SARIF (printed below, after any input error on stderr).
      ...(format === 'markdown'
        ? { whileWriting: (r: RunResult) => (markdown = renderMarkdown(r, { fullReport: settings.reportPath })) }
        : {}),
    },
  );
  const { result } = outcome;
  // Inputs that could not be read come first, on stderr, before any table (whose gate rules may all say "ok").
  const level = result.verdict.inputErrors.blocking ? 'error' : 'warning';
  for (const e of result.errors)
    if (e.severity !== 'scanner') io.stderr(stripControl(`${level}: ${e.file}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`) + '\n');
  if (format === 'json') {
    // In pieces (jsonPieces): a report of a million findings is longer than V8's longest string.
    let out = '';
    for (const piece of jsonPieces(outcome.report)) {
      out += piece;
      if (out.length >= 1 << 20) {
        io.stdout(out);
        out = '';
      }
    }
    io.stdout(`${out}\n`);
  } else if (format === 'markdown') io.stdout(markdown ?? renderMarkdown(result, { fullReport: settings.reportPath }));
  else {
    const color = !o['no-color'] && io.isTTY && !io.env.NO_COLOR;
    io.stdout(renderText(result, { color }));
  }
  const changes = policyChangesText(result.policyChanges);
  if (changes && format !== 'markdown') io.stderr(`${changes}\n`);
  if (command === 'track') {
    // GitHub Issues (policy tracker.github-issues), after the ledger was written.
    const [owner, name] = (o.repo ?? io.env.GITHUB_REPOSITORY ?? outcome.policy.source.tracker?.['github-issues']?.repo ?? '').split('/');
    if (!outcome.policy.source.tracker?.['github-issues'])
      io.stderr('warning: track: the policy has no tracker.github-issues: no issue synced\n');
    else if (!owner || !name)
      io.stderr(
        'warning: track: no repository for the issues: give --repo owner/repo (or GITHUB_REPOSITORY, or tracker.github-issues.repo)\n',
      );
    else {
      const client = cliClient();
      const trackLog = {
        debug: () => {},
        info: (m: string) => io.stderr(`${m}\n`),
        warning: (m: string) => io.stderr(`warning: ${m}\n`),
        error: (m: string) => io.stderr(`error: ${m}\n`),
      };
      const author = await resolveCommentAuthor(client, io.env.DEFECT_GATE_ISSUE_AUTHOR, trackLog);
      const sha = io.env.GITHUB_SHA || io.env.CI_COMMIT_SHA;
      await syncIssuesAfterRun({
        outcome,
        ledger,
        client,
        repo: { owner, repo: name },
        author,
        ...(sha ? { sha } : {}),
        log: trackLog,
        ...(io.env.DEFECT_GATE_TRACKER_PACE_MS ? { paceMs: Number(io.env.DEFECT_GATE_TRACKER_PACE_MS) || 0 } : {}),
      });
    }
  }
  if (outcome.written.report) io.stderr(`report: ${outcome.written.report}\n`);
  if (outcome.written.sarif) io.stderr(`rated SARIF: ${outcome.written.sarif}\n`);
  const ci = writeCiReports(result, ciReports, workspace);
  for (const w of ci.warnings) io.stderr(`warning: ${w}\n`);
  for (const w of ci.written) io.stderr(`${w.option}: ${w.path}\n`);
  if (result.verdict.inputErrors.blocking) return EXIT.usage;
  return result.verdict.status === 'fail' ? EXIT.fail : EXIT.ok;
}

/** The checkout's commit (git rev-parse HEAD), or undefined outside a git checkout. */
function gitHead(workspace: string): string | undefined {
  try {
    return (
      execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], {
        cwd: workspace,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}
