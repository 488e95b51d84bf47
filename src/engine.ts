import type { Finding, FixedFinding, InputError, RatedFinding, ToolRef, VerifiedApproval } from './model';
import { combine, type IngestedFile } from './ingest/index';
import { incompleteScanAction, type Policy, type SlaSettings } from './policy/compile';
import { rateAll, rateAllInPlace, rateFinding } from './rate/rate';
import { groupSimilar } from './rate/group';
import { evaluateGate, type Verdict } from './gate/gate';
import { earlier, slaFor, trackRun, withSnapshot, type RunDateRule } from './ledger/track';
import { applyExceptions, type ExceptionStatus } from './exceptions/apply';
import { emptyBook, type LedgerBook, type RunSnapshot } from './ledger/schema';
import { enrich, type Enrichment } from './enrich/apply';
import { addCount, ownRecord } from './own';
import { redactLedger } from './redact/finding';
import type { PolicyChanges } from './policy/diff';
import { assignOwners } from './owners/assign';
import {
  findingFromEntry,
  GateScopeError,
  ledgerScopeEntries,
  mergeExceptionStatuses,
  type GateScope,
  type LedgerScopeFinding,
} from './gate/scope';
import { evaluateCoverage, runTools } from './gate/coverage';
import type { Codeowners } from './owners/codeowners';

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
  /**
   * When the findings are all in report order (no `sortTop`): how many come first that block — `findings[i]` blocks
   * exactly when `i < blockingFirst` (see `blocksAt`), so outputs need not look up a million fingerprints again.
   * Undefined when only the first `sortTop` are in order.
   */
  blockingFirst?: number;
  errors: InputError[];
  inputs: { file: string; target?: string; format?: string; findings: number; errors: number }[];
  tools: ToolRef[];
  verdict: Verdict;
  counts: Counts;
  /** Findings the ledger had open that this run no longer reports (empty without a ledger). */
  fixed: FixedFinding[];
  /** On pull requests: what this PR introduces and fixes compared with the base branch's ledger. */
  pullRequest?: { introduced: string[]; fixed: string[] };
  /** Every policy exception and its state in this run (active, expiring, expired, stale). */
  exceptions: ExceptionStatus[];
  /** The policy's SLA settings (for metrics over the ledger). */
  sla: SlaSettings;
  /** True when a ledger was read (statuses and first-seen dates are meaningful). */
  tracked: boolean;
  /**
   * False when the ledger read was empty (no run recorded it yet): every finding is `new` then, which says nothing
   * about what a pull request introduced. Undefined without a ledger.
   */
  baseline?: boolean;
  /**
   * Pull requests gated by their base branch's policy: what the pull request's own policy changes (takes effect after
   * merge). Set by the shell (src/io/policy-source.ts), not by the engine.
   */
  policyChanges?: PolicyChanges;
  /** The ledger book after this run, with its snapshot; the shell writes it when this run may write. */
  nextLedger: LedgerBook;
  /** `run`: the gate judged this run's findings; `ledger`: also the ledger's open findings of tools not in the run. */
  gateScope: GateScope;
  /** With `gate-scope: ledger`: the ledger's open findings of tools not in this run, as last seen (empty otherwise). */
  fromLedger: LedgerScopeFinding[];
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
  /**
   * The caller hands the input findings over: they are rated in place (each becomes its rated finding) instead of
   * copied, which takes a fraction of the memory. The input files must not be used again (not with `reapply`).
   */
  inPlace?: boolean;
  /** Verified exception approvals (by `id:contentHash`) to keep in the ledger: later runs make no calls for them. */
  approvals?: Record<string, VerifiedApproval>;
  /**
   * Only the first `sortTop` findings of the result need the report order (a shell that shows no more, e.g. the
   * CLI's text verdict): they are selected and sorted, the others follow in no set order. Default: all sorted.
   */
  sortTop?: number;
  /** The repository's CODEOWNERS, parsed (the shell reads it): owners of findings outside owned policy components. */
  codeowners?: Codeowners;
  /** Set when this run is to be written to the ledger: a backdated run is refused (src/ledger/track.ts checkRunDate). */
  runDate?: RunDateRule;
  /**
   * `ledger`: the gate also counts the ledger's open findings of tools not in this run (src/gate/scope.ts); needs
   * `ledger` (GateScopeError otherwise). Default `run`. The shells resolve it (src/gate/scope.ts resolveGateScope).
   */
  gateScope?: GateScope;
}

