import type { Finding, RatedFinding, SarifLevel } from '../model';
import { cweId } from '../ingest/values';
import { describeSeverityTest, parseNumberComparison, parseSeverityComparison, ranksFor, testNumber, type SeverityTest } from './compare';
import type { CiaRequirementsInput, ExceptionEntryInput, GateRuleInput, MatcherInput, PolicyParsed, RatingRuleInput } from './schema';
import type { Requirements } from '../rate/cvss';
import type { OwaspSeverity } from '../rate/owasp-risk';
import type { FindingKind } from '../model';
import { compileExceptions, type ExceptionSettings } from './exceptions';
import { resolveProfiles } from './profiles';
import { ownRecord } from '../own';
import { globMatcher } from './glob';
import { parseDuration, type ActivityOverrides } from '../gate/activity';

/**
 * A policy ready to apply: level ranks resolved, globs and comparisons compiled once (never per finding).
 */

export type FindingTest = (f: Finding, score: number | undefined) => boolean;

export interface CompiledRule {
  name: string;
  index: number;
  test: FindingTest;
  set?: number;
  raise?: number;
  lower?: number;
  floor?: number;
  cap?: number;
  stop: boolean;
}

export interface CompiledGateRule {
  name: string;
  /** Rank set the rule counts; undefined = every severity. */
  ranks?: Set<number>;
  severityText?: string;
  test: FindingTest;
  max: number;
  action: 'fail' | 'warn';
  /** Conditions in words, for reports. */
  describe: string;
  /**
   * True when the rule asks about exceptions that apply (`exception: active | expiring`): it then also counts the
   * findings those exceptions took out of the gate, which every other rule skips.
   */
  countsExcepted: boolean;
}

export interface SlaSettings {
  /** Days to fix by level name; a level without a number has no SLA. */
  days: Record<string, number>;
  /** `sla.by-criticality`: days by component criticality, then level name (cells not given fall back to `days`). */
  byCriticality?: Partial<Record<Criticality, Record<string, number>>>;
  dueSoon: { days: number } | { percent: number };
  restartOnReopen: boolean;
}

export interface Policy {
  levels: string[];
  rankOf(level: string): number | undefined;
  /** Score bands, most severe first: a score >= min gets `rank`. */
  bands: { level: string; rank: number; min: number }[];
  fromLevel: Partial<Record<SarifLevel, number>>;
  fromScanner: Map<string, number>;
  defaultRank: number;
  rules: CompiledRule[];
  sla: SlaSettings;
  suppressions: 'honor' | 'ignore' | 'require-justification';
  /** `incomplete-scans`: what a scanner run that did not complete does, by lower-cased tool name, and by default. */
  incompleteScans: IncompleteScans;
  gates: Record<string, CompiledGateRule[]>;
  exceptions: ExceptionSettings;
  /** Components in policy order: the first that matches a finding is its component. */
  components: CompiledComponent[];
  criticality?: CompiledCriticality;
  /** `cvss`: how vectors are scored and which score rates (src/rate/cvss.ts). */
  cvss: CvssSettings;
  /** `owasp-risk.levels`: the org rank of each OWASP overall severity. */
  owaspLevels: Record<OwaspSeverity, number>;
  /** `group-similar`: the finding kinds whose similar findings from different tools become one; undefined when off. */
  groupSimilar?: Set<FindingKind>;
  /** The validated policy as written (for reports and `explain`). */
  source: PolicyParsed;
  /** Gate scope, coverage and tool activities (policy `gate-scope`, `coverage`, `activities`). */
  scope: ScopeSettings;
}

/** Policy `gate-scope`, `coverage` and `activities`, compiled (Maps: environment and tool names are user text). */
export interface ScopeSettings {
  /** Default gate scope by environment. */
  gateScope: ReadonlyMap<string, 'run' | 'ledger'>;
  /** By environment: each activity's longest time since it last reported. */
  coverage: ReadonlyMap<string, readonly CoverageRequirement[]>;
  /** Lower-cased tool name → its activities (replacing the built-in mapping). */
  activities: ActivityOverrides;
}

