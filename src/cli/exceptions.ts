import { resolve } from 'node:path';
import { runCheck, type CheckSettings } from '../check';
import { loadPolicy } from '../io/policy';
import { parseFormatOverrides } from '../io/inputs';
import { formatIds } from '../ingest/index';
import { applyExceptions, dateState, summarizeExceptions, type ExceptionStatus } from '../exceptions/apply';
import { silentLogger } from '../logger';
import { stripControl } from '../text/escape';
import { errorMessage } from '../errors';
import { parseNow } from './args';
import { EXIT, usageError, type CliIO } from './io';
import { commandHelp, formatOption, OPT, parseCommand, type CommandSpec } from './options';

/** `defect-gate exceptions`: the policy's exceptions for review. Exit 1 when any exception has expired. */

export const EXCEPTIONS_OPTIONS = {
  policy: OPT.policy,
  environment: OPT.environment,
  expiring: OPT.expiring,
  now: OPT.now,
  format: formatOption(['text', 'json']),
  'input-format': OPT['input-format'],
  workspace: OPT.workspace,
  help: OPT.help,
} as const;

export const EXCEPTIONS: CommandSpec = {
  name: 'exceptions',
  usage: ['exceptions [--policy FILE] [--expiring DAYS] [--now DATE] [--format text|json] [FILES...]'],
  about:
    "Lists the policy's exceptions for review: active, expiring within --expiring days (default: the policy's exceptions.expiring-days), expired; with FILES also what each matches now and which are stale. Exits 1 when any exception has expired (run it on a schedule), 0 otherwise.",
  options: EXCEPTIONS_OPTIONS,
};

export async function runExceptionsCommand(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, EXCEPTIONS_OPTIONS);
  } catch (err) {
    return usageError(io, errorMessage(err), 'exceptions');
  }
  const { values: o, positionals: files } = parsed;
  const usage = (message: string) => usageError(io, message, 'exceptions');
  if (o.help) {
    io.stdout(commandHelp(EXCEPTIONS));
    return EXIT.ok;
  }
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`invalid --format "${format}": expected text or json`);
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
  let expiringDays: number | undefined;
  if (o.expiring !== undefined) {
    const m = /^(\d+)d?$/.exec(o.expiring.trim());
    if (!m) return usage(`invalid --expiring "${o.expiring}": expected a number of days such as 30 or 30d`);
    expiringDays = Number(m[1]);
  }
  const settings: CheckSettings = {
    files,
    policy: o.policy,
    environment: o.environment,
    onInputError: 'warn',
    workspace: resolve(io.cwd, o.workspace ?? '.'),
    formatOverrides,
  };
  return exceptionsReview(settings, now, { format, ...(expiringDays !== undefined ? { expiringDays } : {}) }, io);
}

async function exceptionsReview(
  settings: CheckSettings,
  now: Date,
  opts: { format: 'text' | 'json'; expiringDays?: number },
  io: CliIO,
): Promise<number> {
  const { files } = settings;
  const { policy } = loadPolicy(settings.policy, settings.workspace);
  const profiles = Object.keys(policy.gates);
  if (files.length > 0 && !settings.environment && !policy.gates.default && profiles.length !== 1) {
    // The matches are counted by a gate run: name the profile it needs (chooseEnvironment takes the only one).
    return usageError(
      io,
      `exceptions with FILES gates them with the \`default\` profile, and the policy has none: give --environment NAME (one of ${profiles.join(', ')})`,
      'exceptions',
    );
  }
  const exSettings = opts.expiringDays !== undefined ? { ...policy.exceptions, expiringDays: opts.expiringDays } : policy.exceptions;
  let statuses;
  if (files.length > 0) {
    const outcome = await runCheck(settings, now, silentLogger);
    statuses = applyExceptions(outcome.result.findings, exSettings, now).exceptions;
  } else {
    // Without findings nothing can be called stale: report date states only.
    // (The same expiring rule as with findings: whole days left are rounded down, so they cannot decide it.)
    const entries = exSettings.entries;
    statuses = applyExceptions([], exSettings, now).exceptions.map((e, i) =>
      e.state === 'stale'
        ? {
            ...e,
            state: dateState(entries[i] as (typeof entries)[number], now.getTime(), exSettings.expiringDays) as ExceptionStatus['state'],
          }
        : e,
    );
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
      const when = e.expires
        ? `${e.state === 'expired' ? 'expired' : 'expires'} ${e.expires}${e.daysLeft !== undefined && e.state !== 'expired' ? ` (${e.daysLeft} days)` : ''}`
        : 'no expiry';
      const matched = files.length ? `, matches ${e.matched}${e.notAllowed ? ` (${e.notAllowed} not allowed)` : ''}` : '';
      const pending = e.state === 'pending' ? `, not active until ${e.approvedOn ?? '?'} (approved-on)` : '';
      lines.push(
        `  ${e.state.toUpperCase().padEnd(8)} ${e.id}  ${e.type}, approved by ${e.approvedBy ?? '(nobody)'}${e.unverified ? ` (not verified: ${e.unverified})` : ''}${pending}, ${when}${matched}  [${e.file}]`,
      );
    }
    lines.push(
      `by type: ${
        Object.entries(sum.byType)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '-'
      }; by approver: ${
        Object.entries(sum.byApprover)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '-'
      }`,
    );
    io.stdout(`${lines.map((l) => stripControl(l)).join('\n')}\n`);
  }
  return sum.byState.expired > 0 ? EXIT.fail : EXIT.ok;
}
