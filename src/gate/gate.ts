import type { InputError, RatedFinding } from '../model';
import type { CompiledGateRule, Policy } from '../policy/compile';
import { UserError } from '../errors';
import type { CoverageCheck } from './coverage';

export type VerdictStatus = 'pass' | 'warn' | 'fail';

export interface GateRuleResult {
  name: string;
  action: 'fail' | 'warn';
  /** Conditions in words, e.g. `severity >= high, kind secret`. */
  conditions: string;
  max: number;
  count: number;
  exceeded: boolean;
  /** Fingerprints of the findings counted by this rule. */
  findings: string[];
}

export interface Verdict {
  status: VerdictStatus;
  environment: string;
  rules: GateRuleResult[];
  /** One line per reason the gate failed or warned; empty when it passed. */
  reasons: string[];
  /** Fingerprints of the findings that make a `fail` rule fail. */
  blocking: string[];
  /** Input files that could not be used, and whether they failed the gate. */
  inputErrors: { count: number; blocking: boolean };
  /** Scan coverage the environment requires (policy `coverage:`), each activity with its last report; absent without. */
  coverage?: CoverageCheck[];
}

export interface GateOptions {
  environment: string;
  /** `fail` (default): an unusable input file fails the gate. `warn`: it is reported only. */
  onInputError: 'fail' | 'warn';
  /** `gate-scope: ledger`: the ledger's open findings of tools not in this run, counted by the rules too. */
  fromLedger?: readonly RatedFinding[];
  /** Coverage of the environment's required activities (src/gate/coverage.ts); a failing one fails the gate. */
  coverage?: readonly CoverageCheck[];
}

export class UnknownEnvironmentError extends UserError {
  constructor(
    readonly environment: string,
    readonly known: string[],
  ) {
    // The run's environment comes from `--environment` (CLI) or the `environment` input (Action): the shells name it.
    super(
      'policy',
      `no gate profile "${environment}" in the policy: expected one of ${known.join(', ')} (policy \`gates:\`)`,
      'environment',
    );
    this.name = 'UnknownEnvironmentError';
  }
}

function evaluateRule(rule: CompiledGateRule, findings: readonly RatedFinding[], fromLedger: readonly RatedFinding[]): GateRuleResult {
  const counted: string[] = [];
  for (const list of [findings, fromLedger]) {
    for (const f of list) {
      if (!f.gated && !(rule.countsExcepted && (f.exception?.state === 'active' || f.exception?.state === 'expiring'))) continue;
      if (rule.ranks && !rule.ranks.has(f.rank)) continue;
      if (!rule.test(f, f.score ?? f.securitySeverity ?? f.cvss?.score)) continue;
      counted.push(f.fingerprint);
    }
  }
  return {
    name: rule.name,
    action: rule.action,
    conditions: rule.describe || 'every gated finding',
    max: rule.max,
    count: counted.length,
    exceeded: counted.length > rule.max,
    findings: counted,
  };
}

/**
 * Decides the verdict for one environment. Pure: a function of the rated findings, the input errors and the policy.
 */
export function evaluateGate(
  findings: readonly RatedFinding[],
  inputErrors: readonly InputError[],
  policy: Policy,
  opts: GateOptions,
): Verdict {
  const rules = Object.hasOwn(policy.gates, opts.environment) ? policy.gates[opts.environment] : undefined;
  if (!rules) throw new UnknownEnvironmentError(opts.environment, Object.keys(policy.gates));
  const results = rules.map((r) => evaluateRule(r, findings, opts.fromLedger ?? []));
  const reasons: string[] = [];
  const blocking = new Set<string>();
  let status: VerdictStatus = 'pass';
  for (const r of results) {
    if (!r.exceeded) continue;
    reasons.push(
      `${r.action === 'fail' ? 'failed' : 'warning'}: "${r.name}": ${r.count} finding${r.count === 1 ? '' : 's'} (max ${r.max})`,
    );
    if (r.action === 'fail') {
      status = 'fail';
      for (const fp of r.findings) blocking.add(fp);
    } else if (status === 'pass') status = 'warn';
  }
  for (const c of opts.coverage ?? []) {
    if (c.ok) continue;
    status = 'fail';
    reasons.push(`failed: coverage: ${c.reason ?? `${c.activity} is not covered`}`);
  }
  // Inputs that are not scanner files (the ledger) are named, with what went wrong: "1 input file" would hide which.
  const named = new Map<string, string>();
  for (const e of inputErrors) if (e.severity !== 'scanner' && e.input && !named.has(e.input.name)) named.set(e.input.name, e.input.reason);
  const lost = new Set(inputErrors.filter((e) => e.severity !== 'scanner' && !e.input).map((e) => e.file));
  const scannerOnly = new Set(inputErrors.filter((e) => e.severity === 'scanner' && !lost.has(e.file)).map((e) => e.file));
  const inputBlocking = opts.onInputError === 'fail' && (lost.size > 0 || named.size > 0);
  for (const [input, message] of named) {
    const line = `${input} could not be read: ${message.length > 240 ? `${message.slice(0, 239)}…` : message}`;
    if (inputBlocking) {
      status = 'fail';
      reasons.push(`failed: ${line} (on-input-error: fail)`);
    } else {
      if (status === 'pass') status = 'warn';
      reasons.push(`warning: ${line} (on-input-error: warn)`);
    }
  }
  const plural = (n: number) => `${n} input file${n === 1 ? '' : 's'}`;
  if (lost.size > 0) {
    const line = `${plural(lost.size)} could not be read completely: findings may be missing`;
    if (inputBlocking) {
      status = 'fail';
      reasons.push(`failed: ${line} (on-input-error: fail)`);
    } else {
      if (status === 'pass') status = 'warn';
      reasons.push(`warning: ${line} (on-input-error: warn)`);
    }
  }
  if (scannerOnly.size > 0) {
    if (status === 'pass') status = 'warn';
    reasons.push(`warning: the scanner reported errors in ${plural(scannerOnly.size)}`);
  }
  return {
    status,
    environment: opts.environment,
    rules: results,
    reasons,
    blocking: [...blocking],
    inputErrors: { count: inputErrors.length, blocking: inputBlocking },
    ...(opts.coverage?.length ? { coverage: [...opts.coverage] } : {}),
  };
}
