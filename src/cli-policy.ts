import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from './cli';
import { runCheck, type CheckSettings } from './check';
import { DEFAULT_POLICY_NAME, defaultPolicyText, loadPolicyAsync } from './io/policy';
import { fileLedger, parseNow, remotePolicyFetcher } from './cli-args';
import { parseFormatOverrides } from './io/inputs';
import { formatIds } from './ingest/index';
import { PolicyLoadError } from './policy/load';
import { formatLintProblem, fromPolicyError, lintExceptionsFile, lintPolicy, type LintProblem } from './policy/lint';
import { formatPolicyTestResults, parsePolicyTests, PolicyTestFileError, runPolicyTests } from './policy/testing';
import { explainFinding, renderExplanations, selectFindings } from './explain';
import { UnknownEnvironmentError } from './gate/gate';
import { LedgerFormatError } from './ledger/schema';
import { silentLogger } from './logger';
import { stripControl } from './text/escape';

/**
 * The CLI commands for policy authors: `policy validate`, `policy test` and `explain`. File reading happens here; the
 * logic is in src/policy/lint.ts, src/policy/testing.ts and src/explain.ts (pure).
 */

const EXIT = { ok: 0, fail: 1, usage: 2 } as const;

function usage(io: CliIO, message: string): number {
  io.stderr(`defect-gate: ${message}\nRun 'defect-gate --help' for usage.\n`);
  return EXIT.usage;
}


function readText(path: string): string | Error {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message);
  }
}

