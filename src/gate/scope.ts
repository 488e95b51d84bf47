import { UserError } from '../errors';
import { FINDING_KINDS, type FindingKind, type RatedFinding } from '../model';
import type { Policy } from '../policy/compile';
import type { LedgerBook, LedgerEntry } from '../ledger/schema';
import type { ExceptionStatus } from '../exceptions/apply';
import { wholeDays } from '../ledger/time';
import { entryKeys, hotEntry } from '../ledger/lines';

/**
 * Gate scope (issue #19 part C). `run`: the gate judges what this run's files say. `ledger`: it also counts every
 * open finding of the ledger whose tool is not in this run (a nightly DAST, a pentest), as the ledger last saw it.
 * Findings of tools that are in the run are judged on this run: reported ones as reported, the others are fixed.
 * Pure: a function of the ledger book, this run's fingerprints and tools, and the policy.
 */

export type GateScope = 'run' | 'ledger';

/** A finding the gate counts from the ledger: rated as last seen, with when and by which tool. */
export interface LedgerScopeFinding extends RatedFinding {
  /** When a run last reported it (ISO 8601). */
  lastSeen: string;
}

/** `ledger` scope without a ledger: the run cannot do what it was asked (a usage error in the shells). */
export class GateScopeError extends UserError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'GateScopeError';
  }
}

/**
 * The gate scope of a run: the explicit choice (Action input `gate-scope`, `--gate-scope`), else the policy's
 * `gate-scope` for the environment, else `run`. `ledger` without a ledger throws GateScopeError: gating on this run
 * alone would drop the findings the policy asks to count.
 */
export function resolveGateScope(explicit: GateScope | undefined, policy: Policy, environment: string, hasLedger: boolean): GateScope {
  const fromPolicy = policy.scope.gateScope.get(environment);
  const scope = explicit ?? fromPolicy ?? 'run';
  if (scope === 'ledger' && !hasLedger) {
    throw new GateScopeError(
      explicit
        ? 'gate scope "ledger" needs a ledger: give --ledger file:PATH (Action: the `ledger` input), or use --gate-scope run'
        : `the policy's gate-scope for "${environment}" is "ledger", which needs a ledger: give --ledger file:PATH (Action: the \`ledger\` input), or pass --gate-scope run (Action input gate-scope: run)`,
    );
  }
  return scope;
}

const KINDS = new Set<string>(FINDING_KINDS);

/** Out of the gate, when last seen, because of an exception (the ledger's exception history has one still open). */
function openException(e: LedgerEntry): boolean {
  return (e.exceptions ?? []).some((h) => h.to === undefined && h.type !== 'sla-extension');
}

/**
 * The finding as the ledger last saw it. Its severity is the one it was rated then; a level this policy no longer has
 * counts as the most severe (it cannot be compared, and must not drop out of `severity: ">= high"` rules). Entries
 * written before the ledger kept `seen` count as gated unless they were recorded as not gated for another reason than
 * an exception (exceptions are applied again).
 */
export function findingFromEntry(e: LedgerEntry, policy: Policy): LedgerScopeFinding {
  const rank = policy.rankOf(e.severity);
  const s = e.seen;
  const gated = s ? s.gated : e.gated || openException(e);
  const day = e.lastSeen.slice(0, 10);
  const f: LedgerScopeFinding = {
    fingerprint: e.fingerprint,
    fingerprintSource: 'ledger',
    tool: { name: e.tool },
    source: { file: 'ledger', format: 'ledger', pointer: `$.entries[${JSON.stringify(e.fingerprint)}]` },
    ruleId: e.ruleId,
    title: e.title,
    message: e.title,
    kind: KINDS.has(e.kind) ? (e.kind as FindingKind) : 'other',
    cwe: e.cwe ?? [],
    cve: s?.cve ?? [],
    tags: s?.tags ?? [],
    resultKind: 'fail',
    suppressions: [],
    severity: e.severity,
    rank: rank ?? 0,
    gated,
    explanation: [
      {
        step: 'base',
        detail:
          rank === undefined
            ? `rated ${e.severity} when last seen ${day} (ledger); not a level of this policy, so counted as the most severe`
            : `rated ${e.severity} when last seen ${day} by ${e.tool} (ledger)`,
        to: e.severity,
      },
    ],
    status: 'existing',
    firstSeen: e.firstSeen,
    lastSeen: e.lastSeen,
  };
  if (!gated) f.notGatedReason = s?.notGatedReason ?? 'not gated when last seen';
  if (s?.level) f.level = s.level;
  if (s?.scannerSeverity) f.scannerSeverity = s.scannerSeverity;
  if (s?.score !== undefined) f.securitySeverity = s.score;
  if (s?.package) {
    f.package = {
      name: s.package.name,
      ...(s.package.ecosystem ? { ecosystem: s.package.ecosystem } : {}),
      ...(s.package.version ? { version: s.package.version } : {}),
      ...(s.package.fixedVersions?.length ? { fixedVersions: [...s.package.fixedVersions] } : {}),
    };
  }
  if (s?.kev !== undefined || s?.epss !== undefined || e.kevDueDate) {
    f.exploit = {
      ...(s?.kev !== undefined ? { kev: s.kev } : {}),
      ...(s?.epss !== undefined ? { epss: s.epss } : {}),
      ...(e.kevDueDate ? { kevDueDate: e.kevDueDate } : {}),
    };
  }
  if (e.path !== undefined) f.path = e.path;
  if (e.startLine !== undefined) f.startLine = e.startLine;
  if (e.location !== undefined) f.location = e.location;
  if (e.component !== undefined) f.component = e.component;
  if (e.owners?.length) f.owners = e.owners;
  if (e.published) f.published = e.published;
  return f;
}

