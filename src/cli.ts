import { parseArgs } from 'node:util';
import { syncIssuesAfterRun } from './tracker/run';
import { cliApiBaseUrl, cliToken, createCliClient } from './github/cli-client';
import { approvalVerifier } from './exceptions/verifier';
import { execFileSync } from 'node:child_process';
import { resolveCommentAuthor } from './github/publish';
import { resolve } from 'node:path';
import { jsonPieces, OutputPathError, runCheck, type CheckSettings } from './check';
import { parseFormatOverrides } from './io/inputs';
import { formatIds } from './ingest/index';
import { PolicyLoadError } from './policy/load';
import { LedgerError } from './ledger/schema';
import { UnknownEnvironmentError } from './gate/gate';
import { GateScopeError } from './gate/scope';
import { renderMarkdown } from './report/markdown';
import { renderText } from './report/text';
import { stderrLogger } from './logger';
import { VERSION } from './version';
import { loadPolicy } from './io/policy';
import { applyExceptions, dateState, summarizeExceptions, type ExceptionStatus } from './exceptions/apply';
import { silentLogger } from './logger';
import { stripControl } from './report/escape';
import { fileLedger, parseNow, policyRefSource, remotePolicyFetcher } from './cli-args';
import { policyChangesText } from './policy/diff';
import { runReportCommand } from './report/report-command';
import { runPolicyCli } from './cli-policy';
import { ciReportPathProblem, writeCiReports, type CiReportPaths } from './io/ci-reports';

/**
 * The command-line shell: `defect-gate check …` for GitLab, Jenkins or a laptop. Same engine as the Action.
 * Exit codes: 0 pass or warn, 1 the gate failed, 2 usage, policy or input error (inputs that could not be read fail
 * closed with 2 unless --on-input-error warn).
 */

export const EXIT = { ok: 0, fail: 1, usage: 2 } as const;

