import type { InputError, RatedFinding, ToolRef } from './model';
import { combine, type IngestedFile } from './ingest/index';
import type { Policy } from './policy/compile';
import { rateAll } from './rate/rate';
import { evaluateGate, type Verdict } from './gate/gate';

/**
 * The pure pipeline: parsed input files → rated findings → verdict. No I/O, no clock reads: `now` is given.
 */

export interface Counts {
  /** Every finding, gated or not. */
  total: number;
  /** Findings the gate considered (not suppressed, SARIF kind `fail`). */
  gated: number;
  /** Findings that make a failing rule fail. */
  blocking: number;
  /** Findings reported but not gated (scanner-suppressed, SARIF pass/review/… results, baseline `absent`). */
  notGated: number;
  /** Gated findings per org severity, every level present (0 when none). */
  bySeverity: Record<string, number>;
  /** Gated findings per tool and org severity. */
  byTool: Record<string, Record<string, number>>;
}

export interface RunResult {
  generatedAt: string;
  environment: string;
  levels: string[];
  findings: RatedFinding[];
  /** Findings folded into another with the same fingerprint (see ingest `combine`). */
  duplicates: { source: RatedFinding['source']; fingerprint: string }[];
  blocking: Set<string>;
  errors: InputError[];
  inputs: { file: string; format?: string; findings: number; errors: number }[];
  tools: ToolRef[];
  verdict: Verdict;
  counts: Counts;
}

export interface EngineInput {
  files: IngestedFile[];
  policy: Policy;
  environment: string;
  onInputError: 'fail' | 'warn';
  now: Date;
}

export function countFindings(findings: readonly RatedFinding[], levels: readonly string[], blocking: ReadonlySet<string>): Counts {
  const bySeverity: Record<string, number> = Object.fromEntries(levels.map((l) => [l, 0]));
  const byTool: Record<string, Record<string, number>> = {};
  let gated = 0;
  for (const f of findings) {
    if (!f.gated) continue;
    gated++;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const t = (byTool[f.tool.name] ??= Object.fromEntries(levels.map((l) => [l, 0])));
    t[f.severity] = (t[f.severity] ?? 0) + 1;
  }
  return { total: findings.length, gated, blocking: blocking.size, notGated: findings.length - gated, bySeverity, byTool };
}

/** Sort order for every report: blocking first, then most severe, then by location. */
export function compareFindings(blocking: ReadonlySet<string>) {
  return (a: RatedFinding, b: RatedFinding): number =>
    Number(blocking.has(b.fingerprint)) - Number(blocking.has(a.fingerprint)) ||
    Number(b.gated) - Number(a.gated) ||
    a.rank - b.rank ||
    (a.path ?? a.location ?? '\uffff').localeCompare(b.path ?? b.location ?? '\uffff') ||
    (a.startLine ?? 0) - (b.startLine ?? 0) ||
    a.ruleId.localeCompare(b.ruleId);
}

export function runEngine(input: EngineInput): RunResult {
  const combined = combine(input.files);
  const rated = rateAll(combined.findings, input.policy);
  const verdict = evaluateGate(rated, combined.errors, input.policy, {
    environment: input.environment,
    onInputError: input.onInputError,
  });
  const blocking = new Set(verdict.blocking);
  rated.sort(compareFindings(blocking));
  return {
    generatedAt: input.now.toISOString(),
    environment: input.environment,
    levels: input.policy.levels,
    findings: rated,
    duplicates: combined.duplicates,
    blocking,
    errors: combined.errors,
    inputs: combined.files,
    tools: combined.tools,
    verdict,
    counts: countFindings(rated, input.policy.levels, blocking),
  };
}