export interface CoverageRequirement {
  activity: string;
  maxAgeMs: number;
  /** As written in the policy, e.g. `30d`. */
  text: string;
}

export function compileScope(p: PolicyParsed): ScopeSettings {
  const gateScope = new Map<string, 'run' | 'ledger'>(Object.entries(p['gate-scope'] ?? {}));
  const coverage = new Map<string, CoverageRequirement[]>();
  for (const [env, reqs] of Object.entries(p.coverage ?? {})) {
    const list: CoverageRequirement[] = [];
    for (const [activity, max] of Object.entries(reqs)) {
      const ms = parseDuration(max);
      // The schema admits only parseable durations; a value that is not one would be a gap, so it is a zero window.
      list.push({ activity, maxAgeMs: ms ?? 0, text: typeof max === 'number' ? `${max}d` : max.trim() });
    }
    coverage.set(env, list);
  }
  const activities = new Map<string, string[]>();
  for (const [tool, a] of Object.entries(p.activities ?? {})) activities.set(tool.toLowerCase(), Array.isArray(a) ? [...a] : [a]);
  return { gateScope, coverage, activities };
}

export interface IncompleteScans {
  default: 'fail' | 'warn';
  /** By tool name, lower-cased (a Map: tool names are scanner text and may be `constructor` or `__proto__`). */
  tools: Map<string, 'fail' | 'warn'>;
}

function compileIncompleteScans(v: Record<string, 'fail' | 'warn'> | undefined): IncompleteScans {
  const tools = new Map<string, 'fail' | 'warn'>();
  let dflt: 'fail' | 'warn' = 'fail';
  for (const [k, action] of Object.entries(v ?? {})) {
    if (k === 'default') dflt = action;
    else tools.set(k.toLowerCase(), action);
  }
  return { default: dflt, tools };
}

/** What the policy says about an incomplete run of `tool`. */
export function incompleteScanAction(s: IncompleteScans, tool: string): 'fail' | 'warn' {
  return s.tools.get(tool.toLowerCase()) ?? s.default;
}

const asList = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function globTest(globs: string[], nocase: boolean): (s: string) => boolean {
  return globMatcher(globs, { nocase });
}

export type Criticality = 'high' | 'medium' | 'low';

export interface CvssSettings {
  rateBy: 'base' | 'environmental';
  /** Security requirements per criticality (defaults filled in). */
  requirements: Record<Criticality, Requirements>;
  onMismatch: 'higher' | 'vector' | 'scanner';
}

const REQ_LETTER = { low: 'L', medium: 'M', high: 'H' } as const;

export function toRequirements(r: CiaRequirementsInput): Requirements {
  return { CR: REQ_LETTER[r.confidentiality], IR: REQ_LETTER[r.integrity], AR: REQ_LETTER[r.availability] };
}

function compileCvss(p: PolicyParsed): CvssSettings {
  const c = p.cvss;
  const all = (x: 'L' | 'M' | 'H'): Requirements => ({ CR: x, IR: x, AR: x });
  return {
    rateBy: c?.['rate-by'] ?? 'base',
    requirements: {
      high: c?.requirements?.high ? toRequirements(c.requirements.high) : all('H'),
      medium: c?.requirements?.medium ? toRequirements(c.requirements.medium) : all('M'),
      low: c?.requirements?.low ? toRequirements(c.requirements.low) : all('L'),
    },
    onMismatch: c?.['on-mismatch'] ?? 'higher',
  };
}

const OWASP_SEVERITIES: OwaspSeverity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NOTE'];

/**
 * OWASP severity → org rank: `owasp-risk.levels` first, then the org level of the same name (case-insensitive; NOTE
 * also `info`), then by position (CRITICAL the most severe level, NOTE the least, the others spread between).
 */
function compileOwaspLevels(p: PolicyParsed, levels: string[], rankOf: (l: string) => number | undefined): Record<OwaspSeverity, number> {
  const byName = new Map(levels.map((l, i) => [l.toLowerCase(), i]));
  const out = {} as Record<OwaspSeverity, number>;
  OWASP_SEVERITIES.forEach((sev, i) => {
    const explicit = p['owasp-risk']?.levels?.[sev];
    const named = byName.get(sev.toLowerCase()) ?? (sev === 'NOTE' ? byName.get('info') : undefined);
    out[sev] = (explicit !== undefined ? rankOf(explicit) : undefined) ?? named ?? Math.round((i * (levels.length - 1)) / 4);
  });
  return out;
}

