import type { LedgerBook, LedgerEntry } from '../ledger/schema';
import { MANUAL_KINDS, type ManualKind } from '../model';
import type { SlaSettings } from '../policy/compile';
import { computeSla } from '../ledger/sla';
import { addCount, ownRecord } from '../own';
import { buckets as makeBuckets, DAY, defaultSince, isoDay, mean, median, percentile, WEEK, type BucketKind } from './time';
import { redactText } from '../redact/text';
import { OwnerTally, type OwnerMetrics } from './by-owner';
import { daysSince, wholeDays } from '../ledger/time';

/**
 * Defect metrics (OWASP SAMM Defect Management, stream B) computed from a ledger book. Pure: a function of the book,
 * the policy's levels and SLA days, the period and `now`. Every figure is defined in README.md ("Metrics and
 * reports"); the definitions below are the same sentences.
 *
 * Which findings count: ledger entries the gate counts (`gated`), plus those taken out of the gate by an exception
 * (they are real defects, reported as accepted risk). Scanner-suppressed and non-failure results never count.
 * "Open at t" replays the entry's events (opened / fixed / reopened), so a past `--until` sees the past state.
 */

export const METRICS_VERSION = 1;

/** Finding kinds grouped into the verification activities SAMM asks about. */
export const VERIFICATION_KINDS = ['sast', 'sca', 'secret', 'iac', 'dast'] as const;
/**
 * Verification activities: the scanner kinds always, and the manual activities (findings files,
 * src/ingest/formats/findings.ts) once the ledger has recorded one (missing when none ran in the period).
 */
export type VerificationKind = (typeof VERIFICATION_KINDS)[number] | ManualKind;
export const VERIFICATION_LABEL: Record<VerificationKind, string> = {
  sast: 'SAST',
  sca: 'SCA',
  secret: 'Secrets',
  iac: 'IaC',
  dast: 'DAST',
  pentest: 'Pentest',
  'bug-bounty': 'Bug bounty',
  'threat-model': 'Threat model',
  'code-review': 'Code review',
  disclosure: 'Disclosure',
  audit: 'Audit',
};
/** Without a prototype: kinds come from the ledger, where `constructor` is a kind like any other unknown one. */
const KIND_TO_ACTIVITY: Record<string, VerificationKind> = Object.assign(ownRecord<VerificationKind>(), {
  sast: 'sast',
  sca: 'sca',
  container: 'sca',
  secret: 'secret',
  iac: 'iac',
  dast: 'dast',
  ...Object.fromEntries(MANUAL_KINDS.map((k) => [k, k])),
});
const ALL_VERIFICATION_KINDS: readonly VerificationKind[] = [...VERIFICATION_KINDS, ...MANUAL_KINDS];

/** Tools whose kind is known by name, for tools that ran but never reported anything (no kind recorded). */
const KNOWN_TOOLS: [RegExp, VerificationKind[]][] = [
  [/codeql|semgrep|bandit|sonar|brakeman|gosec|eslint|spotbugs|snyk code|pmd/i, ['sast']],
  [/trivy/i, ['sca', 'iac', 'secret']],
  [/grype|anchore|osv|npm audit|npm-audit|dependency-check|dependabot|snyk|retire|safety|pip-audit/i, ['sca']],
  [/gitleaks|trufflehog|detect-secrets|secret/i, ['secret']],
  [/checkov|tfsec|kics|terrascan|hadolint/i, ['iac']],
  [/zap|burp|nuclei|nikto|arachni/i, ['dast']],
];

export interface MetricsOptions {
  now: Date;
  /** Period start (inclusive). Default: 6 whole months (12 weeks for week buckets) before `until`. */
  since?: Date;
  /** Period end (inclusive). Default: `now`. */
  until?: Date;
  bucket?: BucketKind;
  /** The policy's levels, most severe first. */
  levels: string[];
  sla: SlaSettings;
  /** Environment names that mean "deployed" for the window of exposure. Default ["production"]. */
  productionEnvironments?: string[];
  /** The policy's exceptions (for expiring accepted risk and SLA extensions). */
  exceptions?: PolicyException[];
  /** Days ahead within which an exception counts as expiring. Default 30. */
  expiringDays?: number;
  /** How many rows the ranked lists keep (hot spots, breaches, longest exposures). Default 10. */
  top?: number;
}

