import { z } from 'zod';
import { parseLedgerFiles } from '../ledger/branch-store';
import {
  LEDGER_VERSION,
  LedgerBookSchema,
  LedgerEntrySchema,
  LedgerFormatError,
  RunSnapshotSchema,
  type LedgerBook,
} from '../ledger/schema';

/**
 * One repository's ledger files into a book, for `report --org` (5,000 ledgers, ~185,000 entries): the same result
 * and the same refusals as the ledger's own reader (`parseLedgerFiles`, zod), at a fraction of its CPU.
 *
 * A value is accepted on the fast path only when it certainly passes the ledger schema unchanged: the known keys and
 * nothing else (zod would strip an unknown key), each of the expected type, times in the form defect-gate writes
 * (`Date#toISOString`, with or without milliseconds, a day that exists). Anything else (an unknown key, another time
 * format, a wrong type) goes to zod, which either accepts it (its output is used) or refuses it: then the error names
 * the repository, the file and the JSON path of the first bad value, and what was expected.
 *
 * The fast checker is written from `SPEC` below, and `SPEC` must describe the ledger's zod schema exactly: it is
 * compared with a description read from the zod schema itself when this module loads (`specOfZod`). When the ledger
 * format changes and `SPEC` is not updated, the fast path turns itself off (every ledger goes through zod, correct
 * and slower) and `__tests__/org-report.test.ts` fails, naming the difference.
 */

/** A small description language for the ledger's JSON: what the fast checker checks, and what zod is compared with. */
type Spec =
  | 'string'
  | 'number'
  | 'int'
  | 'int>=0'
  | 'boolean'
  | 'time'
  | { enum: string[] }
  | { array: Spec }
  | { record: Spec }
  | { object: Record<string, Spec> };

const str: Spec = 'string';
const strs: Spec = { array: 'string' };
const obj = (o: Record<string, Spec>): Spec => ({ object: o });

const ENTRY = obj({
  fingerprint: str,
  tool: str,
  ruleId: str,
  title: str,
  kind: str,
  'path?': str,
  'startLine?': 'int',
  'location?': str,
  'component?': str,
  'criticality?': { enum: ['high', 'low', 'medium'] },
  'owners?': strs,
  'ticket?': obj({
    tracker: str,
    repo: str,
    number: 'int',
    'hash?': str,
    'state?': { enum: ['closed', 'not-planned', 'open'] },
    'remindedFor?': str,
  }),
  'cwe?': strs,
  'environments?': { record: 'time' },
  'exposures?': { record: { array: 'time' } },
  'seen?': obj({
    gated: 'boolean',
    'notGatedReason?': str,
    'level?': { enum: ['error', 'none', 'note', 'warning'] },
    'scannerSeverity?': str,
    'score?': 'number',
    'cve?': strs,
    'tags?': strs,
    'package?': obj({ 'ecosystem?': str, name: str, 'version?': str, 'fixedVersions?': strs }),
    'kev?': 'boolean',
    'epss?': 'number',
  }),
  'published?': 'time',
  firstSeen: 'time',
  lastSeen: 'time',
  state: { enum: ['fixed', 'open'] },
  'fixedAt?': 'time',
  reopenedCount: 'int>=0',
  'reopenedAt?': 'time',
  severity: str,
  gated: 'boolean',
  'kevDueDate?': str,
  'sighting?': str,
  events: { array: obj({ at: 'time', type: { enum: ['fixed', 'opened', 'reopened', 'severity'] }, 'severity?': str }) },
  'exceptions?': { array: obj({ id: str, type: str, from: 'time', 'to?': 'time', 'approvedBy?': str }) },
});

const RUN = obj({
  at: 'time',
  environment: str,
  'event?': str,
  'ref?': str,
  'sha?': str,
  'runId?': str,
  tools: strs,
  'incomplete?': strs,
  'toolKinds?': { record: strs },
  open: { record: 'int' },
  new: 'int',
  fixed: 'int',
  reopened: 'int',
  slaBreached: 'int',
  slaDueSoon: 'int',
  verdict: { enum: ['fail', 'pass', 'warn'] },
});

const APPROVAL = obj({
  approvers: { array: obj({ login: str, 'team?': str }) },
  'pr?': obj({ number: 'int', 'url?': str, 'mergedAt?': str, 'author?': str }),
  'commit?': str,
  'problem?': str,
});

/** The book as the fast path checks it: must equal `specOfZod(LedgerBookSchema)`. */
export const SPEC: Spec = obj({ entries: { record: ENTRY }, runs: { array: RUN }, 'approvals?': { record: APPROVAL } });

/**
 * The description of a zod schema in the language above (`unknown:…` for what the language has no word for). A
 * refinement on a string is `time` only when it behaves as the ledger's time check on probes.
 */