/** `defect-gate policy …` and `defect-gate explain …`. `argv` starts with the command. */
export async function runPolicyCli(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        policy: { type: 'string' },
        environment: { type: 'string' },
        tests: { type: 'string' },
        strict: { type: 'boolean' },
        rule: { type: 'string' },
        fingerprint: { type: 'string' },
        kev: { type: 'string' },
        epss: { type: 'string' },
        ledger: { type: 'string' },
        'ledger-scope': { type: 'string' },
        'input-format': { type: 'string', multiple: true },
        format: { type: 'string' },
        now: { type: 'string' },
        workspace: { type: 'string' },
        'no-color': { type: 'boolean' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values: o, positionals } = parsed;
  const [command, ...rest] = positionals;
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(io, `invalid --format "${format}": expected text or json`);
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usage(io, now);
  const workspace = resolve(io.cwd, o.workspace ?? '.');
  try {
    if (command === 'explain') return await explainCommand(rest, o, { format, now, workspace }, io);
    if (command !== 'policy') return usage(io, `unknown command "${command ?? ''}"`);
    const [sub, ...args] = rest;
    if (args.length > 1) return usage(io, `policy ${sub ?? ''}: expected at most one policy file, got ${args.length}`);
    if (o.policy !== undefined) return usage(io, `policy ${sub ?? ''}: give the policy file as an argument, not --policy`);
    if (sub === 'validate') return await validateCommand(args[0], { strict: o.strict === true, format, now, workspace }, io);
    if (sub === 'test') return await testCommand(args[0], { tests: o.tests, format, now: o.now !== undefined ? now : undefined, defaultNow: now, workspace }, io);
    return usage(io, `unknown policy command "${sub ?? ''}": expected \`policy validate\` or \`policy test\``);
  } catch (err) {
    if (err instanceof PolicyLoadError || err instanceof PolicyTestFileError || err instanceof UnknownEnvironmentError || err instanceof LedgerFormatError) {
      io.stderr(`defect-gate: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

/** `policy validate [FILE]`: loader errors and lint warnings as `file:line:column: error|warning: message`. */
async function validateCommand(file: string | undefined, opts: { strict: boolean; format: 'text' | 'json'; now: Date; workspace: string }, io: CliIO): Promise<number> {
  const shown = file ?? DEFAULT_POLICY_NAME;
  const problems: LintProblem[] = [];
  let summary = '';
  try {
    const { policy } = await loadPolicyAsync(file, opts.workspace, remotePolicyFetcher(io.env));
    const text = file ? readText(resolve(opts.workspace, file)) : defaultPolicyText;
    const lintOpts = { levels: policy.levels, now: opts.now, strict: opts.strict };
    if (typeof text === 'string') problems.push(...lintPolicy(text, shown, lintOpts));
    // Included exception files in the workspace (the same checks: expired, not active yet, catch-all matches).
    const included = new Set(policy.exceptions.entries.map((e) => e.file).filter((f) => f !== shown && !/@/.test(f)));
    for (const inc of included) {
      const incText = readText(resolve(opts.workspace, inc));
      if (typeof incText === 'string') problems.push(...lintExceptionsFile(incText, inc, lintOpts));
    }
    const entries = policy.exceptions.entries.length;
    summary = `${policy.levels.length} levels, ${policy.rules.length} rating rules, ${Object.keys(policy.gates).length} gate profiles (${Object.keys(policy.gates).join(', ')}), ${entries} exceptions`;
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) throw err;
    problems.push(...err.errors.map(fromPolicyError));
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ file: shown, valid: errors === 0, errors, warnings, problems }, null, 2)}\n`);
  } else {
    for (const p of problems) io.stdout(`${stripControl(formatLintProblem(p))}\n`);
    const verdict = errors ? `invalid: ${errors} error(s), ${warnings} warning(s)` : `valid${summary ? ` (${summary})` : ''}; ${warnings} warning(s)`;
    io.stdout(`${stripControl(shown)}: ${verdict}\n`);
  }
  if (errors) return EXIT.usage;
  return opts.strict && warnings ? EXIT.fail : EXIT.ok;
}

/** The default test file of a policy: `<dir>/<name>.test.yml`. */
export function defaultTestsFile(policyFile: string): string {
  const ext = extname(policyFile);
  return join(dirname(policyFile), `${basename(policyFile, ext)}.test.yml`);
}

/** `policy test [FILE] [--tests TESTFILE]`: exit 1 when a case fails, 2 when the policy or the test file is invalid. */
async function testCommand(
  file: string | undefined,
  opts: { tests?: string; format: 'text' | 'json'; now?: Date; defaultNow: Date; workspace: string },
  io: CliIO,
): Promise<number> {
  if (!file && !opts.tests) return usage(io, 'policy test: give the policy file (its tests are <name>.test.yml beside it) or --tests FILE for the built-in policy');
  const { policy } = await loadPolicyAsync(file, opts.workspace, remotePolicyFetcher(io.env));
  const testsFile = opts.tests ?? defaultTestsFile(file as string);
  const text = readText(resolve(opts.workspace, testsFile));
  if (typeof text !== 'string') return usage(io, `cannot read the policy tests ${testsFile}: ${text.message}${opts.tests ? '' : ' (give --tests FILE)'}`);
  const suite = parsePolicyTests(text, testsFile, policy);
  const now = opts.now ?? (suite.now ? new Date(Date.parse(suite.now.length === 10 ? `${suite.now}T12:00:00Z` : suite.now)) : opts.defaultNow);
  const results = runPolicyTests(suite, policy, now);
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ policy: file ?? DEFAULT_POLICY_NAME, tests: testsFile, now: now.toISOString(), passed: results.filter((r) => r.passed).length, failed: results.filter((r) => !r.passed).length, results }, null, 2)}\n`);
  } else {
    io.stdout(stripControl(formatPolicyTestResults(testsFile, results)));
  }
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.fail;
}

/** `explain [--policy P] FILES… [--rule R] [--fingerprint FP]`: the rating, gating and SLA of selected findings. */
async function explainCommand(
  files: string[],
  o: { policy?: string; environment?: string; rule?: string; fingerprint?: string; kev?: string; epss?: string; ledger?: string; 'ledger-scope'?: string; 'input-format'?: string[] },
  opts: { format: 'text' | 'json'; now: Date; workspace: string },
  io: CliIO,
): Promise<number> {
  if (files.length === 0) return usage(io, 'explain: no input files: give the SARIF or scanner report files to explain findings from');
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(o['input-format'] ?? []);
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const known = new Set(formatIds());
  for (const f of formatOverrides) if (!known.has(f.format)) return usage(io, `unknown format "${f.format}" in --input-format`);
  // Read only: explaining never writes the ledger.
  const ledger = fileLedger(o, opts.workspace, opts.now, false);
  if (typeof ledger === 'string') return usage(io, ledger);
  const settings: CheckSettings = {
    files,
    policy: o.policy,
    environment: o.environment,
    onInputError: 'warn',
    workspace: opts.workspace,
    formatOverrides,
    ...(o.kev ? { kevFile: o.kev } : {}),
    ...(o.epss ? { epssFile: o.epss } : {}),
  };
  const outcome = await runCheck(settings, opts.now, silentLogger, { ...(ledger ? { ledger } : {}), fetchPolicy: remotePolicyFetcher(io.env) });
  const { result } = outcome;
  for (const e of result.errors) io.stderr(`warning: ${stripControl(e.file)}: ${stripControl(e.message)}\n`);
  const selected = selectFindings(result.findings, { ...(o.rule ? { rule: o.rule } : {}), ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}) });
  if (selected.length === 0) {
    const rules = [...new Set(result.findings.map((f) => f.ruleId))].sort();
    const what = [o.rule ? `rule "${o.rule}"` : '', o.fingerprint ? `fingerprint "${o.fingerprint}"` : ''].filter(Boolean).join(' and ') || 'anything';
    const shown = rules.slice(0, 20).map((r) => `  ${r}`).join('\n');
    io.stderr(
      stripControl(
        `defect-gate: no finding matches ${what}: ${result.findings.length} finding(s) in ${files.join(', ')}${rules.length ? `, rule ids:\n${shown}${rules.length > 20 ? `\n  … and ${rules.length - 20} more` : ''}` : ''}\n`,
      ),
    );
    return EXIT.usage;
  }
  const explained = selected.map((f) => explainFinding(f, result));
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify({ policy: outcome.policyFile, environment: result.environment, now: opts.now.toISOString(), findings: explained }, null, 2)}\n`);
  } else {
    io.stdout(`policy ${stripControl(outcome.policyFile)}, environment ${result.environment}, ${selected.length} of ${result.findings.length} finding(s)\n\n${renderExplanations(explained)}`);
  }
  return EXIT.ok;
}
