import type { Finding, RatedFinding, RatingStep } from '../model';
import type { Policy, RankAdjust } from '../policy/compile';
import { environmentalScore, parseCvssVector, scoreVector, type Requirements } from './cvss';
import { owaspRisk, owaspRiskProblems } from './owasp-risk';

/** The scanner's score: SARIF `security-severity`, else the CVSS base score as given. */
export function ratingScore(f: Finding): number | undefined {
  return f.securitySeverity ?? f.cvss?.score;
}

/** The score the rating uses and how it was reached (for the base step of the explanation). */
interface Scored {
  score?: number;
  /** What the score is, e.g. `CVSS 3.1 base score 7.5 computed from CVSS:3.1/…`. */
  what?: string;
  /** A CVSS vector that could not be used, and why (said in the base step). */
  vectorProblem?: string;
}

const SAME_SCORE = 0.05;

/**
 * The score to rate by. SARIF `security-severity` as given; else, with a CVSS vector (`cvss.vector`, else
 * `cvssVector`): the vector's score computed by src/rate/cvss.ts, reconciled with a scanner score by `cvss.on-mismatch`,
 * and with `cvss.rate-by: environmental` the environmental score under the security requirements of the finding's
 * component or criticality; else the scanner's CVSS score.
 */
export function scoreFinding(
  f: Finding,
  p: Policy,
  comp: { criticality?: 'high' | 'medium' | 'low'; requirements?: Requirements; name?: string } = {},
): Scored {
  if (f.securitySeverity !== undefined) return { score: f.securitySeverity, what: 'security-severity' };
  const given = f.cvss?.score;
  const text = f.cvss?.vector ?? f.cvssVector;
  const version = f.cvss?.version;
  const asGiven = (): Scored => (given !== undefined ? { score: given, what: `CVSS${version ? ` ${version}` : ''} score` } : {});
  if (text === undefined) return asGiven();
  const parsed = parseCvssVector(text);
  if (!parsed.ok)
    return {
      ...asGiven(),
      vectorProblem: `CVSS vector "${text.length > 120 ? `${text.slice(0, 120)}…` : text}" not used: ${parsed.problem}`,
    };
  const v = scoreVector(parsed.vector);
  let score: number;
  let what: string;
  if (given === undefined) {
    score = v.score;
    what = `CVSS ${v.version} ${v.label} ${fmt(v.score)} computed from ${v.vector}`;
  } else if (Math.abs(given - v.score) < SAME_SCORE) {
    score = given;
    what = `CVSS ${v.version} score ${fmt(given)} (${v.vector})`;
  } else {
    const m = p.cvss.onMismatch;
    score = m === 'vector' ? v.score : m === 'scanner' ? given : Math.max(given, v.score);
    const taken =
      m === 'higher'
        ? 'the higher taken'
        : m === 'vector'
          ? "the vector's taken (cvss.on-mismatch: vector)"
          : "the scanner's taken (cvss.on-mismatch: scanner)";
    what = `CVSS ${v.version} score ${fmt(given)} from the scanner, ${fmt(v.score)} computed from ${v.vector}: ${taken}`;
  }
  if (p.cvss.rateBy !== 'environmental') return { score, what };
  const crit = comp.criticality ?? 'medium';
  const req = comp.requirements ?? p.cvss.requirements[crit];
  const from = comp.requirements
    ? `requirements of component ${comp.name}`
    : `requirements of criticality ${crit}${comp.name ? ` (component ${comp.name})` : ' (no component)'}`;
  const env = environmentalScore(parsed.vector, req);
  const replaced = env.replaced.length ? `, replacing ${env.replaced.join(' ')}` : '';
  return {
    score: env.score,
    what: `CVSS ${v.version} environmental score ${fmt(env.score)} from ${env.vector} (${from}${replaced}; ${what})`,
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** The starting rank from the scanner's own rating, and the step that explains it. */
function baseRating(f: Finding, p: Policy, scored: Scored): { rank: number; step: RatingStep } {
  const r = baseRatingOf(f, p, scored);
  if (scored.vectorProblem) r.step = { ...r.step, detail: `${scored.vectorProblem}; ${r.step.detail}` };
  return r;
}

/** A base score computed from a vector (not the environmental one): it never rates lower than a stated severity. */
function isComputedBase(what: string | undefined): boolean {
  return what !== undefined && what !== 'security-severity' && / computed from /.test(what) && !/environmental/.test(what);
}

function baseRatingOf(f: Finding, p: Policy, scored: Scored): { rank: number; step: RatingStep } {
  const score = scored.score;
  if (score !== undefined && p.bands.length > 0) {
    // A step that depends only on what was scored and the score (not on a stated severity: computed scores, below) is
    // made once per policy and shared: a SARIF security-severity has a handful of distinct values for 100,000 findings.
    const computed = isComputedBase(scored.what);
    const sh = computed ? undefined : sharedOf(p);
    const byScore = sh?.byScore.get(scored.what ?? '');
    const known = byScore?.get(score);
    if (known) return { rank: known.rank, step: known.step };
    const r = bandRating(f, p, scored, score, computed);
    if (sh && sh.scores < SHARED_MAX) {
      if (byScore) byScore.set(score, r);
      else sh.byScore.set(scored.what ?? '', new Map([[score, r]]));
      sh.scores++;
    }
    return { rank: r.rank, step: r.step };
  }
  return unscoredRating(f, p);
}

/** The rating by the score's band (`severity.bands`). */
function bandRating(f: Finding, p: Policy, scored: Scored, score: number, computed: boolean): { rank: number; step: RatingStep } {
  const name = (r: number) => p.levels[r] as string;
  // "security-severity 8.8 >= 7.0" as before; a computed score keeps its number once: "… computed from …: 9.8 >= 9.0".
  const plain = scored.what === 'security-severity' || /^CVSS( \S+)? score$/.test(scored.what ?? '');
  const what = plain ? `${scored.what} ${fmt(score)}` : `${scored.what}: ${fmt(score)}`;
  const band = p.bands.find((b) => score >= b.min);
  const rank = band ? band.rank : p.levels.length - 1;
  const detail = band ? `${what} >= ${fmt(band.min)}` : `${what} is below every band`;
  // Fail closed: a base score computed from a vector never rates lower than the severity the scanner (or the reporter
  // of a manual finding) gave with it; the environmental score may, by policy (`cvss.rate-by: environmental`).
  const stated = f.scannerSeverity !== undefined ? p.fromScanner.get(f.scannerSeverity) : undefined;
  if (stated !== undefined && stated < rank && computed) {
    return {
      rank: stated,
      step: { step: 'base', detail: `scanner severity "${f.scannerSeverity}", higher than ${detail} (${name(rank)})`, to: name(stated) },
    };
  }
  return { rank, step: { step: 'base', detail, to: name(rank) } };
}

/** The rating without a score: OWASP risk factors, the scanner's severity word, the SARIF level, the default. */
function unscoredRating(f: Finding, p: Policy): { rank: number; step: RatingStep } {
  const name = (r: number) => p.levels[r] as string;
  if (f.owaspRisk !== undefined) {
    const problems = owaspRiskProblems(f.owaspRisk);
    if (problems.length > 0) {
      // Fail closed: factors that cannot be read never make a finding less severe.
      return {
        rank: 0,
        step: {
          step: 'base',
          detail: `OWASP risk factors not usable (${problems.join('; ')}): the most severe level until they are fixed`,
          to: name(0),
        },
      };
    }
    const o = owaspRisk(f.owaspRisk);
    const rank = p.owaspLevels[o.severity];
    const n = (x: number) => String(Math.round(x * 1000) / 1000);
    return {
      rank,
      step: {
        step: 'base',
        detail: `OWASP risk rating: likelihood ${n(o.likelihood)} ${o.likelihoodLevel} × ${o.impactFrom} impact ${n(o.impact)} ${o.impactLevel} = ${o.severity}`,
        to: name(rank),
      },
    };
  }
  if (f.scannerSeverity !== undefined) {
    const r = p.fromScanner.get(f.scannerSeverity);
    if (r !== undefined) return { rank: r, step: { step: 'base', detail: `scanner severity "${f.scannerSeverity}"`, to: name(r) } };
  }
  if (f.level !== undefined) {
    const r = p.fromLevel[f.level];
    if (r !== undefined) return { rank: r, step: { step: 'base', detail: `SARIF level "${f.level}"`, to: name(r) } };
  }
  // (OWASP risk factors never get here: they are rated, or refused at the most severe level, above.)
  const unmapped =
    f.scannerSeverity !== undefined
      ? ` (scanner severity "${f.scannerSeverity}" is not in from-scanner)`
      : f.cvss?.vector !== undefined
        ? ` (CVSS vector ${f.cvss.vector} without a score)`
        : '';
  return {
    rank: p.defaultRank,
    step: { step: 'default', detail: `nothing to rate by${unmapped}: severity.default`, to: name(p.defaultRank) },
  };
}

/** Why a finding is reported but not gated, or undefined when it is gated. */
function notGated(f: Finding, p: Policy): string | undefined {
  if (f.fixed) return `fixed${f.fixed.on ? ` on ${f.fixed.on.slice(0, 10)}` : ''}, as its input file says`;
  if (f.resultKind !== 'fail') return `SARIF result kind "${f.resultKind}" is not a failure`;
  if (f.baselineState === 'absent') return 'SARIF baselineState "absent": no longer present';
  if (p.suppressions !== 'ignore') {
    const active = f.suppressions.filter((s) => s.status === undefined || s.status === 'accepted');
    const ok = p.suppressions === 'require-justification' ? active.filter((s) => s.justification) : active;
    const s = ok[0];
    if (s) return `suppressed by the scanner (${s.kind}${s.justification ? `: ${s.justification}` : ''})`;
  }
  return undefined;
}

/**
 * Rates one finding with the organization's scheme. Pure. Every step that changed (or set) the rating is recorded.
 */
/** Applies one set/raise/lower/floor/cap adjustment to a rank. */
function adjustRank(rank: number, a: RankAdjust, last: number): number {
  let r = rank;
  if (a.set !== undefined) r = a.set;
  if (a.raise !== undefined) r = Math.max(0, r - a.raise);
  if (a.lower !== undefined) r = Math.min(last, r + a.lower);
  if (a.floor !== undefined && r > a.floor) r = a.floor;
  if (a.cap !== undefined && r < a.cap) r = a.cap;
  return r;
}

/** The policy component of a finding: the first whose paths or packages match; keeps a scanner-given one otherwise. */
function withComponent(
  f: Finding,
  p: Policy,
  inPlace: boolean,
): { finding: Finding; owner?: string; criticality?: 'high' | 'medium' | 'low'; requirements?: Requirements; name?: string } {
  for (const c of p.components) {
    if (!c.test(f)) continue;
    if (inPlace && f.component !== c.name) f.component = c.name;
    return {
      finding: f.component === c.name ? f : { ...f, component: c.name },
      name: c.name,
      ...(c.owner ? { owner: c.owner } : {}),
      ...(c.criticality ? { criticality: c.criticality } : {}),
      ...(c.requirements ? { requirements: c.requirements } : {}),
    };
  }
  return { finding: f };
}

/**
 * Explanation steps and whole explanations shared between findings rated with the same policy: a million findings
 * have a handful of distinct explanations, and each built anew costs more memory than the finding itself. The shared
 * objects are equal to fresh ones (same members, same order) and never changed after rating.
 */
interface Shared {
  steps: Map<string, RatingStep>;
  explanations: Map<string, RatingStep[]>;
  /** Base ratings by what was scored and the score (see baseRatingOf), and how many. */
  byScore: Map<string, Map<number, { rank: number; step: RatingStep }>>;
  scores: number;
  /** The explanation of a single step, by the step object (steps of byScore are shared objects). */
  byOneStep: Map<RatingStep, RatingStep[]>;
}
const sharedByPolicy = new WeakMap<Policy, Shared>();
/** Distinct steps or explanations kept per policy (unusual inputs with many distinct scores stop sharing there). */
const SHARED_MAX = 10_000;

function stepKey(s: RatingStep): string {
  return `${s.step}\u0000${s.detail}\u0000${s.from === undefined ? '\u0001' : s.from}\u0000${s.to}`;
}

function sharedOf(p: Policy): Shared {
  let sh = sharedByPolicy.get(p);
  if (!sh) sharedByPolicy.set(p, (sh = { steps: new Map(), explanations: new Map(), byScore: new Map(), scores: 0, byOneStep: new Map() }));
  return sh;
}

function share(p: Policy, steps: RatingStep[]): RatingStep[] {
  const sh = sharedOf(p);
  // (The usual explanation: one shared base step. Its explanation is found by the step itself, without making keys.)
  const one = steps.length === 1 ? sh.byOneStep.get(steps[0] as RatingStep) : undefined;
  if (one) return one;
  const out = shareByKey(sh, steps);
  // (Only a step that became the shared one: a step made afresh for each finding would never be found again.)
  if (steps.length === 1 && out[0] === steps[0] && sh.byOneStep.size < SHARED_MAX) sh.byOneStep.set(steps[0] as RatingStep, out);
  return out;
}

function shareByKey(sh: Shared, steps: RatingStep[]): RatingStep[] {
  const keys = steps.map(stepKey);
  const key = keys.join('\u0002');
  const known = sh.explanations.get(key);
  if (known) return known;
  const out = steps.map((s, i) => {
    const k = keys[i] as string;
    const seen = sh.steps.get(k);
    if (seen) return seen;
    if (sh.steps.size < SHARED_MAX) sh.steps.set(k, s);
    return s;
  });
  if (sh.explanations.size < SHARED_MAX) sh.explanations.set(key, out);
  return out;
}

export function rateFinding(input: Finding, p: Policy): RatedFinding {
  return rate(input, p, false);
}

function rate(input: Finding, p: Policy, inPlace: boolean): RatedFinding {
  const comp = withComponent(input, p, inPlace);
  const f = comp.finding;
  const scored = scoreFinding(f, p, comp);
  const score = scored.score;
  const base = baseRating(f, p, scored);
  const steps: RatingStep[] = [base.step];
  const last = p.levels.length - 1;
  let rank = base.rank;
  for (const rule of p.rules) {
    if (!rule.test(f, score)) continue;
    const before = rank;
    if (rule.set !== undefined) rank = rule.set;
    if (rule.raise !== undefined) rank = Math.max(0, rank - rule.raise);
    if (rule.lower !== undefined) rank = Math.min(last, rank + rule.lower);
    if (rule.floor !== undefined && rank > rule.floor) rank = rule.floor;
    if (rule.cap !== undefined && rank < rule.cap) rank = rule.cap;
    const changed = rank !== before;
    steps.push({
      step: 'rule',
      detail: `rule "${rule.name}"${changed ? '' : ' (matched, no change)'}`,
      from: p.levels[before] as string,
      to: p.levels[rank] as string,
    });
    if (rule.stop) break;
  }
  if (p.criticality && (comp.criticality !== undefined || p.criticality.method === 'matrix')) {
    const before = rank;
    const impact = comp.criticality ?? 'medium';
    const who = f.component ? `component ${f.component}` : 'no component';
    if (p.criticality.method === 'adjust') {
      const a = p.criticality.adjust[impact];
      if (a) {
        rank = adjustRank(rank, a, last);
        steps.push({
          step: 'component',
          detail: `${who}: business criticality ${impact}${rank === before ? ' (no change)' : ''}`,
          from: p.levels[before] as string,
          to: p.levels[rank] as string,
        });
      }
    } else {
      const m = p.criticality;
      const likelihood = m.likelihood.high.has(rank)
        ? 'high'
        : m.likelihood.medium.has(rank)
          ? 'medium'
          : m.likelihood.low.has(rank)
            ? 'low'
            : undefined;
      if (likelihood) {
        rank = m.matrix[impact][likelihood];
        steps.push({
          step: 'component',
          detail: `risk matrix: likelihood ${likelihood} (${p.levels[before]}) × impact ${impact} (${who})`,
          from: p.levels[before] as string,
          to: p.levels[rank] as string,
        });
      }
    }
  }
  const reason = notGated(f, p);
  const severity = p.levels[rank] as string;
  const explanation = share(p, steps);
  let rated: RatedFinding;
  if (inPlace) {
    // Same members in the same order as the copy below. Members added to a fresh copy cost ~10 times their size.
    rated = f as RatedFinding;
    rated.severity = severity;
    rated.rank = rank;
    rated.gated = reason === undefined;
    rated.explanation = explanation;
  } else {
    rated = { ...f, severity, rank, gated: reason === undefined, explanation };
  }
  if (score !== undefined && score !== ratingScore(f)) rated.score = score;
  if (comp.owner) rated.componentOwner = comp.owner;
  if (comp.criticality) rated.criticality = comp.criticality;
  if (reason !== undefined) rated.notGatedReason = reason;
  return rated;
}

export function rateAll(findings: readonly Finding[], p: Policy): RatedFinding[] {
  return findings.map((f) => rateFinding(f, p));
}

/**
 * `rateAll` that completes the given findings, and their array, themselves instead of copies (each becomes its
 * RatedFinding): the same values, a fraction of the memory. For the engine only, when its caller hands over the
 * findings (EngineInput.inPlace).
 */
export function rateAllInPlace(findings: Finding[], p: Policy): RatedFinding[] {
  for (let i = 0; i < findings.length; i++) findings[i] = rate(findings[i] as Finding, p, true);
  return findings as RatedFinding[];
}

/** The explanation as one line, e.g. `security-severity 8.8 >= 7.0 → high; rule "Test code" high → medium`. */
export function explainLine(f: RatedFinding): string {
  return f.explanation
    .map((s) => (s.step === 'rule' || s.step === 'component' ? `${s.detail}: ${s.from} → ${s.to}` : `${s.detail} → ${s.to}`))
    .join('; ');
}