/**
 * The ledger's open findings that this run does not judge: open in the book, not reported by this run (by
 * fingerprint), and of a tool that did not run to completion here (a tool that ran fixes what it no longer reports).
 * In fingerprint order, so reports are stable.
 */
export function ledgerScopeEntries(book: LedgerBook, reported: ReadonlySet<string>, toolsRan: readonly string[]): LedgerEntry[] {
  const ran = new Set(toolsRan.map((t) => t.toLowerCase()));
  const out: LedgerEntry[] = [];
  for (const fp of entryKeys(book.entries)) {
    const h = hotEntry(book.entries, fp); // only the entries listed are parsed (src/ledger/lines.ts)
    if (h.state === 'open' && !reported.has(h.fingerprint) && !ran.has(h.tool.toLowerCase())) out.push(book.entries[fp] as LedgerEntry);
  }
  return out.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

/** By tool: how many findings from earlier runs, and when that tool last reported one. */
export interface EarlierByTool {
  tool: string;
  count: number;
  /** Most recent `lastSeen` among them. */
  lastSeen: string;
}

export function earlierByTool(findings: readonly LedgerScopeFinding[]): EarlierByTool[] {
  const m = new Map<string, EarlierByTool>();
  for (const f of findings) {
    const cur = m.get(f.tool.name);
    if (!cur) m.set(f.tool.name, { tool: f.tool.name, count: 1, lastSeen: f.lastSeen });
    else {
      cur.count++;
      if (Date.parse(f.lastSeen) > Date.parse(cur.lastSeen)) cur.lastSeen = f.lastSeen;
    }
  }
  return [...m.values()].sort((a, b) => b.count - a.count || a.tool.localeCompare(b.tool));
}

/** Whole days between `then` and `now`, in words: `today`, `1 day ago`, `12 days ago`. */
export function daysAgo(then: string, now: Date): string {
  const d = wholeDays(now.getTime() - Date.parse(then));
  return d <= 0 ? 'today' : `${d} day${d === 1 ? '' : 's'} ago`;
}

/**
 * One line for every report: `From earlier runs: 3 findings (1 blocking), last seen 2 days ago by ZAP`; per tool when
 * several tools contributed. Undefined when there are none.
 */
export function earlierLine(
  findings: readonly LedgerScopeFinding[] | undefined,
  blocking: ReadonlySet<string>,
  now: Date,
): string | undefined {
  // (Run results built by hand, such as the library API's callers', may have no `fromLedger`.)
  if (!findings?.length) return undefined;
  const n = findings.length;
  const b = findings.filter((f) => blocking.has(f.fingerprint)).length;
  const tools = earlierByTool(findings).map(
    (t) => `${n !== t.count ? `${t.count} ` : ''}last seen ${daysAgo(t.lastSeen, now)} by ${t.tool}`,
  );
  return `From earlier runs (gate scope: ledger): ${n} finding${n === 1 ? '' : 's'}${b ? ` (${b} blocking)` : ''}, ${tools.slice(0, 5).join('; ')}${tools.length > 5 ? `; ${tools.length - 5} more tools` : ''}`;
}

/**
 * Exception statuses of this run's findings and of the ledger-scope findings, as one list (same exceptions, same order):
 * an exception that matches only a finding from an earlier run is not stale.
 */
export function mergeExceptionStatuses(run: readonly ExceptionStatus[], earlier: readonly ExceptionStatus[]): ExceptionStatus[] {
  return run.map((a, i) => {
    const b = earlier[i];
    if (!b || b.id !== a.id || b.matched === 0) return a;
    const merged: ExceptionStatus = {
      ...a,
      matched: a.matched + b.matched,
      applied: a.applied + b.applied,
      notAllowed: a.notAllowed + b.notAllowed,
    };
    if (a.state === 'stale' || (a.state === 'unverified' && b.applied > 0)) merged.state = b.state;
    return merged;
  });
}
