import ae from 'ae-cvss-calculator';
import type { BaseScoreResult, CvssVector, VectorComponent, VectorComponentValue } from 'ae-cvss-calculator/dist/types/src/CvssVector';

/**
 * CVSS vectors: strict parsing and scores from a maintained calculator (`ae-cvss-calculator`, {metæffekt}, Apache-2.0),
 * never by hand. Versions 2.0, 3.0, 3.1 and 4.0. Pure: a function of the vector text.
 *
 * The calculator is lenient (a missing base metric scores 0, a repeated metric silently replaces the first one, the
 * `CVSS:x.y/` prefix is not checked against the class): every vector is first checked here against the calculator's
 * own metric tables, so that a vector that may understate a finding is an error, never a lower score.
 */

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

/** Confidentiality, integrity and availability requirements (CR, IR, AR): L(ow), M(edium), H(igh). */
export type Requirement = 'L' | 'M' | 'H';
export interface Requirements {
  CR: Requirement;
  IR: Requirement;
  AR: Requirement;
}

export interface ParsedVector {
  version: CvssVersion;
  /** The metrics as written (after the prefix), in order. */
  metrics: [string, string][];
}

export type VectorCheck = { ok: true; vector: ParsedVector } | { ok: false; problem: string };

type AnyVector = CvssVector<BaseScoreResult>;

function instance(version: CvssVersion, vector?: string): AnyVector {
  switch (version) {
    case '2.0':
      return new ae.Cvss2(vector) as unknown as AnyVector;
    case '3.0':
      return new ae.Cvss3P0(vector) as unknown as AnyVector;
    case '3.1':
      return new ae.Cvss3P1(vector) as unknown as AnyVector;
    case '4.0':
      return new ae.Cvss4P0(vector) as unknown as AnyVector;
  }
}

/** Metric tables per version, from the calculator (short name → allowed value short names). */
const tables = new Map<CvssVersion, Map<string, Set<string>>>();
function table(version: CvssVersion): Map<string, Set<string>> {
  let t = tables.get(version);
  if (t) return t;
  t = new Map();
  const v = instance(version);
  for (const comps of v.getRegisteredComponents().values()) {
    for (const c of comps as VectorComponent<VectorComponentValue>[]) t.set(c.shortName, new Set(c.values.map((x) => x.shortName)));
  }
  tables.set(version, t);
  return t;
}

const PREFIX = /^CVSS:(\d+\.\d+)\/(.*)$/;
const MAX_VECTOR = 512;

/**
 * Checks a vector string: a known version prefix (`CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/`; v2 bare or in parentheses, as
 * NVD writes it), every metric known to that version with an allowed value, none repeated, every base metric given.
 */
export function parseCvssVector(text: string): VectorCheck {
  return memo(checks, text, () => checkVector(text));
}

/**
 * Results by vector text, shared (treat them as read-only): a report repeats a few hundred distinct vectors over many
 * findings, and each check builds a calculator object. Bounded: past MEMO_MAX distinct texts, nothing more is kept.
 */
const MEMO_MAX = 10_000;
const checks = new Map<string, VectorCheck>();
const scores = new Map<string, CvssScores>();
const envs = new Map<string, EnvironmentalScore>();
function memo<T>(m: Map<string, T>, key: string, make: () => T): T {
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  const v = make();
  if (m.size < MEMO_MAX) m.set(key, v);
  return v;
}

function checkVector(text: string): VectorCheck {
  if (text.length > MAX_VECTOR) return { ok: false, problem: `longer than ${MAX_VECTOR} characters` };
  let s = text.trim();
  let version: CvssVersion;
  const m = PREFIX.exec(s);
  if (m) {
    const v = m[1];
    if (v !== '3.0' && v !== '3.1' && v !== '4.0' && v !== '2.0')
      return { ok: false, problem: `unknown CVSS version "${v}" (expected 2.0, 3.0, 3.1 or 4.0)` };
    version = v;
    s = m[2] as string;
  } else {
    if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
    if (!/^AV:[^/]+\/AC:[^/]+\/Au:/.test(s))
      return { ok: false, problem: 'no "CVSS:<version>/" prefix, and not a CVSS v2 vector (AV:…/AC:…/Au:…)' };
    version = '2.0';
  }
  const known = table(version);
  const metrics: [string, string][] = [];
  const seen = new Set<string>();
  for (const part of s.split('/')) {
    const kv = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!kv) return { ok: false, problem: `"${part}" is not a metric:value pair` };
    const [, key, value] = kv as unknown as [string, string, string];
    const values = known.get(key);
    if (!values) return { ok: false, problem: `unknown CVSS ${version} metric "${key}"` };
    if (!values.has(value))
      return { ok: false, problem: `"${value}" is not a value of CVSS ${version} metric ${key} (expected ${[...values].join(', ')})` };
    if (seen.has(key)) return { ok: false, problem: `metric ${key} is given twice` };
    seen.add(key);
    metrics.push([key, value]);
  }
  const parsed: ParsedVector = { version, metrics };
  const v = instance(version, render(parsed));
  if (!v.isBaseFullyDefined()) {
    const missing = baseMetrics(version).filter((k) => !metrics.some(([mk, mv]) => mk === k && mv !== 'X' && mv !== 'ND'));
    return { ok: false, problem: `base metric${missing.length === 1 ? '' : 's'} ${missing.join(', ') || '(some)'} missing or not defined` };
  }
  return { ok: true, vector: parsed };
}