export const HELP = `defect-gate ${VERSION}: rate, track and gate security findings with your organization's policy

Usage:
  defect-gate check [options] FILES...
  defect-gate track --ledger file:PATH [--repo OWNER/REPO] [options] FILES...
  defect-gate exceptions [--policy FILE] [--expiring DAYS] [--now DATE] [--format text|json] [FILES...]
  defect-gate report (--ledger file:PATH | --repo OWNER/REPO [--branch NAME] | --org OWNER) [options]
  defect-gate policy validate [FILE] [--strict] [--now DATE] [--format text|json]
  defect-gate policy test [FILE] [--tests TESTFILE] [--now DATE] [--format text|json]
  defect-gate explain [--policy FILE] [--environment NAME] [--rule GLOB] [--fingerprint PREFIX] [--now DATE]
                      [--kev FILE] [--epss FILE] [--ledger file:PATH] [--format text|json] FILES...
  defect-gate --help | --version

\`policy validate\` checks a policy file (default: the built-in one) and lints it: rules that never apply or change
nothing, gate rules that can never count anything, overlapping and expired exceptions. It prints
file:line:column: error|warning: message and exits 2 on errors, 1 on warnings with --strict, else 0.
\`policy test\` runs the policy's test cases (default: <name>.test.yml beside the policy; --tests for another file)
and exits 1 when a case fails. \`explain\` shows, for the findings whose rule id matches --rule (a glob) and/or
whose fingerprint starts with --fingerprint, the scanner's rating, each policy step, the exception, the SLA and the
gate rules that count it; it exits 2 when nothing matches.

\`track\` is \`check\` with --ledger file:PATH (written), then GitHub Issues as the policy's tracker.github-issues
says (README, "GitHub Issues as the tracker"): one issue per finding or rule, opened, updated, closed on fix, reopened,
closed as not planned under an exception. Token: GITHUB_TOKEN or GH_TOKEN (issues: write); repository: --repo,
GITHUB_REPOSITORY or tracker.github-issues.repo; the commit named in "fixed in": GITHUB_SHA or CI_COMMIT_SHA.

\`exceptions\` lists the policy's exceptions for review: active, expiring within --expiring days (default: the
policy's exceptions.expiring-days), expired; with FILES also what each matches now and which are stale.
It exits 1 when any exception has expired (run it on a schedule), 0 otherwise.

\`report\` writes defect metrics from a ledger (README, "Metrics and reports"): open by severity, component, CWE
and tool; opened / fixed / reopened per bucket; time to resolve; SLA compliance and breaches; age; accepted risk;
window of exposure; verification coverage; hot spots. As Markdown (default), one self-contained HTML file, or JSON.
  --ledger file:PATH | branch:NAME   the ledger (a branch is read through the API, with --repo)
  --repo OWNER/REPO        read the ledger branch of this repository (default branch: defect-gate-data)
  --org OWNER              every repository of the organization: hot spots, SLA compliance, worst offenders
  --branch NAME            ledger branch for --repo / --org; default: defect-gate-data
  --scope NAME             ledger book; default: "default"
  --since DATE, --until DATE   the period (2026-06-01, or a month: 2026-06); default: 6 months up to --now
  --bucket week|month      trend buckets; default: month
  --format markdown|html|json   what to write; default: markdown
  -o, --output FILE        write it to FILE instead of stdout
  --html FILE              also write the HTML report to FILE
  --production-env NAME    environment(s) that mean "deployed", for the window of exposure; default: production
  --api-url URL            GitHub API; default: GITHUB_API_URL or https://api.github.com (token: GITHUB_TOKEN/GH_TOKEN)

FILES are SARIF 2.1.0 files or native scanner reports (${formatIds().join(', ')}),
directories (every .sarif/.json/.xml below them, and .gz of them) or globs, relative to --workspace.
The format is detected from the content; gzip-compressed files are read (up to 1 GiB decompressed).
Symbolic links are followed inside the workspace; one leading outside it, or dangling, is an input error.

Options:
  --policy FILE            policy file (YAML); default: the built-in policies/default.yml
  --policy-ref REF         read the policy and every file it includes at REF (e.g. the pull request's base
                           branch), not from the checkout: with git when the checkout has REF, else through the
                           GitHub API (--repo or GITHUB_REPOSITORY, GITHUB_TOKEN); the checkout's policy changes are
                           listed as taking effect after merge
  --verify-approvals MODE  exceptions.approvers: enforce (default), warn or off; approvals are verified from
                           GitHub's reviews with GITHUB_TOKEN and --repo (or GITHUB_REPOSITORY); without them an
                           exception that needs a verified approval does not apply; off says once that approvals
                           were not verified
  --environment NAME       gate profile from the policy's \`gates:\` (e.g. pull-request, production);
                           default: "default"
  --gate-scope run|ledger  run: gate on this run's findings; ledger: also on the ledger's open findings of
                           tools not in this run (a nightly DAST, a pentest), as last seen; needs --ledger;
                           default: the policy's gate-scope for the environment, else run
  --on-input-error MODE    fail (default): an unreadable or invalid input fails the gate (exit 2);
                           warn: report it and gate on the other files
  --report FILE            write the JSON report (schema/report.schema.json) to FILE
  --sarif-output FILE      write the input results as SARIF with the organization's severity
  --gitlab-codequality FILE  write a GitLab Code Quality report (artifacts:reports:codequality): the open
                           findings, gate-blocking ones as "blocker", for the merge request widget
  --junit FILE             write a JUnit XML report (Jenkins, GitLab artifacts:reports:junit, any test report
                           view): a test case per gate rule and a failing one per blocking finding
  --format FORMAT          what to print on stdout: text (default), json (the report, nothing else), markdown
  --input-format GLOB=ID   force the format of matching files instead of detecting it (repeatable),
                           e.g. --input-format 'reports/*.json=sarif'; the content must still fit it
  --ledger file:PATH       track findings across runs in a ledger file (read, then written): statuses
                           new / existing / reopened / fixed, first seen, SLA clocks; concurrent runs on one file
                           take turns (FILE.lock, waited for at most 120 s, or
                           DEFECT_GATE_LEDGER_LOCK_WAIT_MS); none is lost
  --ledger-read-only       read the ledger and compare, but do not write it (e.g. merge request pipelines)
  --ledger-scope NAME      the book in the ledger for this pipeline or tool set; default: "default"
  --allow-backdated        record a run dated (--now) before the ledger's last run; without it such a
                           run is refused (exit 2): it would rewrite the ledger's history
  --now ISO-DATE           evaluate as of this time instead of now (SLA what-ifs, reproducible runs);
                           a date or time that exists, e.g. 2026-12-31 or 2026-12-31T12:00:00Z
  --kev FILE|URL           CISA KEV catalog JSON (known_exploited_vulnerabilities.json): marks findings by CVE
                           as known exploited, with CISA's due date (caps the SLA); an http(s) URL is downloaded
  --epss FILE|URL          FIRST EPSS scores CSV (plain or .gz): EPSS probability and percentile by CVE
  --expiring DAYS          (exceptions) the "expiring soon" window, e.g. 30 or 30d
  --workspace DIR          repository root, for relative paths and fingerprints; default: current directory
  --verbose                log each file read (format, size, the file a link points to) on stderr
  --no-color               plain text output (also when NO_COLOR is set or stdout is not a terminal)
  -h, --help               this help
  -v, --version            the version

Exit status: 0 pass or warn, 1 the gate failed, 2 usage, policy or input error.
`;

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  now: () => Date;
}