export function specOfZod(schema: z.ZodType): Spec | string {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const checks = ((def.checks as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []).map((c) => c._zod.def);
  switch (def.type) {
    case 'string': {
      if (checks.length === 0) return 'string';
      const fn = checks[0]?.fn;
      if (checks.length === 1 && checks[0]?.check === 'custom' && typeof fn === 'function') {
        const ok = (s: string) => Boolean((fn as (v: string) => unknown)(s));
        if (
          ok('2026-01-31T23:59:59.999Z') &&
          ok('2024-02-29T00:00:00Z') &&
          !ok('2026-02-29T00:00:00Z') &&
          !ok('2026-01-01T24:00:00Z') &&
          !ok('42')
        )
          return 'time';
      }
      return `unknown:string with checks ${JSON.stringify(checks.map((c) => c.check))}`;
    }
    case 'number': {
      const kinds = checks.map((c) => `${String(c.check)}:${String(c.format ?? '')}:${String(c.value ?? '')}:${String(c.inclusive ?? '')}`);
      const key = kinds.join(',');
      if (key === '') return 'number';
      if (key === 'number_format:safeint::') return 'int';
      if (key === 'number_format:safeint::,greater_than::0:true') return 'int>=0';
      return `unknown:number with checks ${key}`;
    }
    case 'boolean':
      return checks.length ? 'unknown:boolean with checks' : 'boolean';
    case 'enum':
      return { enum: Object.values(def.entries as Record<string, string>).sort() };
    case 'array':
      return checks.length ? 'unknown:array with checks' : { array: specOfZod(def.element as z.ZodType) as Spec };
    case 'record': {
      const key = specOfZod(def.keyType as z.ZodType);
      return key === 'string'
        ? { record: specOfZod(def.valueType as z.ZodType) as Spec }
        : `unknown:record keyed by ${JSON.stringify(key)}`;
    }
    case 'object': {
      const out: Record<string, Spec> = {};
      for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const d = (v as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (d.type === 'optional') out[`${k}?`] = specOfZod(d.innerType as z.ZodType) as Spec;
        else out[k] = specOfZod(v) as Spec;
      }
      return { object: out };
    }
    default:
      return `unknown:${String(def.type)}`;
  }
}

/** Keys sorted, so that two descriptions compare as JSON. */
function canonical(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(canonical);
  if (s && typeof s === 'object')
    return Object.fromEntries(
      Object.keys(s)
        .sort()
        .map((k) => [k, canonical((s as Record<string, unknown>)[k])]),
    );
  return s;
}

/** Where SPEC and the zod schema differ (empty when they agree): for the test, and to turn the fast path off. */
export function specDrift(): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))) return;
    const ao = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : undefined;
    const bo = b && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
    if (ao && bo && !('enum' in ao)) {
      for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) walk(ao[k], bo[k], `${path}.${k}`);
      return;
    }
    out.push(`${path}: the fast checker has ${JSON.stringify(a)}, the ledger schema ${JSON.stringify(b)}`);
  };
  walk(SPEC, specOfZod(LedgerBookSchema), 'book');
  return out;
}

