import type * as sarif from 'sarif';
import type { RatedFinding, SarifLevel } from '../model';
import type { RunResult } from '../engine';
import type { Policy } from '../policy/compile';
import { VERSION } from '../version';

/**
 * Rated SARIF: the input results with the organization's severity, so code scanning shows the org's rating.
 *
 * - SARIF inputs are written back run by run, every result kept, each rated one with `properties`:
 *   `defect-gate/severity`, `defect-gate/fingerprint`, `defect-gate/blocking`, `security-severity` (a score inside the
 *   GitHub band of the org level) and a matching `level`.
 * - Code scanning reads `security-severity` from the rule, so each rule gets the highest score of its results.
 * - Native (non-SARIF) inputs become one run per tool.
 */

/** GitHub's code scanning classes: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. */
const BY_RANK = [9.5, 8.0, 5.5, 2.0, 0.0];

/** A score for each org level that lands in the matching GitHub class. */
export function representativeScores(policy: Policy): number[] {
  return policy.levels.map((level, rank) => {
    const band = policy.bands.find((b) => b.level === level);
    if (band) {
      const above = policy.bands.filter((b) => b.min > band.min).map((b) => b.min);
      const upper = above.length ? Math.min(...above) : 10;
      return Math.round(((band.min + upper) / 2) * 10) / 10;
    }
    return BY_RANK[Math.min(rank, BY_RANK.length - 1)] as number;
  });
}

/** SARIF level for an org rank, from the policy's `from-level` map read backwards. */
export function sarifLevelFor(policy: Policy, rank: number): SarifLevel {
  const err = policy.fromLevel.error ?? 1;
  const warn = policy.fromLevel.warning ?? 2;
  if (rank <= err) return 'error';
  if (rank <= warn) return 'warning';
  return 'note';
}

type Props = Record<string, unknown>;

/** `security-severity` of each rank as written (toFixed once per rank, not once per result). */
const scoreTexts = new WeakMap<number[], string[]>();
export function scoreText(scores: number[], rank: number): string {
  let texts = scoreTexts.get(scores);
  if (!texts) scoreTexts.set(scores, (texts = scores.map((x) => x.toFixed(1))));
  return texts[rank] ?? (scores[rank] as number).toFixed(1);
}

/** The members a rating adds to a result's `properties`, as data (what the rated SARIF writer needs of a finding). */
export interface ResultRating {
  severity: string;
  fingerprint: string;
  blocking: boolean;
  /** Why the finding is not gated (only for findings out of the gate). */
  notGated?: string | undefined;
  /** `security-severity` as written. */
  score: string;
}

/** The rating of a rated finding. */
export function ratingOf(f: RatedFinding, scores: number[], blocking: boolean): ResultRating {
  return {
    severity: f.severity,
    fingerprint: f.fingerprint,
    blocking,
    notGated: !f.gated && f.notGatedReason ? f.notGatedReason : undefined,
    score: scoreText(scores, f.rank),
  };
}

/** The `properties` of a rated result: the scanner's own (when an object), then the rating's members. */
export function withRating(own: unknown, m: ResultRating): Props {
  const props: Props = typeof own === 'object' && own !== null ? { ...(own as Props) } : {};
  props['defect-gate/severity'] = m.severity;
  props['defect-gate/fingerprint'] = m.fingerprint;
  props['defect-gate/blocking'] = m.blocking;
  if (m.notGated) props['defect-gate/not-gated'] = m.notGated;
  props['security-severity'] = m.score;
  return props;
}

/**
 * The members `withRating` adds, as JSON text (without braces): what the rated SARIF writer appends to a result's
 * `properties` as the scanner wrote them. `JSON.stringify(withRating(undefined, m))` is `{` + this + `}`.
 */
export function ratingMembersJson(m: ResultRating): string {
  const notGated = m.notGated ? `,"defect-gate/not-gated":${JSON.stringify(m.notGated)}` : '';
  return `"defect-gate/severity":${JSON.stringify(m.severity)},"defect-gate/fingerprint":${JSON.stringify(m.fingerprint)},"defect-gate/blocking":${m.blocking}${notGated},"security-severity":${JSON.stringify(m.score)}`;
}

/** The `level` a rated result gets (results that are not failures keep theirs). */
export function ratedLevel(f: RatedFinding, policy: Policy): SarifLevel | undefined {
  return f.resultKind === 'fail' ? sarifLevelFor(policy, f.rank) : undefined;
}

/** A copy of a parsed result with its ratings (`properties`, and `level` for failures). */
export function ratedResult(res: sarif.Result, f: RatedFinding, policy: Policy, scores: number[], blocking: boolean): sarif.Result {
  return withRatingResult(res, ratingOf(f, scores, blocking), ratedLevel(f, policy));
}