function compileGroupSimilar(p: PolicyParsed): Set<FindingKind> | undefined {
  const g = p['group-similar'];
  if (g === false) return undefined;
  if (g === undefined || g === true) return new Set<FindingKind>(['sast']);
  return new Set(g.kinds);
}

function compileSlaByCriticality(p: PolicyParsed, index: Map<string, number>): SlaSettings['byCriticality'] {
  const v = p.sla?.['by-criticality'];
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Partial<Record<Criticality, Record<string, number>>> = {};
  for (const c of ['high', 'medium', 'low'] as const) {
    const cells = (v as Partial<Record<Criticality, Record<string, number>>>)[c];
    if (!cells) continue;
    const days = ownRecord<number>();
    for (const [k, d] of Object.entries(cells)) if (index.has(k) && typeof d === 'number') days[k] = d;
    out[c] = days;
  }
  return out;
}

export interface CompiledComponent {
  name: string;
  owner?: string;
  /** `owner` and `owners` together (the finding's owners, before CODEOWNERS). */
  owners?: string[];
  criticality?: 'high' | 'medium' | 'low';
  /** The component's own CVSS security requirements. */
  requirements?: Requirements;
  test: (f: Finding) => boolean;
}

export interface RankAdjust {
  set?: number;
  raise?: number;
  lower?: number;
  floor?: number;
  cap?: number;
}

export type CompiledCriticality =
  | { method: 'adjust'; adjust: Partial<Record<'high' | 'medium' | 'low', RankAdjust>> }
  | {
      method: 'matrix';
      /** Ranks that count as each likelihood, checked high, then medium, then low. */
      likelihood: Record<'high' | 'medium' | 'low', Set<number>>;
      /** impact → likelihood → rank. */
      matrix: Record<'high' | 'medium' | 'low', Record<'high' | 'medium' | 'low', number>>;
    };

function compileComponents(p: PolicyParsed): CompiledComponent[] {
  return (p.components ?? []).map((c) => {
    const paths = c.paths?.length ? globMatcher(c.paths) : undefined;
    const pkgs = c.packages?.length ? globMatcher(c.packages, { nocase: true }) : undefined;
    const out: CompiledComponent = {
      name: c.name,
      // A finding that names the component itself (a manual finding's `component:`) is in it too.
      test: (f) =>
        (paths !== undefined && f.path !== undefined && paths(f.path)) ||
        (pkgs !== undefined && f.package !== undefined && pkgs(f.package.name)) ||
        (f.component !== undefined && f.path === undefined && f.component === c.name),
    };
    if (c.owner) out.owner = c.owner;
    const owners = [...new Set([...(c.owner ? [c.owner] : []), ...(c.owners ?? [])])];
    if (owners.length) out.owners = owners;
    if (c.criticality) out.criticality = c.criticality;
    if (c.requirements) out.requirements = toRequirements(c.requirements);
    return out;
  });
}

function compileCriticality(
  p: PolicyParsed,
  rankOf: (l: string) => number | undefined,
  levelCount: number,
): CompiledCriticality | undefined {
  const c = p.criticality;
  if (!c) return undefined;
  const adj = (a: { set?: string; raise?: number; lower?: number; floor?: string; cap?: string } | undefined): RankAdjust | undefined => {
    if (!a) return undefined;
    const out: RankAdjust = {};
    if (a.set !== undefined) out.set = rankOf(a.set);
    if (a.raise !== undefined) out.raise = a.raise;
    if (a.lower !== undefined) out.lower = a.lower;
    if (a.floor !== undefined) out.floor = rankOf(a.floor);
    if (a.cap !== undefined) out.cap = rankOf(a.cap);
    return out;
  };
  if ('method' in c) {
    const likelihood = {
      high: ranksFor(parseSeverityComparison(c.likelihood.high), rankOf, levelCount),
      medium: ranksFor(parseSeverityComparison(c.likelihood.medium), rankOf, levelCount),
      low: ranksFor(parseSeverityComparison(c.likelihood.low), rankOf, levelCount),
    };
    const row = (r: { high: string; medium: string; low: string }) => ({
      high: rankOf(r.high) ?? 0,
      medium: rankOf(r.medium) ?? 0,
      low: rankOf(r.low) ?? 0,
    });
    return { method: 'matrix', likelihood, matrix: { high: row(c.matrix.high), medium: row(c.matrix.medium), low: row(c.matrix.low) } };
  }
  const adjust: Partial<Record<'high' | 'medium' | 'low', RankAdjust>> = {};
  for (const k of ['high', 'medium', 'low'] as const) {
    const a = adj(c[k]);
    if (a) adjust[k] = a;
  }
  return { method: 'adjust', adjust };
}