function baseMetrics(version: CvssVersion): string[] {
  switch (version) {
    case '2.0':
      return ['AV', 'AC', 'Au', 'C', 'I', 'A'];
    case '4.0':
      return ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'];
    default:
      return ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];
  }
}

/** The vector as text, with its prefix (none for v2, as NVD writes v2 vectors). */
export function render(v: ParsedVector): string {
  const body = v.metrics.map(([k, val]) => `${k}:${val}`).join('/');
  return v.version === '2.0' ? body : `CVSS:${v.version}/${body}`;
}

export interface CvssScores {
  version: CvssVersion;
  /** The vector as checked (normalized spacing, prefix kept). */
  vector: string;
  /**
   * The score of the vector as given: the base score for 2.0 and 3.x (temporal and environmental metrics in the
   * vector are not applied), the one CVSS-B/BT/BE/BTE score of a 4.0 vector (FIRST gives 4.0 a single score).
   */
  score: number;
  /** What `score` is: `base score`, or for 4.0 the nomenclature, e.g. `CVSS-B score`, `CVSS-BT score`. */
  label: string;
}

function nomenclature(v: ParsedVector): string {
  const threat = v.metrics.some(([k, val]) => k === 'E' && val !== 'X');
  const env = v.metrics.some(([k, val]) => (k === 'CR' || k === 'IR' || k === 'AR' || k.startsWith('M')) && val !== 'X');
  return `CVSS-B${threat ? 'T' : ''}${env ? 'E' : ''}`;
}

/** Scores a checked vector. */
export function scoreVector(v: ParsedVector): CvssScores {
  return memo(scores, render(v), () => scoreVectorNow(v));
}

function scoreVectorNow(v: ParsedVector): CvssScores {
  const text = render(v);
  const r = instance(v.version, text).calculateScores() as BaseScoreResult & { base?: number };
  const score = v.version === '4.0' ? r.overall : (r.base ?? r.overall);
  return { version: v.version, vector: text, score, label: v.version === '4.0' ? `${nomenclature(v)} score` : 'base score' };
}

export interface EnvironmentalScore {
  /** The vector with the requirements put in (replacing any CR/IR/AR it had). */
  vector: string;
  score: number;
  /** Requirements the vector already had, replaced by the policy's (e.g. `CR:L`), for the explanation. */
  replaced: string[];
}

/**
 * The environmental score with the given security requirements: CR/IR/AR are set (any the vector had are replaced and
 * listed), the other metrics stay as written. 2.0 and 3.x: the environmental score; 4.0: the vector's score (CVSS-BE or
 * CVSS-BTE).
 */
export function environmentalScore(v: ParsedVector, req: Requirements): EnvironmentalScore {
  return memo(envs, `${render(v)}\u0000${req.CR}${req.IR}${req.AR}`, () => environmentalScoreNow(v, req));
}

function environmentalScoreNow(v: ParsedVector, req: Requirements): EnvironmentalScore {
  const replaced: string[] = [];
  const metrics: [string, string][] = [];
  for (const [k, val] of v.metrics) {
    if (k === 'CR' || k === 'IR' || k === 'AR') {
      if (val !== req[k]) replaced.push(`${k}:${val}`);
      continue;
    }
    metrics.push([k, val]);
  }
  metrics.push(['CR', req.CR], ['IR', req.IR], ['AR', req.AR]);
  const env: ParsedVector = { version: v.version, metrics };
  const text = render(env);
  const r = instance(v.version, text).calculateScores() as BaseScoreResult & { environmental?: number };
  const score = v.version === '4.0' ? r.overall : (r.environmental ?? r.overall);
  return { vector: text, score, replaced };
}

/** Convenience: check and score a vector text; `problem` when it is not a valid vector. */
export function cvssFromVector(text: string): { scores: CvssScores; parsed: ParsedVector } | { problem: string } {
  const c = parseCvssVector(text);
  if (!c.ok) return { problem: c.problem };
  return { scores: scoreVector(c.vector), parsed: c.vector };
}