function usageError(io: CliIO, message: string): number {
  io.stderr(`defect-gate: ${message}\nRun 'defect-gate --help' for usage.\n`);
  return EXIT.usage;
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === 'policy' || argv[0] === 'explain') return runPolicyCli(argv, io);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        policy: { type: 'string' },
        'policy-ref': { type: 'string' },
        'verify-approvals': { type: 'string' },
        'gate-scope': { type: 'string' },
        environment: { type: 'string' },
        'on-input-error': { type: 'string' },
        report: { type: 'string' },
        'sarif-output': { type: 'string' },
        'gitlab-codequality': { type: 'string' },
        junit: { type: 'string' },
        format: { type: 'string' },
        'input-format': { type: 'string', multiple: true },
        workspace: { type: 'string' },
        ledger: { type: 'string' },
        'ledger-read-only': { type: 'boolean' },
        'ledger-scope': { type: 'string' },
        'allow-backdated': { type: 'boolean' },
        since: { type: 'string' },
        until: { type: 'string' },
        bucket: { type: 'string' },
        org: { type: 'string' },
        repo: { type: 'string' },
        output: { type: 'string', short: 'o' },
        html: { type: 'string' },
        'api-url': { type: 'string' },
        branch: { type: 'string' },
        scope: { type: 'string' },
        'production-env': { type: 'string', multiple: true },
        now: { type: 'string' },
        expiring: { type: 'string' },
        kev: { type: 'string' },
        epss: { type: 'string' },
        'no-color': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (o.version) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const [command, ...files] = positionals;
  if (command === undefined) return usageError(io, 'missing command: expected `check`, `exceptions` or `report`');
  if (command === 'report') {
    const reportNow = parseNow(o.now, io.now());
    if (typeof reportNow === 'string') return usageError(io, reportNow);
    if (files.length > 0) return usageError(io, `report takes no files (got "${files[0]}")`);
    return runReportCommand(
      { ledger: o.ledger, org: o.org, repo: o.repo, branch: o.branch, scope: o.scope ?? o['ledger-scope'], policy: o.policy, workspace: resolve(io.cwd, o.workspace ?? '.'), since: o.since, until: o.until, bucket: o.bucket, format: o.format, output: o.output, html: o.html, apiUrl: o['api-url'], productionEnv: o['production-env'], now: reportNow },
      io,
    );
  }
  if (command !== 'check' && command !== 'exceptions' && command !== 'track') {
    const first = command === 'policy' || command === 'explain' ? ` (put \`${command}\` first: defect-gate ${command} [options])` : '';
    return usageError(io, `unknown command "${command}": expected \`check\`, \`track\`, \`exceptions\`, \`report\`, \`policy\` or \`explain\`${first}`);
  }
  if ((command === 'check' || command === 'track') && files.length === 0) return usageError(io, 'no input files: give SARIF or scanner report files, directories or globs');
  const onInputError = o['on-input-error'] ?? 'fail';
  if (onInputError !== 'fail' && onInputError !== 'warn') {
    return usageError(io, `invalid --on-input-error "${onInputError}": expected fail or warn`);
  }
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'markdown') {
    return usageError(io, `invalid --format "${format}": expected text, json or markdown`);
  }
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(o['input-format'] ?? []);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const known = new Set(formatIds());
  for (const f of formatOverrides) {
    if (!known.has(f.format)) return usageError(io, `unknown format "${f.format}" in --input-format: expected one of ${[...known].join(', ')}`);
  }
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usageError(io, now);
  const workspace = resolve(io.cwd, o.workspace ?? '.');
  const ledger = fileLedger(o, workspace, now, o['ledger-read-only'] !== true, { clock: io.now, env: io.env, note: (m) => io.stderr(`warning: ${m}\n`) });
  if (typeof ledger === 'string') return usageError(io, ledger);
  if (command === 'track' && (!ledger || o['ledger-read-only'])) {
    return usageError(io, 'track needs --ledger file:PATH, written (the issues follow the ledger, the system of record)');
  }
  if (command === 'track' && !cliToken(io.env)) return usageError(io, 'track needs a GitHub token in GITHUB_TOKEN or GH_TOKEN (issues: write)');
  if (!ledger && (o['ledger-read-only'] || o['ledger-scope'] !== undefined)) {
    return usageError(io, '--ledger-read-only and --ledger-scope need --ledger file:PATH');
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
  if (command === 'exceptions') {
    let expiring: number | undefined;
    if (o.expiring !== undefined) {
      const m = /^(\d+)d?$/.exec(o.expiring.trim());
      if (!m) return usageError(io, `invalid --expiring "${o.expiring}": expected a number of days such as 30 or 30d`);
      expiring = Number(m[1]);
    }
    try {
      return await runExceptionsCommand(settings, files, now, { format: format === 'json' ? 'json' : 'text', ...(expiring !== undefined ? { expiringDays: expiring } : {}) }, io);
    } catch (err) {
      if (err instanceof OutputPathError) return usageError(io, `--${err.option}: ${err.message}`);
      if (err instanceof PolicyLoadError || err instanceof UnknownEnvironmentError) {
        io.stderr(`defect-gate: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }
  }
  const ciReports: CiReportPaths = { 'gitlab-codequality': o['gitlab-codequality'], junit: o.junit };
  const ciPathProblem = ciReportPathProblem(ciReports, workspace);
  if (ciPathProblem) return usageError(io, ciPathProblem);
  const verifyApprovals = o['verify-approvals'];
  if (verifyApprovals !== undefined && verifyApprovals !== 'enforce' && verifyApprovals !== 'warn' && verifyApprovals !== 'off') {
    return usageError(io, `invalid --verify-approvals "${verifyApprovals}": expected enforce, warn or off`);
  }
  if (verifyApprovals) settings.verifyApprovals = verifyApprovals;
  const gateScope = o['gate-scope'];
  if (gateScope !== undefined && gateScope !== 'run' && gateScope !== 'ledger') return usageError(io, `invalid --gate-scope "${gateScope}": expected run or ledger`);
  if (gateScope === 'ledger' && !ledger) return usageError(io, '--gate-scope ledger needs --ledger file:PATH (the open findings of tools not in this run are read from it)');
  if (gateScope) settings.gateScope = gateScope;
  let policyRef: Exclude<ReturnType<typeof policyRefSource>, string> | undefined;
  if (o['policy-ref'] !== undefined) {
    if (!o.policy) return usageError(io, '--policy-ref needs --policy FILE (the built-in policy is the same at every ref)');
    const source = policyRefSource(o['policy-ref'], workspace, io.env, o.repo, o['api-url']);
    if (typeof source === 'string') return usageError(io, source);
    policyRef = source;
  }
  const log = stderrLogger(o.verbose === true);
  // exceptions.approvers (issue #17): verified from GitHub's records with GITHUB_TOKEN and --repo / GITHUB_REPOSITORY.
  const token = cliToken(io.env);
  const repository = o.repo ?? io.env.GITHUB_REPOSITORY;
  const cliClient = () => createCliClient({ token: token as string, baseUrl: cliApiBaseUrl(o['api-url'], io.env), warn: (m) => io.stderr(`warning: ${m}\n`) });
  let verify: ReturnType<typeof approvalVerifier> | undefined;
  if (token && repository && /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    const [owner, repo] = repository.split('/') as [string, string];
    // The history of the commit whose policy gates: --policy-ref's, else the checkout's (CI's sha, else git HEAD).
    const ref = policyRef?.ref.ref ?? (io.env.GITHUB_SHA || io.env.CI_COMMIT_SHA || gitHead(workspace) || 'HEAD');
    const at = policyRef && policyRef.ref.owner !== 'local' ? { owner: policyRef.ref.owner, repo: policyRef.ref.repo } : { owner, repo };
    verify = approvalVerifier(cliClient, { ...at, ref, workspace }, { ...log, debug: (m) => o.verbose === true && io.stderr(`debug: ${m}\n`), info: (m) => io.stderr(`${m}\n`), warning: (m) => io.stderr(`warning: ${m}\n`) });
  }
  const approvalsHelp = `give GITHUB_TOKEN (or GH_TOKEN) and --repo owner/repo (or GITHUB_REPOSITORY) to verify them, or --verify-approvals off to skip`;
  let outcome;
  try {
    outcome = await runCheck(
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
      },
    );
  } catch (err) {
    if (err instanceof OutputPathError) return usageError(io, `--${err.option}: ${err.message}`);
    if (err instanceof PolicyLoadError || err instanceof UnknownEnvironmentError || err instanceof LedgerError || err instanceof GateScopeError) {
      io.stderr(`defect-gate: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const { result } = outcome;
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
  }
  else if (format === 'markdown') io.stdout(renderMarkdown(result, { fullReport: settings.reportPath }));
  else {
    const color = !o['no-color'] && io.isTTY && !io.env.NO_COLOR;
    io.stdout(renderText(result, { color }));
  }
  const changes = policyChangesText(result.policyChanges);
  if (changes && format !== 'markdown') io.stderr(`${changes}\n`);
  if (command === 'track') {
    // GitHub Issues (policy tracker.github-issues), after the ledger was written.
    const [owner, name] = (o.repo ?? io.env.GITHUB_REPOSITORY ?? outcome.policy.source.tracker?.['github-issues']?.repo ?? '').split('/');
    if (!outcome.policy.source.tracker?.['github-issues']) io.stderr('warning: track: the policy has no tracker.github-issues: no issue synced\n');
    else if (!owner || !name) io.stderr('warning: track: no repository for the issues: give --repo owner/repo (or GITHUB_REPOSITORY, or tracker.github-issues.repo)\n');
    else {
      const client = cliClient();
      const trackLog = { debug: () => {}, info: (m: string) => io.stderr(`${m}\n`), warning: (m: string) => io.stderr(`warning: ${m}\n`), error: (m: string) => io.stderr(`error: ${m}\n`) };
      const author = await resolveCommentAuthor(client, io.env.DEFECT_GATE_ISSUE_AUTHOR, trackLog);
      const sha = io.env.GITHUB_SHA || io.env.CI_COMMIT_SHA;
      await syncIssuesAfterRun({ outcome, ledger, client, repo: { owner, repo: name }, author, ...(sha ? { sha } : {}), log: trackLog, ...(io.env.DEFECT_GATE_TRACKER_PACE_MS ? { paceMs: Number(io.env.DEFECT_GATE_TRACKER_PACE_MS) || 0 } : {}) });
    }
  }
  if (outcome.written.report) io.stderr(`report: ${outcome.written.report}\n`);
  if (outcome.written.sarif) io.stderr(`rated SARIF: ${outcome.written.sarif}\n`);
  for (const w of writeCiReports(result, ciReports, workspace)) io.stderr(`${w.option}: ${w.path}\n`);
  if (result.verdict.inputErrors.blocking) return EXIT.usage;
  return result.verdict.status === 'fail' ? EXIT.fail : EXIT.ok;
}

/** The checkout's commit (git rev-parse HEAD), or undefined outside a git checkout. */
function gitHead(workspace: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `defect-gate exceptions`: the review list. Exit 1 when any exception has expired. */
async function runExceptionsCommand(
  settings: CheckSettings,
  files: string[],
  now: Date,
  opts: { format: 'text' | 'json'; expiringDays?: number },
  io: CliIO,
): Promise<number> {
  const { policy } = loadPolicy(settings.policy, settings.workspace);
  const exSettings = opts.expiringDays !== undefined ? { ...policy.exceptions, expiringDays: opts.expiringDays } : policy.exceptions;
  let statuses;
  if (files.length > 0) {
    const outcome = await runCheck({ ...settings, files, onInputError: 'warn' }, now, silentLogger);
    statuses = applyExceptions(outcome.result.findings, exSettings, now).exceptions;
  } else {
    // Without findings nothing can be called stale: report date states only.
    // (The same expiring rule as with findings: whole days left are rounded down, so they cannot decide it.)
    const entries = exSettings.entries;
    statuses = applyExceptions([], exSettings, now).exceptions.map((e, i) => (e.state === 'stale' ? { ...e, state: dateState(entries[i] as (typeof entries)[number], now.getTime(), exSettings.expiringDays) as ExceptionStatus['state'] } : e));
  }
  const sum = summarizeExceptions(statuses);
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ now: now.toISOString(), expiringDays: exSettings.expiringDays, ...sum, entries: statuses }, null, 2)}\n`);
  } else {
    const lines = [
      `${statuses.length} exception(s): ${sum.byState.active} active, ${sum.byState.expiring} expiring within ${exSettings.expiringDays} days, ${sum.byState.expired} expired${sum.byState.pending ? `, ${sum.byState.pending} not active yet (approved-on after today)` : ''}${files.length ? `, ${sum.byState.stale} stale` : ''}`,
    ];
    const order = { expired: 0, unverified: 1, pending: 2, expiring: 3, stale: 4, active: 5 } as const;
    for (const e of [...statuses].sort((a, b) => order[a.state] - order[b.state] || a.id.localeCompare(b.id))) {
      const when = e.expires ? `${e.state === 'expired' ? 'expired' : 'expires'} ${e.expires}${e.daysLeft !== undefined && e.state !== 'expired' ? ` (${e.daysLeft} days)` : ''}` : 'no expiry';
      const matched = files.length ? `, matches ${e.matched}${e.notAllowed ? ` (${e.notAllowed} not allowed)` : ''}` : '';
      const pending = e.state === 'pending' ? `, not active until ${e.approvedOn ?? '?'} (approved-on)` : '';
      lines.push(`  ${e.state.toUpperCase().padEnd(8)} ${e.id}  ${e.type}, approved by ${e.approvedBy ?? '(nobody)'}${e.unverified ? ` (not verified: ${e.unverified})` : ''}${pending}, ${when}${matched}  [${e.file}]`);
    }
    lines.push(`by type: ${Object.entries(sum.byType).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}; by approver: ${Object.entries(sum.byApprover).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    io.stdout(`${lines.map((l) => stripControl(l)).join('\n')}\n`);
  }
  return sum.byState.expired > 0 ? EXIT.fail : EXIT.ok;
}