/** Compiles the shared matcher fields into one test. Unset fields are not checked. */
export function compileMatcher(w: MatcherInput): { test: FindingTest; describe: string } {
  const tests: FindingTest[] = [];
  const words: string[] = [];
  const tools = asList(w.tool);
  if (tools) {
    const t = globTest(tools, true);
    tests.push((f) => t(f.tool.name) || (f.alsoReportedBy ?? []).some((o) => t(o.name)));
    words.push(`tool ${tools.join('|')}`);
  }
  const rules = asList(w.rule);
  if (rules) {
    const t = globTest(rules, false);
    tests.push((f) => t(f.ruleId));
    words.push(`rule ${rules.join('|')}`);
  }
  const cwes = asList(w.cwe);
  if (cwes) {
    const set = new Set(cwes.map((c) => cweId(typeof c === 'number' ? String(c) : c)).filter((c): c is string => !!c));
    tests.push((f) => f.cwe.some((c) => set.has(c)));
    words.push(`cwe ${[...set].join('|')}`);
  }
  const cves = asList(w.cve);
  if (cves) {
    const t = globTest(cves, true);
    tests.push((f) => f.cve.some((c) => t(c)));
    words.push(`cve ${cves.join('|')}`);
  }
  const paths = asList(w.path);
  if (paths) {
    const t = globTest(paths, false);
    tests.push((f) => f.path !== undefined && t(f.path));
    words.push(`path ${paths.join('|')}`);
  }
  const kinds = asList(w.kind);
  if (kinds) {
    const set = new Set<string>(kinds);
    tests.push((f) => set.has(f.kind));
    words.push(`kind ${kinds.join('|')}`);
  }
  const tags = asList(w.tags);
  if (tags) {
    const t = globTest(tags, true);
    tests.push((f) => f.tags.some((x) => t(x)));
    words.push(`tags ${tags.join('|')}`);
  }
  const sev = asList(w['scanner-severity']);
  if (sev) {
    const set = new Set(sev.map((s) => s.toLowerCase()));
    tests.push((f) => f.scannerSeverity !== undefined && set.has(f.scannerSeverity));
    words.push(`scanner severity ${sev.join('|')}`);
  }
  const levels = asList(w.level);
  if (levels) {
    const set = new Set<string>(levels);
    tests.push((f) => f.level !== undefined && set.has(f.level));
    words.push(`level ${levels.join('|')}`);
  }
  if (w.score !== undefined) {
    const c = parseNumberComparison(w.score);
    tests.push((_f, score) => score !== undefined && testNumber(c, score));
    words.push(`score ${c.text}`);
  }
  if (w.kev !== undefined) {
    const want = w.kev;
    tests.push((f) => (f.exploit?.kev === true) === want);
    words.push(`kev ${want}`);
  }
  if (w.epss !== undefined) {
    const c = parseNumberComparison(w.epss);
    tests.push((f) => f.exploit?.epss !== undefined && testNumber(c, f.exploit.epss));
    words.push(`epss ${c.text}`);
  }
  const comps = asList(w.component);
  if (comps) {
    const set = new Set(comps);
    tests.push((f) => f.component !== undefined && set.has(f.component));
    words.push(`component ${comps.join('|')}`);
  }
  if (w['fix-available'] !== undefined) {
    const want = w['fix-available'];
    tests.push((f) => (f.package?.fixedVersions?.length ?? 0) > 0 === want);
    words.push(`fix available ${want}`);
  }
  const test: FindingTest =
    tests.length === 0 ? () => true : tests.length === 1 ? (tests[0] as FindingTest) : (f, s) => tests.every((t) => t(f, s));
  return { test, describe: words.join(', ') };
}