export function countFindings(
  findings: readonly RatedFinding[],
  levels: readonly string[],
  blocking: ReadonlySet<string>,
  fixedCount = 0,
): Counts {
  let gated = 0;
  let isNew = 0;
  let reopened = 0;
  let breached = 0;
  let dueSoon = 0;
  // Counts in Maps (insertion order is the order of first sight, as the records' keys were added), made into records
  // once at the end. Findings of one run share their tool object: a run of them looks the tool's name up once.
  const severities = new Map<string, number>();
  const byName = new Map<string, Map<string, number>>();
  let lastTool: ToolRef | undefined;
  let lastCounts = new Map<string, number>();
  for (const f of findings) {
    if (!f.gated) continue;
    gated++;
    if (f.status === 'new' || f.status === 'reopened') isNew++;
    if (f.status === 'reopened') reopened++;
    if (f.sla?.state === 'breached') breached++;
    else if (f.sla?.state === 'due-soon') dueSoon++;
    severities.set(f.severity, (severities.get(f.severity) ?? 0) + 1);
    if (f.tool !== lastTool) {
      lastTool = f.tool;
      let c = byName.get(f.tool.name);
      if (!c) byName.set(f.tool.name, (c = new Map()));
      lastCounts = c;
    }
    lastCounts.set(f.severity, (lastCounts.get(f.severity) ?? 0) + 1);
  }
  const bySeverity: Record<string, number> = Object.fromEntries(levels.map((l) => [l, 0]));
  for (const [severity, n] of severities) addCount(bySeverity, severity, n);
  const byTool: Record<string, Record<string, number>> = {};
  for (const [name, counts] of byName) {
    const t = Object.fromEntries(levels.map((l) => [l, 0])) as Record<string, number>;
    for (const [severity, n] of counts) addCount(t, severity, n);
    // Tool names are scanner text: `__proto__` must not reach Object.prototype (own properties only).
    Object.defineProperty(byTool, name, { value: t, enumerable: true, writable: true, configurable: true });
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

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort order for every report: blocking first, then most severe, then by location (plain code-unit order). */
export function compareFindings(blocking: ReadonlySet<string>) {
  return (a: RatedFinding, b: RatedFinding): number =>
    Number(blocking.has(b.fingerprint)) - Number(blocking.has(a.fingerprint)) ||
    Number(b.gated) - Number(a.gated) ||
    a.rank - b.rank ||
    cmp(a.path ?? a.location ?? '\uffff', b.path ?? b.location ?? '\uffff') ||
    (a.startLine ?? 0) - (b.startLine ?? 0) ||
    cmp(a.ruleId, b.ruleId);
}

/**
 * Sorts in place in `compareFindings` order (ties in input order), computing each finding's sort key once: positions
 * are sorted by the keys, then the findings are written back in their order. With `top` (less than the number of
 * findings), only the first `top` places are sorted: the `top` first findings in that order are selected in one pass
 * (a heap of `top` positions) and put first, sorted; the others follow in input order.
 */
export function sortFindings(findings: RatedFinding[], blocking: ReadonlySet<string>, top?: number): number | undefined {
  // Keys in typed arrays and one array of strings, positions sorted (at a million findings, key records took ~70 MB).
  const n = findings.length;
  const head = new Float64Array(n);
  const line = new Float64Array(n);
  const where: string[] = new Array<string>(n);
  let blocks = 0;
  for (let i = 0; i < n; i++) {
    const f = findings[i] as RatedFinding;
    const b = blocking.has(f.fingerprint);
    if (b) blocks++;
    // blocking first, gated next, then by rank: one number (ranks are small).
    head[i] = ((b ? 0 : 2) + (f.gated ? 0 : 1)) * 1_000_000 + f.rank;
    where[i] = f.path ?? f.location ?? '\uffff';
    line[i] = f.startLine ?? 0;
  }
  // Ties end in the position, so the order is total (the same as a stable sort of the input order).
  const rule = (p: number): string => (findings[p] as RatedFinding).ruleId;
  const before = (a: number, b: number): number =>
    (head[a] as number) - (head[b] as number) ||
    cmp(where[a] as string, where[b] as string) ||
    (line[a] as number) - (line[b] as number) ||
    cmp(rule(a), rule(b)) ||
    a - b;
  const partial = top !== undefined && top >= 0 && top < n;
  const order = partial
    ? firstInOrder(n, Math.floor(top), before)
    : sortedByKeys(head, where, (a, b) => (line[a] as number) - (line[b] as number) || cmp(rule(a), rule(b)) || a - b);
  // findings[j] = (finding at position order[j]), cycle by cycle, without a copy of the array.
  const placed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (placed[i]) continue;
    const first = findings[i] as RatedFinding;
    for (let j = i; ;) {
      placed[j] = 1;
      const k = order[j] as number;
      if (k === i) {
        findings[j] = first;
        break;
      }
      findings[j] = findings[k] as RatedFinding;
      j = k;
    }
  }
  // Sorted whole, the findings that block are the first `blocks`.
  return partial ? undefined : blocks;
}

/** Whether `r.findings[i]` blocks the gate (by position when the findings are in report order: `blockingFirst`). */
export function blocksAt(r: Pick<RunResult, 'findings' | 'blocking' | 'blockingFirst'>, i: number): boolean {
  return r.blockingFirst !== undefined ? i < r.blockingFirst : r.blocking.has((r.findings[i] as RatedFinding).fingerprint);
}

/**
 * Positions in the order of `head` (numbers), then `where` (code-unit order, as `cmp`), then `rest` (a total order of
 * positions with equal head and where). The same order as sorting the positions with `before`, without comparing
 * strings: at a million findings with as many distinct paths, comparisons of paths were 3.6-5.7 s of the sort.
 * Positions are grouped by head (counting), each group ordered by its paths with a multikey quicksort (a three-way
 * partition on three code units at a time, random pivots: scanner text cannot choose a slow order), and each run of
 * equal paths by `rest`.
 */
function sortedByKeys(head: Float64Array, where: readonly string[], rest: (a: number, b: number) => number): Uint32Array {
  const n = head.length;
  const heads = [...new Set(head)].sort((a, b) => a - b);
  const group = new Map<number, number>();
  for (let g = 0; g < heads.length; g++) group.set(heads[g] as number, g);
  const start = new Uint32Array(heads.length + 1);
  for (let i = 0; i < n; i++) (start[(group.get(head[i] as number) as number) + 1] as number)++;
  for (let g = 0; g < heads.length; g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const order = new Uint32Array(n);
  const fill = start.slice(0, heads.length);
  for (let i = 0; i < n; i++) {
    const g = group.get(head[i] as number) as number;
    order[fill[g] as number] = i;
    fill[g] = (fill[g] as number) + 1;
  }
  const keys = new Float64Array(n);
  for (let g = 0; g < heads.length; g++) byPath(order, keys, start[g] as number, start[g + 1] as number, where, rest);
  return order;
}

/** Code units read per pass of `byPath`, and the base of their fields in a key (each code unit + 1, 0 past the end). */
const UNITS = 3;
const FIELD = 0x20000;

/**
 * The code units of `s` at d, d + 1, d + 2 as one number (exact in a double: 3 × 17 bits) that orders as they do, a
 * code unit past the end of `s` lowest (a string sorts before every longer one it starts): (u0 + 1) · 2^34 +
 * (u1 + 1) · 2^17 + (u2 + 1), with 0 for the code units past the end. `s` ends within them when key % FIELD is 0.
 */
function keyAt(s: string, d: number): number {
  const n = s.length;
  if (d >= n) return 0;
  const u0 = s.charCodeAt(d) + 1;
  if (d + 1 >= n) return u0 * FIELD * FIELD;
  const u1 = s.charCodeAt(d + 1) + 1;
  if (d + 2 >= n) return (u0 * FIELD + u1) * FIELD;
  return (u0 * FIELD + u1) * FIELD + s.charCodeAt(d + 2) + 1;
}

/**
 * Sorts order[lo, hi) by `where` (code-unit order), then by `rest` (see sortedByKeys). `keys` (as long as `order`) is
 * scratch: keys[i] holds the key of order[i] at its segment's depth, moved with it, so that the partition passes read
 * a typed array in order instead of a million strings at random places (the strings are read once per depth, not once
 * per pass: at a million findings 1.5-1.6 s became 0.75-0.8 s).
 */
function byPath(
  order: Uint32Array,
  keys: Float64Array,
  lo: number,
  hi: number,
  where: readonly string[],
  rest: (a: number, b: number) => number,
): void {
  // Segments [a, b) whose paths agree on their first d code units, left to order, and whether their keys are those at
  // d: an explicit stack, not recursion (how deep segments nest is up to the paths, which are scanner text).
  const stack: number[] = [lo, hi, 0, 0];
  while (stack.length > 0) {
    let fresh = stack.pop() as number;
    let d = stack.pop() as number;
    let b = stack.pop() as number;
    let a = stack.pop() as number;
    while (b - a > 1) {
      if (b - a <= 12) {
        // Insertion sort (the paths' first d code units are equal), ties by `rest`.
        for (let i = a + 1; i < b; i++) {
          const p = order[i] as number;
          let j = i - 1;
          for (; j >= a; j--) {
            const q = order[j] as number;
            const c = cmp(where[q] as string, where[p] as string) || rest(q, p);
            if (c <= 0) break;
            order[j + 1] = q;
          }
          order[j + 1] = p;
        }
        break;
      }
      if (!fresh) {
        for (let i = a; i < b; i++) keys[i] = keyAt(where[order[i] as number] as string, d);
        fresh = 1;
      }
      // Three-way partition on the key around a random pivot: [a, lt) below, [lt, gt) equal, [gt, b) above.
      const v = keys[a + Math.floor(Math.random() * (b - a))] as number;
      let lt = a;
      let gt = b;
      for (let i = a; i < gt;) {
        const c = keys[i] as number;
        if (c < v) {
          const p = order[i] as number;
          order[i] = order[lt] as number;
          order[lt] = p;
          keys[i] = keys[lt] as number;
          keys[lt++] = c;
          i++;
        } else if (c > v) {
          const p = order[i] as number;
          order[i] = order[--gt] as number;
          order[gt] = p;
          keys[i] = keys[gt] as number;
          keys[gt] = c;
        } else i++;
      }
      stack.push(a, lt, d, 1, gt, b, d, 1);
      if (v % FIELD === 0) {
        // Equal paths (all ended here): ordered by `rest`.
        const run = order.subarray(lt, gt);
        run.sort(rest);
        break;
      }
      a = lt;
      b = gt;
      d += UNITS;
      fresh = 0;
    }
  }
}

/**
 * Positions: the `top` first in `before` order, sorted, then every other position in increasing order. One pass with
 * a max-heap of `top` positions (most positions are turned away by one comparison with the heap's last).
 */
function firstInOrder(n: number, top: number, before: (a: number, b: number) => number): Uint32Array {
  const heap = new Uint32Array(top);
  let size = 0;
  const down = (from: number) => {
    for (let i = from; ;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const big = r < size && before(heap[r] as number, heap[l] as number) > 0 ? r : l;
      if (before(heap[big] as number, heap[i] as number) <= 0) return;
      [heap[i], heap[big]] = [heap[big] as number, heap[i] as number];
      i = big;
    }
  };
  for (let p = 0; p < n; p++) {
    if (size < top) {
      heap[size] = p;
      for (let i = size++; i > 0;) {
        const up = (i - 1) >> 1;
        if (before(heap[i] as number, heap[up] as number) <= 0) break;
        [heap[i], heap[up]] = [heap[up] as number, heap[i] as number];
        i = up;
      }
    } else if (top > 0 && before(p, heap[0] as number) < 0) {
      heap[0] = p;
      down(0);
    }
  }
  const chosen = heap.subarray(0, size).sort(before);
  const taken = new Uint8Array(n);
  for (const p of chosen) taken[p] = 1;
  const order = new Uint32Array(n);
  order.set(chosen);
  let at = size;
  for (let p = 0; p < n; p++) if (!taken[p]) order[at++] = p;
  return order;
}

function toolKinds(findings: readonly RatedFinding[]): Record<string, string[]> {
  // A Map: tool names are scanner text ("constructor", "__proto__" …), not keys to look up on a plain object.
  const out = new Map<string, Set<string>>();
  for (const f of findings) {
    let kinds = out.get(f.tool.name);
    if (!kinds) out.set(f.tool.name, (kinds = new Set()));
    kinds.add(f.kind);
  }
  return Object.fromEntries([...out].map(([k, v]) => [k, [...v].sort()]));
}

/**
 * Without a ledger every finding is `new` (nothing is remembered) and a clock would restart on every run, so only
 * findings the scanner dated (SARIF firstDetectionTimeUtc) get an SLA. The rated findings are this run's own objects,
 * so they are completed in place.
 */
function untracked(
  findings: RatedFinding[],
  sla: SlaSettings,
  now: Date,
): { findings: RatedFinding[]; fixed: FixedFinding[]; next: LedgerBook; open: Record<string, number> } {
  const nowIso = now.toISOString();
  for (const f of findings) {
    f.status = 'new';
    // (Findings of the library API may carry any text here: only a readable time starts a clock.)
    f.firstSeen = earlier(nowIso, f.firstDetected);
    if (f.gated && f.firstDetected && !Number.isNaN(Date.parse(f.firstDetected))) {
      const info = slaFor(f, { firstSeen: f.firstSeen, ...(f.exploit?.kevDueDate ? { kevDueDate: f.exploit.kevDueDate } : {}) }, sla, now);
      if (info) f.sla = info;
    }
  }
  return { findings, fixed: [], next: emptyBook(), open: {} };
}

/**
 * The policy's `incomplete-scans`: a scanner run that says it did not complete is an input error that fails the gate
 * (`fail`, the default), or, for the tools the policy names with `warn`, a scanner warning (its findings are kept).
 */
export function applyIncompleteScans(errors: InputError[], policy: Policy): InputError[] {
  if (!errors.some((e) => e.incompleteScan)) return errors;
  return errors.map((e) =>
    e.incompleteScan && e.severity !== 'scanner' && incompleteScanAction(policy.incompleteScans, e.incompleteScan.tool) === 'warn'
      ? { ...e, severity: 'scanner', message: `${e.message} (accepted as a warning: incomplete-scans)` }
      : e,
  );
}

export function runEngine(input: EngineInput): RunResult {
  const combined = combine(input.files);
  const inputErrors = applyIncompleteScans(combined.errors, input.policy);
  const incomplete = new Set(inputErrors.flatMap((e) => (e.incompleteScan ? [e.incompleteScan.tool] : [])));
  const toRate = input.enrichment ? enrich(combined.findings, input.enrichment) : combined.findings;
  const rated = groupSimilar(input.inPlace ? rateAllInPlace(toRate, input.policy) : rateAll(toRate, input.policy), input.policy);
  const toolsRan = combined.tools.map((t) => t.name).filter((name) => !incomplete.has(name));
  const earlier = fromLedger(input, rated, toolsRan);
  const excepted = applyExceptions(rated, input.policy.exceptions, input.now);
  assignOwners(excepted.findings, input.policy, input.codeowners);
  const tracked = input.ledger
    ? trackRun({
        findings: excepted.findings,
        book: redactLedger(input.ledger),
        // A tool whose run did not complete fixes nothing (even when the policy accepts its partial results).
        toolsRan,
        sla: input.policy.sla,
        now: input.now,
        environment: input.environment,
        ...(input.runDate ? { runDate: input.runDate } : {}),
        // The rated findings are the engine's own (copies, or the caller's handed over with inPlace).
        inPlace: true,
      })
    : untracked(excepted.findings, input.policy.sla, input.now);
  const findings = tracked.findings;
  const kinds = toolKinds(findings);
  const coverageRequired = input.policy.scope.coverage.get(input.environment) ?? [];
  const coverage = coverageRequired.length
    ? evaluateCoverage(
        coverageRequired,
        [...(input.ledger?.runs ?? []).map(runTools), { at: input.now.toISOString(), tools: toolsRan, toolKinds: kinds }],
        input.policy.scope.activities,
        input.now,
      )
    : [];
  const verdict = evaluateGate(findings, inputErrors, input.policy, {
    environment: input.environment,
    onInputError: input.onInputError,
    ...(earlier.findings.length ? { fromLedger: earlier.findings } : {}),
    ...(coverage.length ? { coverage } : {}),
  });
  const blocking = new Set(verdict.blocking);
  const blockingFirst = sortFindings(findings, blocking, input.sortTop);
  earlier.findings.sort(compareFindings(blocking));
  const counts = countFindings(findings, input.policy.levels, blocking, tracked.fixed.length);
  // Counted by trackRun while merging (an entry seen again unchanged is not even parsed: src/ledger/lines.ts).
  const open = tracked.open;
  const snapshot: RunSnapshot = {
    at: input.now.toISOString(),
    environment: input.environment,
    ...(input.run?.event ? { event: input.run.event } : {}),
    ...(input.run?.ref ? { ref: input.run.ref } : {}),
    ...(input.run?.sha ? { sha: input.run.sha } : {}),
    ...(input.run?.runId ? { runId: input.run.runId } : {}),
    tools: combined.tools.map((t) => t.name),
    ...(incomplete.size ? { incomplete: [...incomplete].sort() } : {}),
    toolKinds: kinds,
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
    ...(blockingFirst !== undefined ? { blockingFirst } : {}),
    errors: inputErrors,
    inputs: combined.files,
    tools: combined.tools,
    verdict,
    counts,
    fixed: tracked.fixed,
    exceptions: earlier.findings.length ? mergeExceptionStatuses(excepted.exceptions, earlier.exceptions) : excepted.exceptions,
    sla: input.policy.sla,
    tracked: input.ledger !== undefined,
    ...(input.ledger ? { baseline: input.ledger.runs.length > 0 || Object.keys(input.ledger.entries).length > 0 } : {}),
    nextLedger: withApprovals(withSnapshot(tracked.next, snapshot), input.ledger, input.approvals),
    gateScope: input.gateScope ?? 'run',
    fromLedger: earlier.findings,
  };
  if (input.pullRequest) {
    result.pullRequest = {
      introduced: findings.filter((f) => f.gated && (f.status === 'new' || f.status === 'reopened')).map((f) => f.fingerprint),
      fixed: tracked.fixed.map((f) => f.fingerprint),
    };
  }
  return result;
}

/** One finding as the engine judges it (for `policy test`): rated, exceptions applied, and per gate profile the rules that count it. */
export interface FindingJudgement {
  finding: RatedFinding;
  /** Per environment (every gate profile of the policy): the names of the gate rules that count the finding. */
  gates: Record<string, string[]>;
}

/**
 * Judges a single finding with the engine's steps (rate, apply exceptions at `now`, evaluate every gate profile) and
 * its ledger status as given, without ingest, enrichment or a ledger. Pure.
 */
export function judgeFinding(finding: Finding, policy: Policy, now: Date, status: RatedFinding['status']): FindingJudgement {
  const rated: RatedFinding = { ...rateFinding(finding, policy), status };
  const [f] = applyExceptions([rated], policy.exceptions, now).findings as [RatedFinding];
  const gates = ownRecord<string[]>();
  for (const env of Object.keys(policy.gates)) {
    const v = evaluateGate([f], [], policy, { environment: env, onInputError: 'warn' });
    gates[env] = v.rules.filter((r) => r.findings.includes(f.fingerprint)).map((r) => r.name);
  }
  return { finding: f, gates };
}

/**
 * `gate-scope: ledger`: the ledger's open findings of tools not in this run, as last seen, with the policy's exceptions
 * applied (an approved exception still applies) and their SLA clocks as of `now`.
 */
function fromLedger(
  input: EngineInput,
  rated: readonly RatedFinding[],
  toolsRan: readonly string[],
): { findings: LedgerScopeFinding[]; exceptions: ExceptionStatus[] } {
  if (input.gateScope !== 'ledger') return { findings: [], exceptions: [] };
  if (!input.ledger)
    throw new GateScopeError(
      'gate scope "ledger" needs a ledger: give --ledger file:PATH (Action: the `ledger` input), or use --gate-scope run',
    );
  const book = redactLedger(input.ledger);
  const entries = ledgerScopeEntries(book, new Set(rated.map((f) => f.fingerprint)), toolsRan);
  if (entries.length === 0) return { findings: [], exceptions: [] };
  const excepted = applyExceptions(
    entries.map((e) => findingFromEntry(e, input.policy)) as RatedFinding[],
    input.policy.exceptions,
    input.now,
  );
  const findings = excepted.findings as LedgerScopeFinding[];
  entries.forEach((e, i) => {
    const f = findings[i] as LedgerScopeFinding;
    const sla = f.gated ? slaFor(f, e, input.policy.sla, input.now) : undefined;
    if (sla) f.sla = sla;
  });
  return { findings, exceptions: excepted.exceptions };
}

/**
 * Applies this run's findings to a (possibly newer) ledger book: what a store does when its write lost a race and it
 * must re-read, merge and retry. Same inputs as the first evaluation, so nothing either writer saw is lost.
 */
export function reapply(book: LedgerBook, input: EngineInput): LedgerBook {
  const { inPlace: _inPlace, ...rest } = input;
  return runEngine({ ...rest, ledger: book }).nextLedger;
}

/** The book's verified approvals (the ledger as the record of who approved which exception), with this run's. */
function withApprovals(
  next: LedgerBook,
  before: LedgerBook | undefined,
  approvals: Record<string, VerifiedApproval> | undefined,
): LedgerBook {
  if (!before?.approvals && !approvals) return next;
  const merged = Object.assign(ownRecord<VerifiedApproval>(), before?.approvals ?? {}, approvals ?? {});
  // Settled verdicts only: an approval that was verified (a problem such as a missing permission may change).
  for (const k of Object.keys(merged)) if (merged[k]?.problem) delete merged[k];
  return { ...next, approvals: { ...merged } };
}