/** A copy of a parsed result with a rating and, when given, a new `level`. */
export function withRatingResult(res: sarif.Result, m: ResultRating, level: SarifLevel | undefined): sarif.Result {
  const copy: sarif.Result = { ...res, properties: withRating(res.properties, m) };
  if (level) copy.level = level;
  return copy;
}

/** The highest representative score of each rule's rated results (code scanning reads it from the rule). */
export function ruleScores(rated: readonly (RatedFinding | undefined)[], scores: number[]): Map<string, number> {
  const ruleMax = new Map<string, number>();
  for (const f of rated) if (f) ruleMax.set(f.ruleId, Math.max(ruleMax.get(f.ruleId) ?? 0, scores[f.rank] as number));
  return ruleMax;
}

/** A run's `tool` with `security-severity` set on the rules that have rated results (others as they are). */
export function toolWithScores(tool: unknown, ruleMax: ReadonlyMap<string, number>): unknown {
  if (typeof tool !== 'object' || tool === null) return tool;
  const withScores = (c: sarif.ToolComponent | undefined): sarif.ToolComponent | undefined => {
    if (!c || typeof c !== 'object' || !Array.isArray(c.rules)) return c;
    return {
      ...c,
      rules: c.rules.map((rule) => {
        const sc = typeof rule?.id === 'string' ? ruleMax.get(rule.id) : undefined;
        return sc === undefined ? rule : { ...rule, properties: { ...(rule.properties ?? {}), 'security-severity': sc.toFixed(1) } };
      }),
    };
  };
  const t0 = tool as sarif.Tool;
  const t: sarif.Tool = { ...t0, driver: withScores(t0.driver) as sarif.ToolComponent };
  if (Array.isArray(t0.extensions)) t.extensions = t0.extensions.map((e) => withScores(e) as sarif.ToolComponent);
  return t;
}

/** A run's `properties` with the defect-gate version and the input file it came from. */
export function runProperties(own: unknown, file: string): Props {
  return { ...(typeof own === 'object' && own !== null ? (own as Props) : {}), 'defect-gate/version': VERSION, 'defect-gate/input': file };
}

/** The run of a native (non-SARIF) tool's findings. */
export function nativeRun(
  tool: string,
  findings: RatedFinding[],
  policy: Policy,
  scores: number[],
  blocking: ReadonlySet<string>,
): sarif.Run {
  const rules = new Map<string, sarif.ReportingDescriptor>();
  const ruleScore = new Map<string, number>();
  const results: sarif.Result[] = [];
  for (const f of findings) {
    if (!rules.has(f.ruleId)) {
      const tags = [...f.tags, ...f.cwe.map((c) => `external/cwe/${c.toLowerCase()}`)];
      rules.set(f.ruleId, {
        id: f.ruleId,
        shortDescription: { text: f.title || f.ruleId },
        ...(f.helpUri ? { helpUri: f.helpUri } : {}),
        properties: { tags },
      });
    }
    ruleScore.set(f.ruleId, Math.max(ruleScore.get(f.ruleId) ?? 0, scores[f.rank] as number));
    const res: sarif.Result = {
      ruleId: f.ruleId,
      message: { text: f.message || f.title || f.ruleId },
      fingerprints: { 'defect-gate/v1': f.fingerprint },
    };
    if (f.path) {
      const region: sarif.Region | undefined = f.startLine
        ? { startLine: f.startLine, ...(f.endLine ? { endLine: f.endLine } : {}), ...(f.startColumn ? { startColumn: f.startColumn } : {}) }
        : undefined;
      res.locations = [{ physicalLocation: { artifactLocation: { uri: f.path, uriBaseId: '%SRCROOT%' }, ...(region ? { region } : {}) } }];
    } else if (f.location) {
      res.locations = [{ logicalLocations: [{ fullyQualifiedName: f.location }] }];
    }
    results.push(ratedResult(res, f, policy, scores, blocking.has(f.fingerprint)));
  }
  for (const [id, r] of rules) r.properties = { ...r.properties, 'security-severity': (ruleScore.get(id) ?? 0).toFixed(1) };
  return {
    tool: { driver: { name: tool, informationUri: 'https://github.com/', rules: [...rules.values()] } },
    results,
    properties: { 'defect-gate/version': VERSION },
  };
}

/** Where a SARIF result is: its input file, run index and result index. */
export interface SarifSlot {
  file: string;
  runIndex: number;
  resultIndex: number;
}

const slotOf = (s: RatedFinding['source']): SarifSlot | undefined =>
  s.format === 'sarif' && s.runIndex !== undefined && s.resultIndex !== undefined ? (s as SarifSlot) : undefined;