type Check = (v: unknown) => boolean;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An ISO 8601 UTC time as `Date#toISOString` writes it (milliseconds optional), on a day that exists; no allocation. */
export function isCanonicalTime(v: unknown): boolean {
  if (typeof v !== 'string' || (v.length !== 20 && v.length !== 24)) return false;
  const d = (i: number) => {
    const c = v.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -1000;
  };
  if (v[4] !== '-' || v[7] !== '-' || v[10] !== 'T' || v[13] !== ':' || v[16] !== ':' || v[v.length - 1] !== 'Z') return false;
  if (v.length === 24 && (v[19] !== '.' || d(20) < 0 || d(21) < 0 || d(22) < 0)) return false;
  const y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const mo = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const h = d(11) * 10 + d(12);
  const mi = d(14) * 10 + d(15);
  const s = d(17) * 10 + d(18);
  if (y < 0 || mo < 1 || mo > 12 || day < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  return day <= days;
}

function compile(s: Spec): Check {
  if (s === 'string') return (v) => typeof v === 'string';
  if (s === 'number') return (v) => typeof v === 'number' && Number.isFinite(v);
  if (s === 'int') return (v) => Number.isSafeInteger(v);
  if (s === 'int>=0') return (v) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (s === 'boolean') return (v) => typeof v === 'boolean';
  if (s === 'time') return isCanonicalTime;
  if ('enum' in s) {
    const set = new Set(s.enum);
    return (v) => typeof v === 'string' && set.has(v);
  }
  if ('array' in s) {
    const el = compile(s.array);
    return (v) => {
      if (!Array.isArray(v)) return false;
      for (const x of v) if (!el(x)) return false;
      return true;
    };
  }
  if ('record' in s) {
    const val = compile(s.record);
    return (v) => {
      if (!isObj(v)) return false;
      for (const k in v) if (k === '__proto__' || !val(v[k])) return false;
      return true;
    };
  }
  const fields = new Map<string, { check: Check; required: boolean }>();
  for (const [k, v] of Object.entries(s.object)) {
    const optional = k.endsWith('?');
    fields.set(optional ? k.slice(0, -1) : k, { check: compile(v), required: !optional });
  }
  const required = [...fields].filter(([, f]) => f.required).map(([k]) => k);
  return (v) => {
    if (!isObj(v)) return false;
    for (const k of required) if (!(k in v)) return false;
    for (const k in v) {
      const f = fields.get(k);
      if (!f || !f.check(v[k])) return false;
    }
    return true;
  };
}

const DRIFT = specDrift();
const ENTRY_OK = DRIFT.length ? undefined : compile(ENTRY);
const RUNS_OK = DRIFT.length ? undefined : compile({ array: RUN });
const APPROVALS_OK = DRIFT.length ? undefined : compile({ record: APPROVAL });

/** `$["3fa1…"].events[3].type`: a zod issue's path as a JSON path. */
function jsonPath(path: readonly PropertyKey[]): string {
  const step = (p: PropertyKey) =>
    typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return `$${path.map(step).join('')}`;
}

const EntriesSchema = z.record(z.string(), LedgerEntrySchema);
const RunsSchema = z.array(RunSnapshotSchema);

export interface LedgerTexts {
  meta: string;
  /** Entry shards with their path under the scope (`entries/3f.json`), in order. */
  entries: { path: string; text: string }[];
  runs?: string;
  approvals?: string;
}

function parseJson(where: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new LedgerFormatError(
      `${where}${path}`,
      `not JSON (${err instanceof Error ? err.message : String(err)}); fix or delete this scope on the branch`,
    );
  }
}

/**
 * The book of one scope's files (`where` is `OWNER/REPO branch:NAME:<scope>/`). Throws `LedgerFormatError` naming the
 * file and the JSON path of the first bad value.
 */
export function parseLedgerTexts(where: string, t: LedgerTexts): LedgerBook {
  const slow = () => parseLedgerFiles(where, { ...t, entries: t.entries.map((e) => e.text) });
  const meta = parseJson(where, 'meta.json', t.meta);
  if (
    !ENTRY_OK ||
    !RUNS_OK ||
    !APPROVALS_OK ||
    !isObj(meta) ||
    meta.schema !== 'defect-gate-ledger' ||
    !Number.isSafeInteger(meta.version) ||
    (meta.version as number) > LEDGER_VERSION ||
    typeof meta.updatedAt !== 'string' ||
    !Number.isSafeInteger(meta.shards) ||
    (meta.shards as number) < 0
  )
    return slow();
  const entries: LedgerBook['entries'] = {};
  let fast = true;
  for (const shard of t.entries) {
    const parsed = parseJson(where, shard.path, shard.text);
    if (isObj(parsed) && Object.prototype.hasOwnProperty.call(parsed, '__proto__'))
      throw new LedgerFormatError(
        `${where}${shard.path}`,
        'an entry keyed "__proto__" (not written by defect-gate); fix or delete this scope on the branch',
      );
    let ok = isObj(parsed);
    if (ok) for (const k in parsed as Record<string, unknown>) if (!ENTRY_OK((parsed as Record<string, unknown>)[k])) ok = false;
    if (!ok) {
      const r = EntriesSchema.safeParse(parsed);
      if (!r.success) {
        const issue = r.error.issues[0];
        throw new LedgerFormatError(
          `${where}${shard.path}`,
          `invalid ledger entry at ${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}; fix or delete this scope on the branch`,
        );
      }
      fast = false;
    }
    Object.assign(entries, parsed);
  }
  const runs = t.runs !== undefined ? parseJson(where, 'runs.json', t.runs) : [];
  if (!RUNS_OK(runs)) {
    const r = RunsSchema.safeParse(runs);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new LedgerFormatError(`${where}runs.json`, `invalid run at ${jsonPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
    }
    fast = false;
  }
  const approvals = t.approvals !== undefined ? parseJson(where, 'approvals.json', t.approvals) : undefined;
  if (approvals !== undefined && !APPROVALS_OK(approvals)) fast = false;
  // Zod's own reading when something was not certain (it strips unknown keys, or refuses with its message).
  if (!fast) return slow();
  return {
    entries,
    runs: runs as LedgerBook['runs'],
    ...(approvals !== undefined ? { approvals: approvals as LedgerBook['approvals'] } : {}),
  };
}