export interface PolicyException {
  id: string;
  type: string;
  approvedBy?: string;
  /** Last day it applies (YYYY-MM-DD). */
  expires?: string;
  /** SLA extension: the new due date (YYYY-MM-DD). */
  due?: string;
}

export interface SeverityRow {
  key: string;
  total: number;
  bySeverity: Record<string, number>;
}

export interface DurationStat {
  count: number;
  meanDays?: number;
  medianDays?: number;
  maxDays?: number;
}

export interface BucketRow {
  label: string;
  short: string;
  start: string;
  end: string;
  opened: number;
  fixed: number;
  reopened: number;
  /** Open at the end of the bucket (or at `until` for the last one), by severity. */
  backlog: number;
  backlogBySeverity: Record<string, number>;
  /** Open and past the SLA due date at the end of the bucket. */
  breached: number;
}

export interface FindingRef {
  fingerprint: string;
  title: string;
  ruleId: string;
  tool: string;
  severity: string;
  component?: string;
  path?: string;
  firstSeen: string;
}

export interface BreachRow extends FindingRef {
  due: string;
  daysOverdue: number;
  ageDays: number;
}

export interface ExposureRow extends FindingRef {
  exposedSince: string;
  fixedAt?: string;
  days: number;
  /** Which of the finding's episodes (1 = first seen, 2 = after the first reopen …) this window belongs to. */
  episode: number;
}

/** Time to detect: days from the vulnerability's publication to first seen. */
export interface DetectStat {
  count: number;
  medianDays?: number;
  p90Days?: number;
  maxDays?: number;
}

export interface Metrics {
  schema: 'defect-gate-metrics';
  version: number;
  generatedAt: string;
  period: { since: string; until: string; bucket: BucketKind; days: number };
  /** The policy's levels, plus any other severity found in the ledger (appended). */
  levels: string[];
  runs: { total: number; inPeriod: number; production: number; last?: string; verdicts: Record<'pass' | 'warn' | 'fail', number> };
  open: {
    total: number;
    bySeverity: Record<string, number>;
    byComponent: SeverityRow[];
    byCwe: SeverityRow[];
    byTool: SeverityRow[];
    byKind: SeverityRow[];
    byPath: SeverityRow[];
  };
  flow: { buckets: BucketRow[]; opened: number; fixed: number; reopened: number };
  velocity: { weeks: number; openedPerWeek: number; fixedPerWeek: number; netPerWeek: number; reopenRate?: number };
  timeToResolve: { overall: DurationStat; bySeverity: Record<string, DurationStat> };
  sla: {
    days: Record<string, number>;
    fixed: number;
    fixedWithinSla: number;
    compliance?: number;
    bySeverity: Record<string, { fixed: number; withinSla: number; compliance?: number }>;
    openBreached: number;
    openDueSoon: number;
    breaches: BreachRow[];
  };
  age: {
    levels: string[];
    buckets: { label: string; minDays: number; maxDays?: number; total: number; bySeverity: Record<string, number> }[];
  };
  acceptedRisk: {
    /** Open findings under an active accepted-risk exception at `until`. */
    total: number;
    bySeverity: Record<string, number>;
    byApprover: { key: string; count: number }[];
    /** Every exception type (accepted-risk, false-positive, mitigated, sla-extension): open findings under it. */
    byType: { key: string; count: number }[];
    expiring: { id: string; type: string; approvedBy?: string; expires: string; daysLeft: number; findings: number }[];
  };
  /**
   * Time to detect (SAMM B2): for findings with a vulnerability publication date (Trivy PublishedDate, OSV published)
   * first seen in the period, the days from publication to first seen (0 when seen before it was published).
   */
  timeToDetect: { overall: DetectStat; bySeverity: Record<string, DetectStat> };
  exposure: {
    environments: string[];
    /** Open and seen by a production run at `until`. */
    exposedNow: number;
    overall: DurationStat;
    bySeverity: Record<string, DurationStat>;
    longest: ExposureRow[];
  };
  coverage: {
    activities: VerificationKind[];
    tools: { tool: string; activities: VerificationKind[]; runs: number; lastRun?: string }[];
    /** Tools that ran in the period, per activity. */
    repository: Record<VerificationKind, string[]>;
    missing: VerificationKind[];
    /** Per component: tools of each activity that reported in it and ran in the period. */
    components: { component: string; activities: Record<VerificationKind, string[]> }[];
  };
  hotSpots: { components: SeverityRow[]; files: SeverityRow[]; cwes: SeverityRow[] };
  /** Open, past SLA, MTTR and SLA compliance per owner (users) and per team (src/metrics/by-owner.ts). */
  owners: OwnerMetrics;
}