/**
 * The SARIF results that have rated findings: how many results each run of each input has at most (file → results
 * per run), and a walk over every (result, finding) pair: the findings' own results, then those of the duplicates
 * merged into them (their finding is the one they were merged into).
 */
export function sarifSlots(r: RunResult): { sizes: Map<string, number[]>; each(visit: (slot: SarifSlot, f: RatedFinding) => void): void } {
  const sizes = new Map<string, number[]>();
  const grow = (s: RatedFinding['source']) => {
    const slot = slotOf(s);
    if (!slot) return;
    let runs = sizes.get(slot.file);
    if (!runs) sizes.set(slot.file, (runs = []));
    runs[slot.runIndex] = Math.max(runs[slot.runIndex] ?? 0, slot.resultIndex + 1);
  };
  for (const f of r.findings) grow(f.source);
  for (const d of r.duplicates) grow(d.source);
  return {
    sizes,
    each(visit) {
      for (const f of r.findings) {
        const slot = slotOf(f.source);
        if (slot) visit(slot, f);
      }
      if (r.duplicates.length === 0) return;
      const wanted = new Set(r.duplicates.map((d) => d.fingerprint));
      const fpIndex = new Map<string, RatedFinding>();
      for (const f of r.findings) if (wanted.has(f.fingerprint)) fpIndex.set(f.fingerprint, f);
      for (const d of r.duplicates) {
        const f = fpIndex.get(d.fingerprint);
        const slot = slotOf(d.source);
        if (f && slot) visit(slot, f);
      }
    },
  };
}

/** Rated findings by SARIF source: file → run index → result index (arrays, not a map of a million string keys). */
export function findingsBySource(r: RunResult): Map<string, (RatedFinding | undefined)[][]> {
  const { sizes, each } = sarifSlots(r);
  const out = new Map<string, (RatedFinding | undefined)[][]>();
  for (const [file, runs] of sizes)
    out.set(
      file,
      Array.from(runs, (n) => new Array<RatedFinding | undefined>(n ?? 0).fill(undefined)),
    );
  each((s, f) => {
    const slots = out.get(s.file)?.[s.runIndex];
    if (slots) slots[s.resultIndex] = f;
  });
  return out;
}

/** The rated SARIF runs of native (non-SARIF) findings, one per tool. */
export function nativeRuns(r: RunResult, policy: Policy, scores: number[]): sarif.Run[] {
  const native = new Map<string, RatedFinding[]>();
  for (const f of r.findings) {
    if (f.source.format === 'sarif') continue;
    const list = native.get(f.tool.name) ?? [];
    list.push(f);
    native.set(f.tool.name, list);
  }
  return nativeRunsOf(native, policy, scores, r.blocking);
}

/** The rated runs of native findings grouped by tool name (see nativeRuns). */
export function nativeRunsOf(
  native: ReadonlyMap<string, RatedFinding[]>,
  policy: Policy,
  scores: number[],
  blocking: ReadonlySet<string>,
): sarif.Run[] {
  return [...native].map(([tool, list]) => nativeRun(tool, list, policy, scores, blocking));
}

export const RATED_SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * Builds the rated SARIF log from parsed SARIF documents. check.ts writes the same log from the input files
 * themselves (src/io/rated-sarif.ts), without holding the documents; this is the reference it is tested against.
 *
 * @param documents the parsed SARIF inputs by file name (from ingest), written back with ratings added
 */
export function buildRatedSarif(r: RunResult, policy: Policy, documents: ReadonlyMap<string, unknown>): sarif.Log {
  const scores = representativeScores(policy);
  const bySource = findingsBySource(r);
  const runs: sarif.Run[] = [];
  for (const [file, doc] of documents) {
    const log = doc as Partial<sarif.Log> | undefined;
    if (typeof log !== 'object' || log === null || !Array.isArray(log.runs)) continue;
    const fileRuns = bySource.get(file);
    log.runs.forEach((run0, runIndex) => {
      if (typeof run0 !== 'object' || run0 === null || Array.isArray(run0)) return;
      // Shallow copies of what changes: the input document stays as it was.
      const run: sarif.Run = { ...run0 };
      const rated = fileRuns?.[runIndex] ?? [];
      if (Array.isArray(run0.results)) {
        run.results = run0.results.map((res, i) => {
          const f = rated[i];
          if (!f || typeof res !== 'object' || res === null) return res;
          return ratedResult(res, f, policy, scores, r.blocking.has(f.fingerprint));
        });
      }
      if (run0.tool && typeof run0.tool === 'object') run.tool = toolWithScores(run0.tool, ruleScores(rated, scores)) as sarif.Tool;
      run.properties = runProperties(run.properties, file);
      runs.push(run);
    });
  }
  runs.push(...nativeRuns(r, policy, scores));
  return { $schema: RATED_SARIF_SCHEMA, version: '2.1.0', runs };
}