function compileRule(r: RatingRuleInput, index: number, rankOf: (l: string) => number | undefined): CompiledRule {
  const { test } = compileMatcher(r.when);
  const out: CompiledRule = { name: r.name, index, test, stop: r.stop === true };
  if (r.set !== undefined) out.set = rankOf(r.set);
  if (r.raise !== undefined) out.raise = r.raise;
  if (r.lower !== undefined) out.lower = r.lower;
  if (r.floor !== undefined) out.floor = rankOf(r.floor);
  if (r.cap !== undefined) out.cap = rankOf(r.cap);
  return out;
}

/** Gate-only conditions on tracking: `new`, `status`, `sla` (known after the ledger step, so not in rating rules). */
function compileTracking(g: GateRuleInput): { test?: (f: RatedFinding) => boolean; words: string[] } {
  const tests: ((f: RatedFinding) => boolean)[] = [];
  const words: string[] = [];
  if (g.new !== undefined) {
    const want = g.new;
    tests.push((f) => (f.status === 'new' || f.status === 'reopened') === want);
    words.push(want ? 'new' : 'not new');
  }
  const statuses = asList(g.status);
  if (statuses) {
    const set = new Set<string>(statuses);
    tests.push((f) => f.status !== undefined && set.has(f.status));
    words.push(`status ${statuses.join('|')}`);
  }
  const exc = asList(g.exception);
  if (exc) {
    const set = new Set<string>(exc);
    tests.push((f) => set.has(f.exception?.state ?? 'none'));
    words.push(`exception ${exc.join('|')}`);
  }
  const owners = asList(g.owner);
  if (owners) {
    const t = globTest(owners, true);
    tests.push((f) => f.owners !== undefined && f.owners.some((o) => t(o)));
    words.push(`owner ${owners.join('|')}`);
  }
  const slas = asList(g.sla);
  if (slas) {
    const set = new Set<string>(slas);
    tests.push((f) => f.sla !== undefined && set.has(f.sla.state));
    words.push(`SLA ${slas.join('|')}`);
  }
  return { ...(tests.length ? { test: (f: RatedFinding) => tests.every((t) => t(f)) } : {}), words };
}

function compileGateRule(g: GateRuleInput, rankOf: (l: string) => number | undefined, levelCount: number): CompiledGateRule {
  const { name, severity, max, action, new: _new, status: _status, sla: _sla, exception: _exception, owner: _owner, ...matcher } = g;
  const m = compileMatcher(matcher);
  const tracking = compileTracking(g);
  const base = m.test;
  const tt = tracking.test;
  const test: FindingTest = tt ? (f, s) => tt(f as RatedFinding) && base(f, s) : base;
  const describe = [...tracking.words, m.describe].filter(Boolean).join(', ');
  const exc = asList(g.exception);
  const countsExcepted = exc !== undefined && exc.some((e) => e === 'active' || e === 'expiring');
  const out: CompiledGateRule = { name, test, max: max ?? 0, action: action ?? 'fail', describe, countsExcepted };
  if (severity !== undefined) {
    const t: SeverityTest = parseSeverityComparison(severity);
    out.ranks = ranksFor(t, rankOf, levelCount);
    out.severityText = describeSeverityTest(t);
    out.describe = [`severity ${out.severityText}`, describe].filter(Boolean).join(', ');
  }
  return out;
}

function parseDueSoon(v: unknown): SlaSettings['dueSoon'] {
  if (typeof v === 'number') return { days: v };
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
    if (m) return { percent: Number(m[1]) };
  }
  return { percent: 25 };
}