export interface Episode {
  start: number;
  end?: number;
  reopen: boolean;
}

const t = (iso: string | undefined): number => (iso ? Date.parse(iso) : NaN);

/** Open episodes of an entry, from its events (first episode starts at first seen). */
export function episodes(e: LedgerEntry): Episode[] {
  const evs = [...e.events].filter((x) => x.type !== 'severity').sort((a, b) => t(a.at) - t(b.at));
  const out: Episode[] = [];
  let cur: Episode | undefined;
  const first = t(e.firstSeen);
  for (const ev of evs) {
    const at = t(ev.at);
    if (Number.isNaN(at)) continue;
    if (ev.type === 'opened' || ev.type === 'reopened') {
      if (cur) continue; // already open (events were trimmed)
      const reopen = ev.type === 'reopened' || out.length > 0;
      cur = { start: !reopen && !Number.isNaN(first) ? Math.min(first, at) : at, reopen };
    } else if (ev.type === 'fixed') {
      if (!cur) {
        // Trimmed history: the opening event is gone; the episode started at first seen or after the last fix.
        const prev = out[out.length - 1];
        cur = { start: prev?.end ?? first, reopen: prev !== undefined };
      }
      cur.end = at;
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  if (out.length === 0) out.push({ start: first, ...(e.state === 'fixed' && e.fixedAt ? { end: t(e.fixedAt) } : {}), reopen: false });
  return out;
}

export function openAt(eps: Episode[], at: number): Episode | undefined {
  return eps.find((x) => x.start <= at && (x.end === undefined || x.end > at));
}

export function severityAt(e: LedgerEntry, at: number): string {
  let sev: string | undefined;
  let when = -Infinity;
  for (const ev of e.events) {
    const ts = t(ev.at);
    if (ev.severity !== undefined && ts <= at && ts >= when) {
      sev = ev.severity;
      when = ts;
    }
  }
  return sev ?? e.severity;
}

export function exceptionsAt(e: LedgerEntry, at: number): NonNullable<LedgerEntry['exceptions']> {
  return (e.exceptions ?? []).filter((h) => t(h.from) <= at && (h.to === undefined || t(h.to) > at));
}

/** Out of the gate because of an exception (not an SLA extension, which keeps it gated). */
export function exceptedAt(e: LedgerEntry, at: number): boolean {
  return exceptionsAt(e, at).some((h) => h.type !== 'sla-extension');
}

/** Counted at all: gated, or out of the gate only because of an exception. */
export function counts(e: LedgerEntry): boolean {
  return e.gated || (e.exceptions ?? []).some((h) => h.type !== 'sla-extension');
}

function ref(e: LedgerEntry, severity: string): FindingRef {
  return {
    fingerprint: e.fingerprint,
    title: redactText(e.title), // (ledgers written before redaction existed)
    ruleId: e.ruleId,
    tool: e.tool,
    severity,
    ...(e.component ? { component: redactText(e.component) } : {}),
    ...(e.path ? { path: e.path } : {}),
    firstSeen: e.firstSeen,
  };
}

function detectStat(xs: number[]): DetectStat {
  const md = median(xs);
  return {
    count: xs.length,
    ...(md !== undefined ? { medianDays: md, p90Days: percentile(xs, 90) as number, maxDays: Math.max(...xs) } : {}),
  };
}

/**
 * Every episode's first sighting by a production environment (`exposures`, else the current episode's in
 * `environments`), as [episode index, time] pairs, earliest per episode.
 */
function productionSightings(e: LedgerEntry, eps: Episode[], prodEnvs: string[]): Map<number, number> {
  const times: number[] = [];
  for (const p of prodEnvs) {
    if (e.exposures && Object.hasOwn(e.exposures, p)) for (const x of e.exposures[p] ?? []) times.push(t(x));
    if (e.environments && Object.hasOwn(e.environments, p)) times.push(t(e.environments[p]));
  }
  const first = new Map<number, number>();
  for (const x of times) {
    if (Number.isNaN(x)) continue;
    const i = eps.findIndex((ep) => ep.start <= x && (ep.end === undefined || ep.end > x));
    if (i < 0) continue; // not open at that sighting (inconsistent history): no window to measure
    const cur = first.get(i);
    if (cur === undefined || x < cur) first.set(i, x);
  }
  return first;
}

function durationStat(xs: number[]): DurationStat {
  const m = mean(xs);
  const md = median(xs);
  return { count: xs.length, ...(m !== undefined ? { meanDays: m, medianDays: md as number, maxDays: Math.max(...xs) } : {}) };
}

/** Sorts rows worst first: by count at each level, most severe first, then total, then name. */
export function worstFirst(levels: string[]) {
  return (a: SeverityRow, b: SeverityRow): number => {
    for (const l of levels) {
      const d = (b.bySeverity[l] ?? 0) - (a.bySeverity[l] ?? 0);
      if (d) return d;
    }
    return b.total - a.total || a.key.localeCompare(b.key);
  };
}

class Tally {
  private readonly rows = new Map<string, SeverityRow>();
  constructor(private readonly levels: string[]) {}
  add(key: string, severity: string): void {
    let r = this.rows.get(key);
    if (!r) {
      r = { key, total: 0, bySeverity: Object.fromEntries(this.levels.map((l) => [l, 0])) };
      this.rows.set(key, r);
    }
    r.total++;
    addCount(r.bySeverity, severity);
  }
  sorted(): SeverityRow[] {
    return [...this.rows.values()].sort(worstFirst(this.levels));
  }
}

function countList(m: Map<string, number>): { key: string; count: number }[] {
  return [...m].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export function slaState(
  e: LedgerEntry,
  severity: string,
  ep: Episode | undefined,
  sla: SlaSettings,
  at: number,
  dueOf: Map<string, string>,
) {
  const ext = exceptionsAt(e, at).find((h) => h.type === 'sla-extension' && dueOf.has(h.id));
  return computeSla(
    {
      severity,
      ...(e.criticality ? { criticality: e.criticality } : {}),
      firstSeen: e.firstSeen,
      ...(ep?.reopen ? { reopenedAt: new Date(ep.start).toISOString() } : {}),
      ...(e.kevDueDate ? { kevDueDate: e.kevDueDate } : {}),
      ...(ext ? { extendedDue: { due: `${dueOf.get(ext.id)}T23:59:59.999Z`, reason: `SLA extension ${ext.id}` } } : {}),
    },
    sla,
    new Date(at),
  );
}

export function computeMetrics(book: LedgerBook, opts: MetricsOptions): Metrics {
  const now = opts.now.getTime();
  const kind = opts.bucket ?? 'month';
  const until = opts.until ? opts.until.getTime() : now;
  const since = opts.since ? opts.since.getTime() : defaultSince(until, kind);
  const inPeriod = (x: number) => x >= since && x <= until;
  const top = opts.top ?? 10;
  const prodEnvs = opts.productionEnvironments?.length ? opts.productionEnvironments : ['production'];
  const dueOf = new Map((opts.exceptions ?? []).filter((x) => x.due).map((x) => [x.id, x.due as string]));

  const entries = Object.values(book.entries).filter(counts);
  const levels = [...opts.levels];
  for (const e of entries) {
    for (const s of [e.severity, ...e.events.map((x) => x.severity)]) if (s !== undefined && !levels.includes(s)) levels.push(s);
  }
  const zero = () => Object.fromEntries(levels.map((l) => [l, 0])) as Record<string, number>;
  const eps = new Map(entries.map((e) => [e.fingerprint, episodes(e)]));

  // Open now (at `until`).
  const open = { total: 0, bySeverity: zero() };
  const byComponent = new Tally(levels);
  const byCwe = new Tally(levels);
  const byTool = new Tally(levels);
  const byKind = new Tally(levels);
  const byPath = new Tally(levels);
  // Rows keep the entry; the finding's reference (its text redacted, which is costly) is made for the rows shown.
  const breaches: { e: LedgerEntry; severity: string; fingerprint: string; due: string; daysOverdue: number; ageDays: number }[] = [];
  let dueSoon = 0;
  const topLevels = levels.slice(0, Math.min(2, opts.levels.length || levels.length));
  const ageDefs = [
    { label: '< 30 days', minDays: 0, maxDays: 30 },
    { label: '30–60 days', minDays: 30, maxDays: 60 },
    { label: '60–90 days', minDays: 60, maxDays: 90 },
    { label: '> 90 days', minDays: 90 },
  ];
  const age = ageDefs.map((d) => ({
    ...d,
    total: 0,
    bySeverity: Object.fromEntries(topLevels.map((l) => [l, 0])) as Record<string, number>,
  }));
  const accepted = { total: 0, bySeverity: zero() };
  const approvers = new Map<string, number>();
  const types = new Map<string, number>();
  const exceptionFindings = new Map<string, number>();
  const ownerTally = new OwnerTally();

  for (const e of entries) {
    const ep = openAt(eps.get(e.fingerprint) ?? [], until);
    if (!ep) continue;
    const sev = severityAt(e, until);
    for (const h of exceptionsAt(e, until)) {
      addCount(types, h.type);
      addCount(exceptionFindings, h.id);
      if (h.type === 'accepted-risk') {
        accepted.total++;
        addCount(accepted.bySeverity, sev);
        const who = h.approvedBy ?? '(not recorded)';
        addCount(approvers, who);
      }
    }
    if (exceptedAt(e, until)) continue;
    open.total++;
    addCount(open.bySeverity, sev);
    byComponent.add(e.component ?? '(no component)', sev);
    for (const c of e.cwe?.length ? e.cwe : ['(no CWE)']) byCwe.add(c, sev);
    byTool.add(e.tool, sev);
    byKind.add(e.kind, sev);
    byPath.add(e.path ?? '(no file)', sev);
    const s = slaState(e, sev, ep, opts.sla, until, dueOf);
    const ageDays = daysSince(t(e.firstSeen), until);
    ownerTally.open(e.owners, s?.state);
    if (s?.state === 'breached')
      breaches.push({ e, severity: sev, fingerprint: e.fingerprint, due: s.due, daysOverdue: daysSince(s.due, until), ageDays });
    else if (s?.state === 'due-soon') dueSoon++;
    if (topLevels.includes(sev)) {
      const b = age.find((d) => ageDays >= d.minDays && (d.maxDays === undefined || ageDays < d.maxDays)) ?? age[0]!;
      b.total++;
      addCount(b.bySeverity, sev);
    }
  }
  breaches.sort(
    (a, b) =>
      b.daysOverdue - a.daysOverdue ||
      levels.indexOf(a.severity) - levels.indexOf(b.severity) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );

  // Flow per bucket, time to resolve and SLA compliance of the fixes in the period.
  const bks = makeBuckets(since, until, kind);
  const rows: BucketRow[] = bks.map((b) => ({
    label: b.label,
    short: b.short,
    start: new Date(Math.max(b.start, since)).toISOString(),
    end: new Date(Math.min(b.end, until)).toISOString(),
    opened: 0,
    fixed: 0,
    reopened: 0,
    backlog: 0,
    backlogBySeverity: zero(),
    breached: 0,
  }));
  const rowAt = (x: number) => rows[bks.findIndex((b) => x >= b.start && x < b.end)];
  const ttr: number[] = [];
  const ttrBy = new Map<string, number[]>();
  const slaBy = new Map<string, { fixed: number; withinSla: number }>();
  for (const e of entries) {
    for (const ep of eps.get(e.fingerprint) ?? []) {
      if (inPeriod(ep.start)) {
        const r = rowAt(ep.start);
        if (r) {
          if (ep.reopen) r.reopened++;
          else r.opened++;
        }
      }
      if (ep.end !== undefined && inPeriod(ep.end)) {
        const r = rowAt(ep.end);
        if (r) r.fixed++;
        const sev = severityAt(e, ep.end);
        const d = (ep.end - ep.start) / DAY;
        ttr.push(d);
        const bySev = ttrBy.get(sev);
        if (bySev) bySev.push(d);
        else ttrBy.set(sev, [d]);
        const s = slaState(e, sev, ep, opts.sla, ep.end, dueOf);
        ownerTally.fixed(e.owners, d, s ? s.state !== 'breached' : undefined);
        if (s) {
          const c = slaBy.get(sev) ?? { fixed: 0, withinSla: 0 };
          c.fixed++;
          if (s.state !== 'breached') c.withinSla++;
          slaBy.set(sev, c);
        }
      }
    }
  }
  bks.forEach((b, i) => {
    const at = Math.min(b.end - 1, until);
    const r = rows[i] as BucketRow;
    for (const e of entries) {
      const ep = openAt(eps.get(e.fingerprint) ?? [], at);
      if (!ep || exceptedAt(e, at)) continue;
      const sev = severityAt(e, at);
      r.backlog++;
      addCount(r.backlogBySeverity, sev);
      if (slaState(e, sev, ep, opts.sla, at, dueOf)?.state === 'breached') r.breached++;
    }
  });
  const opened = rows.reduce((a, r) => a + r.opened, 0);
  const fixed = rows.reduce((a, r) => a + r.fixed, 0);
  const reopened = rows.reduce((a, r) => a + r.reopened, 0);
  const weeks = Math.max((until - since) / WEEK, 1 / 7);
  const slaFixed = [...slaBy.values()].reduce((a, c) => a + c.fixed, 0);
  const slaWithin = [...slaBy.values()].reduce((a, c) => a + c.withinSla, 0);

  // Accepted risk expiring soon (the policy's exceptions).
  const expiringDays = opts.expiringDays ?? 30;
  const expiring = (opts.exceptions ?? [])
    .filter((x) => x.expires)
    .map((x) => {
      const endsAt = Date.parse(`${x.expires}T00:00:00Z`) + DAY;
      return {
        id: x.id,
        type: x.type,
        ...(x.approvedBy ? { approvedBy: x.approvedBy } : {}),
        expires: x.expires as string,
        msLeft: endsAt - until,
        daysLeft: wholeDays(endsAt - until),
        findings: exceptionFindings.get(x.id) ?? 0,
      };
    })
    .filter((x) => x.msLeft >= 0 && x.msLeft <= expiringDays * DAY && x.type !== 'sla-extension')
    .sort((a, b) => a.daysLeft - b.daysLeft || a.id.localeCompare(b.id))
    .map(({ msLeft: _msLeft, ...x }) => x);

  // Window of exposure: each episode's first production sighting to its fix (or `until`). A finding deployed, fixed
  // and reopened was exposed twice: one window per episode.
  const exposureRows: {
    e: LedgerEntry;
    severity: string;
    fingerprint: string;
    exposedSince: string;
    fixedAt?: string;
    days: number;
    episode: number;
  }[] = [];
  let exposedNow = 0;
  for (const e of entries) {
    const list = eps.get(e.fingerprint) ?? [];
    let openNow = false;
    for (const [i, from] of productionSightings(e, list, prodEnvs)) {
      if (from > until) continue;
      const endRaw = list[i]?.end;
      const to = endRaw !== undefined && endRaw <= until ? endRaw : until;
      if (to < since) continue;
      const stillOpen = endRaw === undefined || endRaw > until;
      if (stillOpen) openNow = true;
      const sev = severityAt(e, to);
      exposureRows.push({
        e,
        severity: sev,
        fingerprint: e.fingerprint,
        exposedSince: new Date(from).toISOString(),
        ...(stillOpen ? {} : { fixedAt: new Date(to).toISOString() }),
        days: (to - from) / DAY,
        episode: i + 1,
      });
    }
    if (openNow && !exceptedAt(e, until)) exposedNow++;
  }
  // Time to detect: publication of the vulnerability → first seen, for findings first seen in the period.
  const ttd: number[] = [];
  const ttdBy = new Map<string, number[]>();
  for (const e of entries) {
    const pub = t(e.published);
    const first = t(e.firstSeen);
    if (Number.isNaN(pub) || Number.isNaN(first) || !inPeriod(first)) continue;
    const d = Math.max(0, (first - pub) / DAY);
    const sev = severityAt(e, first);
    ttd.push(d);
    ttdBy.set(sev, [...(ttdBy.get(sev) ?? []), d]);
  }
  const expBy = new Map<string, number[]>();
  for (const r of exposureRows) {
    const bySev = expBy.get(r.severity);
    if (bySev) bySev.push(r.days);
    else expBy.set(r.severity, [r.days]);
  }
  exposureRows.sort((a, b) => b.days - a.days || a.fingerprint.localeCompare(b.fingerprint));

  // Verification coverage.
  const runsInPeriod = book.runs.filter((r) => inPeriod(t(r.at)));
  const toolKinds = new Map<string, Set<VerificationKind>>();
  const addKind = (tool: string, k: string) => {
    const a = KIND_TO_ACTIVITY[k];
    if (!a) return;
    const s = toolKinds.get(tool.toLowerCase()) ?? new Set();
    s.add(a);
    toolKinds.set(tool.toLowerCase(), s);
  };
  for (const r of book.runs) for (const [tool, ks] of Object.entries(r.toolKinds ?? {})) for (const k of ks) addKind(tool, k);
  for (const e of Object.values(book.entries)) addKind(e.tool, e.kind);
  const kindsOf = (tool: string): VerificationKind[] => {
    const known = toolKinds.get(tool.toLowerCase());
    if (known?.size) return ALL_VERIFICATION_KINDS.filter((k) => known.has(k));
    return KNOWN_TOOLS.find(([re]) => re.test(tool))?.[1] ?? [];
  };
  const toolRuns = new Map<string, { name: string; runs: number; last: number }>();
  for (const r of runsInPeriod) {
    for (const tool of r.tools) {
      const x = toolRuns.get(tool.toLowerCase()) ?? { name: tool, runs: 0, last: 0 };
      x.runs++;
      x.last = Math.max(x.last, t(r.at));
      toolRuns.set(tool.toLowerCase(), x);
    }
  }
  // The scanner activities always; a manual activity once the ledger has recorded one.
  const recorded = new Set<VerificationKind>();
  for (const ks of toolKinds.values()) for (const k of ks) recorded.add(k);
  const activities: VerificationKind[] = [...VERIFICATION_KINDS, ...MANUAL_KINDS.filter((k) => recorded.has(k))];
  const emptyKinds = () => Object.fromEntries(activities.map((k) => [k, [] as string[]])) as Record<VerificationKind, string[]>;
  const repository = emptyKinds();
  const tools = [...toolRuns.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((x) => {
      const kinds = kindsOf(x.name);
      for (const a of kinds) repository[a]?.push(x.name);
      return { tool: x.name, activities: kinds, runs: x.runs, lastRun: new Date(x.last).toISOString() };
    });
  const compMap = new Map<string, Record<VerificationKind, string[]>>();
  for (const e of Object.values(book.entries)) {
    const comp = e.component ?? '(no component)';
    const ran = toolRuns.get(e.tool.toLowerCase());
    const a = KIND_TO_ACTIVITY[e.kind];
    const row = compMap.get(comp) ?? emptyKinds();
    compMap.set(comp, row);
    if (ran && a && !row[a].includes(ran.name)) row[a].push(ran.name);
  }
  for (const row of compMap.values()) for (const k of activities) row[k].sort((a, b) => a.localeCompare(b));
  const components = [...compMap]
    .map(([component, activities]) => ({ component, activities }))
    .sort(
      (a, b) => (a.component.startsWith('(') ? 1 : 0) - (b.component.startsWith('(') ? 1 : 0) || a.component.localeCompare(b.component),
    );

  const verdicts = { pass: 0, warn: 0, fail: 0 };
  for (const r of runsInPeriod) verdicts[r.verdict]++;
  const lastRun = book.runs.reduce((a, r) => Math.max(a, t(r.at)), -Infinity);
  const slaBySeverity = Object.fromEntries(
    levels
      .filter((l) => opts.sla.days[l] !== undefined || slaBy.has(l))
      .map((l) => {
        const c = slaBy.get(l) ?? { fixed: 0, withinSla: 0 };
        return [l, { ...c, ...(c.fixed ? { compliance: c.withinSla / c.fixed } : {}) }];
      }),
  );
  const namedRows = (rows: SeverityRow[]) => rows.filter((r) => !r.key.startsWith('('));

  return {
    schema: 'defect-gate-metrics',
    version: METRICS_VERSION,
    generatedAt: opts.now.toISOString(),
    period: {
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      bucket: kind,
      days: Math.round(((until - since) / DAY) * 10) / 10,
    },
    levels,
    runs: {
      total: book.runs.length,
      inPeriod: runsInPeriod.length,
      production: runsInPeriod.filter((r) => prodEnvs.includes(r.environment)).length,
      ...(Number.isFinite(lastRun) ? { last: new Date(lastRun).toISOString() } : {}),
      verdicts,
    },
    open: {
      ...open,
      byComponent: byComponent.sorted(),
      byCwe: byCwe.sorted(),
      byTool: byTool.sorted(),
      byKind: byKind.sorted(),
      byPath: byPath.sorted(),
    },
    flow: { buckets: rows, opened, fixed, reopened },
    velocity: {
      weeks,
      openedPerWeek: opened / weeks,
      fixedPerWeek: fixed / weeks,
      netPerWeek: (opened + reopened - fixed) / weeks,
      ...(fixed ? { reopenRate: reopened / fixed } : {}),
    },
    timeToResolve: { overall: durationStat(ttr), bySeverity: Object.fromEntries(levels.map((l) => [l, durationStat(ttrBy.get(l) ?? [])])) },
    sla: {
      days: { ...opts.sla.days },
      fixed: slaFixed,
      fixedWithinSla: slaWithin,
      ...(slaFixed ? { compliance: slaWithin / slaFixed } : {}),
      bySeverity: slaBySeverity,
      openBreached: breaches.length,
      openDueSoon: dueSoon,
      breaches: breaches
        .slice(0, Math.max(top, 25))
        .map(({ e, severity, due, daysOverdue, ageDays }): BreachRow => ({ ...ref(e, severity), due, daysOverdue, ageDays })),
    },
    age: { levels: topLevels, buckets: age },
    acceptedRisk: { ...accepted, byApprover: countList(approvers), byType: countList(types), expiring },
    timeToDetect: { overall: detectStat(ttd), bySeverity: Object.fromEntries(levels.map((l) => [l, detectStat(ttdBy.get(l) ?? [])])) },
    exposure: {
      environments: prodEnvs,
      exposedNow,
      overall: durationStat(exposureRows.map((r) => r.days)),
      bySeverity: Object.fromEntries(levels.map((l) => [l, durationStat(expBy.get(l) ?? [])])),
      longest: exposureRows.slice(0, top).map(({ e, severity, exposedSince, fixedAt, days, episode }): ExposureRow => ({
        ...ref(e, severity),
        exposedSince,
        ...(fixedAt !== undefined ? { fixedAt } : {}),
        days,
        episode,
      })),
    },
    coverage: {
      activities,
      tools,
      repository,
      missing: activities.filter((k) => repository[k].length === 0),
      components,
    },
    hotSpots: {
      components: namedRows(byComponent.sorted()).slice(0, top),
      files: namedRows(byPath.sorted()).slice(0, top),
      cwes: namedRows(byCwe.sorted()).slice(0, top),
    },
    owners: ownerTally.result(),
  };
}

export { isoDay };
