import { resolve } from 'node:path';
import { runCheck, type CheckSettings } from '../check';
import { parseFormatOverrides } from '../io/inputs';
import { formatIds } from '../ingest/index';
import { explainFinding, renderExplanations, selectFindings } from '../report/explain';
import { silentLogger } from '../logger';
import { stripControl } from '../text/escape';
import { errorMessage } from '../errors';
import { fileLedger, parseNow, remotePolicyFetcher } from './args';
import { EXIT, usageError, type CliIO } from './io';
import { commandHelp, formatOption, OPT, parseCommand, type CommandSpec } from './options';

/** `defect-gate explain`: the rating, gating and SLA of selected findings, step by step (src/report/explain.ts). */

export const EXPLAIN_OPTIONS = {
  policy: OPT.policy,
  environment: OPT.environment,
  rule: OPT.rule,
  fingerprint: OPT.fingerprint,
  kev: OPT.kev,
  epss: OPT.epss,
  ledger: { ...OPT.ledger, help: 'read the statuses and SLA clocks from this ledger file (never written by explain)' },
  'ledger-scope': OPT['ledger-scope'],
  'input-format': OPT['input-format'],
  now: OPT.now,
  format: formatOption(['text', 'json']),
  workspace: OPT.workspace,
  help: OPT.help,
} as const;

export const EXPLAIN: CommandSpec = {
  name: 'explain',
  usage: [
    'explain [--policy FILE] [--environment NAME] [--rule GLOB] [--fingerprint PREFIX] [--now DATE] [--kev FILE] [--epss FILE] [--ledger file:PATH] [--format text|json] FILES...',
  ],
  about:
    "Shows, for the findings whose rule id matches --rule (a glob) and/or whose fingerprint starts with --fingerprint, the scanner's rating, each policy step, the exception, the SLA and the gate rules that count it; exits 2 when nothing matches.",
  options: EXPLAIN_OPTIONS,
};

/** `defect-gate explain …`; `argv` follows `explain`. */
export async function runExplainCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, EXPLAIN_OPTIONS);
  } catch (err) {
    return usageError(io, errorMessage(err), 'explain');
  }
  const { values: o, positionals: files } = parsed;
  if (o.help) {
    io.stdout(commandHelp(EXPLAIN));
    return EXIT.ok;
  }
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usageError(io, `invalid --format "${format}": expected text or json`, 'explain');
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usageError(io, now, 'explain');
  return explainCommand(files, o, { format, now, workspace: resolve(io.cwd, o.workspace ?? '.') }, io);
}

/** `explain [--policy P] FILES… [--rule R] [--fingerprint FP]`: the rating, gating and SLA of selected findings. */
async function explainCommand(
  files: string[],
  o: {
    policy?: string;
    environment?: string;
    rule?: string;
    fingerprint?: string;
    kev?: string;
    epss?: string;
    ledger?: string;
    'ledger-scope'?: string;
    'input-format'?: string[];
  },
  opts: { format: 'text' | 'json'; now: Date; workspace: string },
  io: CliIO,
): Promise<number> {
  if (files.length === 0)
    return usageError(io, 'explain: no input files: give the SARIF or scanner report files to explain findings from', 'explain');
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(o['input-format'] ?? []);
  } catch (err) {
    return usageError(io, errorMessage(err), 'explain');
  }
  const known = new Set(formatIds());
  for (const f of formatOverrides)
    if (!known.has(f.format)) return usageError(io, `unknown format "${f.format}" in --input-format`, 'explain');
  // Read only: explaining never writes the ledger.
  const ledger = fileLedger(o, opts.workspace, opts.now, false);
  if (typeof ledger === 'string') return usageError(io, ledger, 'explain');
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
  const outcome = await runCheck(settings, opts.now, silentLogger, {
    ...(ledger ? { ledger } : {}),
    fetchPolicy: remotePolicyFetcher(io.env),
  });
  const { result } = outcome;
  for (const e of result.errors) io.stderr(`warning: ${stripControl(e.file)}: ${stripControl(e.message)}\n`);
  const selected = selectFindings(result.findings, {
    ...(o.rule ? { rule: o.rule } : {}),
    ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}),
  });
  if (selected.length === 0) {
    const rules = [...new Set(result.findings.map((f) => f.ruleId))].sort();
    const what =
      [o.rule ? `rule "${o.rule}"` : '', o.fingerprint ? `fingerprint "${o.fingerprint}"` : ''].filter(Boolean).join(' and ') || 'anything';
    const shown = rules
      .slice(0, 20)
      .map((r) => `  ${r}`)
      .join('\n');
    io.stderr(
      stripControl(
        `defect-gate: no finding matches ${what}: ${result.findings.length} finding(s) in ${files.join(', ')}${rules.length ? `, rule ids:\n${shown}${rules.length > 20 ? `\n  … and ${rules.length - 20} more` : ''}` : ''}\n`,
      ),
    );
    return EXIT.usage;
  }
  const explained = selected.map((f) => explainFinding(f, result));
  if (opts.format === 'json') {
    io.stdout(
      `${JSON.stringify({ policy: outcome.policyFile, environment: result.environment, now: opts.now.toISOString(), findings: explained }, null, 2)}\n`,
    );
  } else {
    io.stdout(
      `policy ${stripControl(outcome.policyFile)}, environment ${result.environment}, ${selected.length} of ${result.findings.length} finding(s)\n\n${renderExplanations(explained)}`,
    );
  }
  return EXIT.ok;
}
