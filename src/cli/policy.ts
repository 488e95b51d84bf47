import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DEFAULT_POLICY_NAME, defaultPolicyText, loadPolicyAsync } from '../io/policy';
import defaultPolicyTests from '../../policies/default.test.yml';

const DEFAULT_POLICY_TESTS_NAME = 'policies/default.test.yml (built in)';
import { PolicyLoadError } from '../policy/load';
import { formatLintProblem, fromPolicyError, lintExceptionsFile, lintPolicy, type LintProblem } from '../policy/lint';
import { formatPolicyTestResults, parsePolicyTests, runPolicyTests } from '../policy/testing';
import { stripControl } from '../text/escape';
import { errorMessage } from '../errors';
import { parseNow, remotePolicyFetcher } from './args';
import { EXIT, usageError, type CliIO } from './io';
import { commandHelp, formatOption, OPT, parseCommand, type CommandSpec } from './options';

/**
 * `defect-gate policy validate` and `defect-gate policy test`, for policy authors. File reading happens here; the
 * logic is in src/policy/lint.ts and src/policy/testing.ts (pure).
 */

export const VALIDATE_OPTIONS = {
  strict: OPT.strict,
  now: OPT.now,
  format: formatOption(['text', 'json']),
  workspace: OPT.workspace,
  help: OPT.help,
} as const;

export const VALIDATE: CommandSpec = {
  name: 'policy validate',
  usage: ['policy validate [FILE] [--strict] [--now DATE] [--format text|json]'],
  about:
    'Checks a policy file (default: the built-in one) and lints it: rules that never apply or change nothing, gate rules that can never count anything, overlapping and expired exceptions. Prints file:line:column: error|warning: message and exits 2 on errors, 1 on warnings with --strict, else 0.',
  options: VALIDATE_OPTIONS,
};

export const TEST_OPTIONS = {
  tests: OPT.tests,
  now: OPT.now,
  format: formatOption(['text', 'json']),
  workspace: OPT.workspace,
  help: OPT.help,
} as const;

export const TEST: CommandSpec = {
  name: 'policy test',
  usage: ['policy test [FILE] [--tests TESTFILE] [--now DATE] [--format text|json]'],
  about:
    "Runs the policy's test cases (default: <name>.test.yml beside the policy; --tests for another file) and exits 1 when a case fails, 2 when the policy or the test file is invalid.",
  options: TEST_OPTIONS,
};

export const POLICY: CommandSpec = {
  name: 'policy',
  usage: [...VALIDATE.usage, ...TEST.usage],
  about:
    'Commands for policy authors: `policy validate` checks and lints a policy, `policy test` runs its test cases. `defect-gate policy validate --help` and `defect-gate policy test --help` list their options.',
  options: { help: OPT.help },
};

function readText(path: string): string | Error {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    return new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : errorMessage(err));
  }
}

/** `defect-gate policy …`; `argv` follows `policy`. */
export async function runPolicyCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.stdout(commandHelp(POLICY));
    return EXIT.ok;
  }
  if (sub === undefined) return usageError(io, 'missing policy command: expected `policy validate` or `policy test`', 'policy');
  if (sub !== 'validate' && sub !== 'test')
    return usageError(io, `unknown policy command "${sub}": expected \`policy validate\` or \`policy test\``, 'policy');
  const command = `policy ${sub}`;
  const usage = (message: string) => usageError(io, message, command);
  let parsed;
  try {
    parsed = sub === 'validate' ? parseCommand(rest, VALIDATE_OPTIONS) : parseCommand(rest, TEST_OPTIONS);
  } catch (err) {
    const message = errorMessage(err);
    return usage(/'--policy'/.test(message) ? `${command}: give the policy file as an argument, not --policy` : message);
  }
  const { values: o, positionals: args } = parsed;
  if (o.help) {
    io.stdout(commandHelp(sub === 'validate' ? VALIDATE : TEST));
    return EXIT.ok;
  }
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`invalid --format "${format}": expected text or json`);
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usage(now);
  const workspace = resolve(io.cwd, o.workspace ?? '.');
  if (args.length > 1) return usage(`${command}: expected at most one policy file, got ${args.length}`);
  if (sub === 'validate') return validateCommand(args[0], { strict: 'strict' in o && o.strict === true, format, now, workspace }, io);
  return testCommand(
    args[0],
    { tests: 'tests' in o ? o.tests : undefined, format, now: o.now !== undefined ? now : undefined, defaultNow: now, workspace },
    io,
  );
}

/** `policy validate [FILE]`: loader errors and lint warnings as `file:line:column: error|warning: message`. */
async function validateCommand(
  file: string | undefined,
  opts: { strict: boolean; format: 'text' | 'json'; now: Date; workspace: string },
  io: CliIO,
): Promise<number> {
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
    if (!policy.gates.default) {
      const names = Object.keys(policy.gates);
      problems.push({
        file: shown,
        ...lineOfGates(typeof text === 'string' ? text : ''),
        path: 'gates',
        severity: 'warning',
        message: `no \`default\` gate profile: the CLI gates with it when --environment is not given${names.length === 1 ? ` (it uses the only profile, "${names[0]}", instead)` : `, so every run must give --environment (one of ${names.join(', ')})`}; add a \`default\` profile or give --environment`,
      });
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
    const verdict = errors
      ? `invalid: ${errors} error(s), ${warnings} warning(s)`
      : `valid${summary ? ` (${summary})` : ''}; ${warnings} warning(s)`;
    io.stdout(`${stripControl(shown)}: ${verdict}\n`);
  }
  if (errors) return EXIT.usage;
  return opts.strict && warnings ? EXIT.fail : EXIT.ok;
}

/** Where `gates:` is written (line and column), for the warning about a missing `default` profile. */
function lineOfGates(text: string): { line: number; column: number } {
  const i = text.split('\n').findIndex((l) => /^gates\s*:/.test(l));
  return { line: i >= 0 ? i + 1 : 1, column: 1 };
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
  const { policy } = await loadPolicyAsync(file, opts.workspace, remotePolicyFetcher(io.env));
  // Without arguments: the built-in policy and its own tests (policies/default.test.yml, bundled).
  const builtIn = !file && !opts.tests;
  const testsFile = builtIn ? DEFAULT_POLICY_TESTS_NAME : (opts.tests ?? defaultTestsFile(file as string));
  const text = builtIn ? defaultPolicyTests : readText(resolve(opts.workspace, testsFile));
  if (typeof text !== 'string')
    return usageError(
      io,
      `cannot read the policy tests ${testsFile}: ${text.message}${opts.tests ? '' : ' (give --tests FILE)'}`,
      'policy test',
    );
  const suite = parsePolicyTests(text, testsFile, policy);
  const now =
    opts.now ?? (suite.now ? new Date(Date.parse(suite.now.length === 10 ? `${suite.now}T12:00:00Z` : suite.now)) : opts.defaultNow);
  const results = runPolicyTests(suite, policy, now);
  if (opts.format === 'json') {
    io.stdout(
      `${JSON.stringify({ policy: file ?? DEFAULT_POLICY_NAME, tests: testsFile, now: now.toISOString(), passed: results.filter((r) => r.passed).length, failed: results.filter((r) => !r.passed).length, results }, null, 2)}\n`,
    );
  } else {
    io.stdout(stripControl(formatPolicyTestResults(testsFile, results)));
  }
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.fail;
}
