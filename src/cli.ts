import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runCheck, type CheckSettings } from './check';
import { parseFormatOverrides } from './io/inputs';
import { formatIds } from './ingest/index';
import { PolicyLoadError } from './policy/load';
import { UnknownEnvironmentError } from './gate/gate';
import { renderMarkdown } from './report/markdown';
import { renderText } from './report/text';
import { stderrLogger } from './logger';
import { VERSION } from './version';

/**
 * The command-line shell: `defect-gate check …` for GitLab, Jenkins or a laptop. Same engine as the Action.
 * Exit codes: 0 pass or warn, 1 the gate failed, 2 usage, policy or input error (inputs that could not be read fail
 * closed with 2 unless --on-input-error warn).
 */

export const EXIT = { ok: 0, fail: 1, usage: 2 } as const;

export const HELP = `defect-gate ${VERSION}: rate, track and gate security findings with your organization's policy

Usage:
  defect-gate check [options] FILES...
  defect-gate --help | --version

FILES are SARIF 2.1.0 files or native scanner reports (${formatIds().join(', ')}),
directories (every .sarif/.json/.xml below them) or globs, relative to --workspace.
The format is detected from the content.

Options:
  --policy FILE            policy file (YAML); default: the built-in policies/default.yml
  --environment NAME       gate profile from the policy's \`gates:\` (e.g. pull-request, production);
                           default: "default"
  --on-input-error MODE    fail (default): an unreadable or invalid input fails the gate (exit 2);
                           warn: report it and gate on the other files
  --report FILE            write the JSON report (schema/report.schema.json) to FILE
  --sarif-output FILE      write the input results as SARIF with the organization's severity
  --format FORMAT          what to print on stdout: text (default), json (the report, nothing else), markdown
  --input-format GLOB=ID   force the format of matching files instead of detecting it (repeatable),
                           e.g. --input-format 'reports/*.json=sarif'
  --workspace DIR          repository root, for relative paths and fingerprints; default: current directory
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

export function runCli(argv: string[], io: CliIO): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        policy: { type: 'string' },
        environment: { type: 'string' },
        'on-input-error': { type: 'string' },
        report: { type: 'string' },
        'sarif-output': { type: 'string' },
        format: { type: 'string' },
        'input-format': { type: 'string', multiple: true },
        workspace: { type: 'string' },
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
  if (command === undefined) return usageError(io, 'missing command: expected `check`');
  if (command !== 'check') return usageError(io, `unknown command "${command}": expected \`check\``);
  if (files.length === 0) return usageError(io, 'no input files: give SARIF or scanner report files, directories or globs');
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
  const settings: CheckSettings = {
    files,
    policy: o.policy,
    environment: o.environment,
    onInputError,
    reportPath: o.report,
    sarifOutput: o['sarif-output'],
    workspace: resolve(io.cwd, o.workspace ?? '.'),
    formatOverrides,
  };
  const log = stderrLogger(o.verbose === true);
  let outcome;
  try {
    outcome = runCheck(settings, io.now(), {
      ...log,
      info: (m) => io.stderr(`${m}\n`),
      warning: (m) => io.stderr(`warning: ${m}\n`),
      error: (m) => io.stderr(`error: ${m}\n`),
    });
  } catch (err) {
    if (err instanceof PolicyLoadError || err instanceof UnknownEnvironmentError) {
      io.stderr(`defect-gate: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const { result } = outcome;
  if (format === 'json') io.stdout(`${JSON.stringify(outcome.report, null, 2)}\n`);
  else if (format === 'markdown') io.stdout(renderMarkdown(result, { fullReport: settings.reportPath }));
  else {
    const color = !o['no-color'] && io.isTTY && !io.env.NO_COLOR;
    io.stdout(renderText(result, { color }));
  }
  if (outcome.written.report) io.stderr(`report: ${outcome.written.report}\n`);
  if (outcome.written.sarif) io.stderr(`rated SARIF: ${outcome.written.sarif}\n`);
  if (result.verdict.inputErrors.blocking) return EXIT.usage;
  return result.verdict.status === 'fail' ? EXIT.fail : EXIT.ok;
}
