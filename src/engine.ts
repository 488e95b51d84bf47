import type { FixedFinding, InputError, RatedFinding, ToolRef } from './model';
import { combine, type IngestedFile } from './ingest/index';
import type { Policy } from './policy/compile';
import { rateAll } from './rate/rate';
import { evaluateGate, type Verdict } from './gate/gate';
import { trackRun, withSnapshot } from './ledger/track';
import { applyExceptions, type ExceptionStatus } from './exceptions/apply';
import { emptyBook, type LedgerBook, type RunSnapshot } from './ledger/schema';
import { enrich, type Enrichment } from './enrich/apply';

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
  /** Gated findings not open in the ledger before this run (new or reopened). */
  new: number;
  /** Gated findings that were fixed before and are back. */
  reopened: number;
  /** Ledger findings fixed by this run. */
  fixed: number;
  /** Gated findings past their SLA due date. */
  slaBreached: number;
  /** Gated findings due soon (policy `sla.due-soon`). */
  slaDueSoon: number;
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
  /** Findings the ledger had open that this run no longer reports (empty without a ledger). */
  fixed: FixedFinding[];
  /** On pull requests: what this PR introduces and fixes compared with the base branch's ledger. */
  pullRequest?: { introduced: string[]; fixed: string[] };
  /** Every policy exception and its state in this run (active, expiring, expired, stale). */
  exceptions: ExceptionStatus[];
  /** True when a ledger was read (statuses and first-seen dates are meaningful). */
  tracked: boolean;
  /** The ledger book after this run, with its snapshot; the shell writes it when this run may write. */
  nextLedger: LedgerBook;
}

/** Where this run happened, recorded in the ledger's run snapshots. */
export interface RunInfo {
  event?: string;
  ref?: string;
  sha?: string;
  runId?: string;
}

export interface EngineInput {
  files: IngestedFile[];
  policy: Policy;
  environment: string;
  onInputError: 'fail' | 'warn';
  now: Date;
  /** The ledger book of this scope; absent when no ledger is used (every finding is then `new`). */
  ledger?: LedgerBook;
  /** True on pull-request runs: fills `pullRequest` (introduced / fixed by this PR). */
  pullRequest?: boolean;
  run?: RunInfo;
  /** Exploitability from a CISA KEV catalog and EPSS scores, matched by CVE before rating (src/enrich/). */
  enrichment?: Enrichment;
}

export function countFindings(
  findings: readonly RatedFinding[],
  levels: readonly string[],
  blocking: ReadonlySet<string>,
  fixedCount = 0,
): Counts {
  const bySeverity: Record<string, number> = Object.fromEntries(levels.map((l) => [l, 0]));
  const byTool: Record<string, Record<string, number>> = {};
  let gated = 0;
  let isNew = 0;
  let reopened = 0;
  let breached = 0;
  let dueSoon = 0;
  for (const f of findings) {
    if (!f.gated) continue;
    gated++;
    if (f.status === 'new' || f.status === 'reopened') isNew++;
    if (f.status === 'reopened') reopened++;
    if (f.sla?.state === 'breached') breached++;
    else if (f.sla?.state === 'due-soon') dueSoon++;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    // Tool names are scanner text: `__proto__` must not reach Object.prototype (own properties only).
    let t = Object.prototype.hasOwnProperty.call(byTool, f.tool.name) ? byTool[f.tool.name] : undefined;
    if (!t) {
      t = Object.fromEntries(levels.map((l) => [l, 0])) as Record<string, number>;
      Object.defineProperty(byTool, f.tool.name, { value: t, enumerable: true, writable: true, configurable: true });
    }
    t[f.severity] = (t[f.severity] ?? 0) + 1;
  }
  return {
    total: findings.length,
    gated,
    blocking: blocking.size,
    notGated: findings.length - gated,
    bySeverity,
    byTool,
    new: isNew,
    reopened,
    fixed: fixedCount,
    slaBreached: breached,
    slaDueSoon: dueSoon,
  };
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

function toolKinds(findings: readonly RatedFinding[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const f of findings) (out[f.tool.name] ??= new Set()).add(f.kind);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

export function runEngine(input: EngineInput): RunResult {
  const combined = combine(input.files);
  const excepted = applyExceptions(rateAll(input.enrichment ? enrich(combined.findings, input.enrichment) : combined.findings, input.policy), input.policy.exceptions, input.now);
  const tracked = trackRun({
    findings: excepted.findings,
    book: input.ledger ?? emptyBook(),
    toolsRan: combined.tools.map((t) => t.name),
    sla: input.policy.sla,
    now: input.now,
    environment: input.environment,
  });
  const findings = tracked.findings;
  if (input.ledger === undefined) {
    // Without a ledger a clock would restart on every run: keep SLA only where the scanner dated the finding.
    for (const f of findings) if (!f.firstDetected) delete f.sla;
  }
  const verdict = evaluateGate(findings, combined.errors, input.policy, {
    environment: input.environment,
    onInputError: input.onInputError,
  });
  const blocking = new Set(verdict.blocking);
  findings.sort(compareFindings(blocking));
  const counts = countFindings(findings, input.policy.levels, blocking, tracked.fixed.length);
  const open: Record<string, number> = {};
  for (const e of Object.values(tracked.next.entries)) if (e.state === 'open' && e.gated) open[e.severity] = (open[e.severity] ?? 0) + 1;
  const snapshot: RunSnapshot = {
    at: input.now.toISOString(),
    environment: input.environment,
    ...(input.run?.event ? { event: input.run.event } : {}),
    ...(input.run?.ref ? { ref: input.run.ref } : {}),
    ...(input.run?.sha ? { sha: input.run.sha } : {}),
    ...(input.run?.runId ? { runId: input.run.runId } : {}),
    tools: combined.tools.map((t) => t.name),
    toolKinds: toolKinds(findings),
    open,
    new: counts.new,
    fixed: counts.fixed,
    reopened: counts.reopened,
    slaBreached: counts.slaBreached,
    slaDueSoon: counts.slaDueSoon,
    verdict: verdict.status,
  };
  const result: RunResult = {
    generatedAt: input.now.toISOString(),
    environment: input.environment,
    levels: input.policy.levels,
    findings,
    duplicates: combined.duplicates,
    blocking,
    errors: combined.errors,
    inputs: combined.files,
    tools: combined.tools,
    verdict,
    counts,
    fixed: tracked.fixed,
    exceptions: excepted.exceptions,
    tracked: input.ledger !== undefined,
    nextLedger: withSnapshot(tracked.next, snapshot),
  };
  if (input.pullRequest) {
    result.pullRequest = {
      introduced: findings.filter((f) => f.gated && (f.status === 'new' || f.status === 'reopened')).map((f) => f.fingerprint),
      fixed: tracked.fixed.map((f) => f.fingerprint),
    };
  }
  return result;
}

/**
 * Applies this run's findings to a (possibly newer) ledger book: what a store does when its write lost a race and it
 * must re-read, merge and retry. Same inputs as the first evaluation, so nothing either writer saw is lost.
 */
export function reapply(book: LedgerBook, input: EngineInput): LedgerBook {
  return runEngine({ ...input, ledger: book }).nextLedger;
}