/** Compiles a validated policy. Level names were checked by parsePolicy. */
export function compilePolicy(
  p: PolicyParsed,
  opts: { file?: string; includedExceptions?: { entry: ExceptionEntryInput; file: string }[] } = {},
): Policy {
  const levels = [...p.severity.levels];
  const index = new Map(levels.map((l, i) => [l, i]));
  const rankOf = (l: string) => index.get(l);
  const bands = Object.entries(p.severity['from-score'] ?? {})
    .map(([level, min]) => ({ level, min, rank: index.get(level) ?? levels.length - 1 }))
    .sort((a, b) => b.min - a.min);
  const fromLevel: Partial<Record<SarifLevel, number>> = {};
  for (const [k, v] of Object.entries(p.severity['from-level'] ?? {})) {
    const r = rankOf(v);
    if (r !== undefined) fromLevel[k as SarifLevel] = r;
  }
  const fromScanner = new Map<string, number>();
  for (const [k, v] of Object.entries(p.severity['from-scanner'] ?? {})) {
    const r = rankOf(v);
    if (r !== undefined) fromScanner.set(k.toLowerCase(), r);
  }
  // Without a prototype: `days[level]` of a level without an SLA is undefined, whatever its name.
  const days = ownRecord<number>();
  for (const [k, v] of Object.entries(p.sla ?? {})) if (index.has(k) && typeof v === 'number') days[k] = v;
  // Without a prototype: environment names come from the command line (`--environment constructor`).
  const gates = ownRecord<CompiledGateRule[]>();
  const profiles = resolveProfiles(p.gates).rules;
  for (const [name, rules] of Object.entries(profiles)) gates[name] = rules.map((r) => compileGateRule(r.rule, rankOf, levels.length));
  return {
    levels,
    rankOf,
    bands,
    fromLevel,
    fromScanner,
    defaultRank: (p.severity.default !== undefined ? rankOf(p.severity.default) : undefined) ?? Math.floor((levels.length - 1) / 2),
    rules: p.severity.rules.map((r, i) => compileRule(r, i, rankOf)),
    sla: {
      days,
      dueSoon: parseDueSoon(p.sla?.['due-soon']),
      restartOnReopen: p.sla?.['restart-on-reopen'] === true,
      ...(p.sla?.['by-criticality'] !== undefined ? { byCriticality: compileSlaByCriticality(p, index) } : {}),
    },
    suppressions: p.suppressions,
    incompleteScans: compileIncompleteScans(p['incomplete-scans']),
    gates,
    exceptions: compileExceptions(
      p,
      [...(p.exceptions?.entries ?? []).map((entry) => ({ entry, file: opts.file ?? 'policy' })), ...(opts.includedExceptions ?? [])],
      rankOf,
      levels.length,
    ),
    components: compileComponents(p),
    ...(p.criticality ? { criticality: compileCriticality(p, rankOf, levels.length) } : {}),
    cvss: compileCvss(p),
    owaspLevels: compileOwaspLevels(p, levels, rankOf),
    ...(() => {
      const g = compileGroupSimilar(p);
      return g ? { groupSimilar: g } : {};
    })(),
    source: p,
    scope: compileScope(p),
  };
}

/**
 * A finding filter from gate matchers (policy `tracker.github-issues.when`), or, without one, "counted by a `fail`
 * rule of the production profile" (the findings that block production; `default` when there is no production profile).
 */
export function compileFindingFilter(policy: Policy, when: Omit<GateRuleInput, 'name'> | undefined): (f: RatedFinding) => boolean {
  // Gated, or out of the gate only because an exception applies (its issue is then closed as not planned).
  const counted = (f: RatedFinding) => f.gated || f.exception?.state === 'active' || f.exception?.state === 'expiring';
  const matches = (r: CompiledGateRule, f: RatedFinding) =>
    (!r.ranks || r.ranks.has(f.rank)) && r.test(f, f.score ?? f.securitySeverity ?? f.cvss?.score);
  if (when) {
    const rule = compileGateRule({ ...when, name: 'tracker' }, (l) => policy.rankOf(l), policy.levels.length);
    return (f) => counted(f) && matches(rule, f);
  }
  const profile = policy.gates.production ?? policy.gates.default ?? [];
  const rules = profile.filter((r) => r.action === 'fail');
  return (f) => counted(f) && rules.some((r) => matches(r, f));
}
