import { isManualKind, type FixedFinding, type RatedFinding, type SlaInfo, type TrackStatus } from '../model';
import type { SlaSettings } from '../policy/compile';
import { computeSla } from './sla';
import { LedgerError, type LedgerBook, type LedgerEntry, type RunSnapshot } from './schema';
import { copyEntries, entryKeys, hotEntry, isFixedLine, seenAgain, setFixedKeys, setLastSeen, sha1 } from './lines';
import { addCount, ownRecord } from '../own';

/**
 * Merging one run into a ledger book. Pure: a function of the rated findings, the book, the tools that ran and `now`.
 *
 * - new: not open in the book (never seen, or seen and fixed → reopened); existing: open in the book.
 * - fixed: open in the book, not reported now, and its tool ran in this run (a scanner that did not run fixes nothing).
 * - SLA clock from first seen (or the scanner's firstDetectionTimeUtc when earlier), recomputed for the current
 *   severity, so a severity change moves the due date from first seen.
 */

export const MAX_EVENTS_PER_ENTRY = 50;
export const MAX_RUN_SNAPSHOTS = 2000;

export interface TrackInput {
  findings: RatedFinding[];
  book: LedgerBook;
  /** Names of the tools that ran in this run (with or without findings). */
  toolsRan: string[];
  sla: SlaSettings;
  now: Date;
  /** The gate profile of this run; each entry remembers when each environment first saw it (window of exposure). */
  environment?: string;
  /** Set when this run is to be written: a run dated before the book's last run is refused (checkRunDate). */
  runDate?: RunDateRule;
  /**
   * The findings are the caller's own objects (the engine's rated copies): each is completed in place (status, first
   * seen, SLA) instead of copied. Issue #21: a copy made by spreading a rated finding and adding members is an object
   * V8 reads slowly, and every later pass (gate, counts, sort, reports) paid for it on each of 10,000 findings.
   */
  inPlace?: boolean;
}

/** How a run to be written is dated, for checkRunDate. */
export interface RunDateRule {
  /** Record it even when it is dated before the book's last run (`--allow-backdated`). */
  allowBackdated?: boolean;
  /**
   * The clock the run's date was read from, read again when the run is merged; absent when the date was given
   * (`--now`). A run dated by the clock may be written after a run that started later (concurrent runs), so it is
   * refused only when the book's last run is ahead of this clock by more than CLOCK_SKEW_MS (a wrong clock).
   */
  clock?: () => Date;
}

/** How far clocks of different machines writing one ledger (runners, agents) may disagree. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A run that would be recorded before the ledger's last run: its fixes and sightings would rewrite history. */
export class BackdatedRunError extends LedgerError {
  constructor(message: string) {
    super('ledger', message);
    this.name = 'BackdatedRunError';
  }
}

/** The time of the book's latest run snapshot (ISO 8601), if any. */
export function lastRunAt(book: LedgerBook): string | undefined {
  let last: string | undefined;
  let lastMs = -Infinity;
  for (const r of book.runs) {
    const t = Date.parse(r.at);
    if (t > lastMs) {
      lastMs = t;
      last = r.at;
    }
  }
  return last;
}

/**
 * Refuses to record a run dated before the book's last run (unless `allowBackdated`): a backdated run would mark
 * findings fixed, seen or opened in the past of runs already recorded (a fix "within SLA" after the fact, negative
 * ages). Throws BackdatedRunError. Pure; both ledger stores get it through the merge (trackRun, `reapply`).
 */
export function checkRunDate(book: LedgerBook, at: Date, rule: RunDateRule = {}): void {
  if (rule.allowBackdated) return;
  const last = lastRunAt(book);
  if (last === undefined || Date.parse(last) <= at.getTime()) return;
  const runAt = at.toISOString();
  if (rule.clock) {
    const clock = rule.clock();
    if (Date.parse(last) <= clock.getTime() + CLOCK_SKEW_MS) return;
    throw new BackdatedRunError(
      `run dated ${runAt} is before the ledger's last run ${last}, which is ahead of this machine's clock (${clock.toISOString()}); ` +
        'check the clocks of the machines that write this ledger, or pass --allow-backdated to record it anyway',
    );
  }
  throw new BackdatedRunError(`run dated ${runAt} is before the ledger's last run ${last}; pass --allow-backdated to record it anyway`);
}

export interface TrackResult {
  findings: RatedFinding[];
  fixed: FixedFinding[];
  /** The book after this run (the caller decides whether to write it). */
  next: LedgerBook;
  /** Open, gated entries of `next` by severity (the run snapshot's `open`), counted while merging. */
  open: Record<string, number>;
}

/** The earlier of two times (`b` only when it is a readable time), as ISO 8601. */
export function earlier(a: string, b: string | undefined): string {
  if (!b) return a;
  const tb = Date.parse(b);
  return !Number.isNaN(tb) && tb < Date.parse(a) ? new Date(tb).toISOString() : a;
}

function pushEvent(e: LedgerEntry, ev: LedgerEntry['events'][number]): void {
  e.events.push(ev);
  if (e.events.length > MAX_EVENTS_PER_ENTRY) e.events.splice(1, e.events.length - MAX_EVENTS_PER_ENTRY); // keep the first
}

export function slaFor(
  f: RatedFinding,
  entry: Pick<LedgerEntry, 'firstSeen' | 'reopenedAt' | 'kevDueDate'>,
  sla: SlaSettings,
  now: Date,
): SlaInfo | undefined {
  const ext = f.exception;
  const extends_ = ext && ext.type === 'sla-extension' && (ext.state === 'active' || ext.state === 'expiring') && ext.due;
  return computeSla(
    {
      severity: f.severity,
      ...(f.criticality ? { criticality: f.criticality } : {}),
      firstSeen: entry.firstSeen,
      ...(entry.reopenedAt ? { reopenedAt: entry.reopenedAt } : {}),
      ...(entry.kevDueDate ? { kevDueDate: entry.kevDueDate } : {}),
      ...(extends_ && ext.due
        ? {
            extendedDue: {
              due: `${ext.due}T23:59:59.999Z`,
              reason: `SLA extension ${ext.id} to ${ext.due}${ext.approvedBy ? `, approved by ${ext.approvedBy}` : ''}`,
            },
          }
        : {}),
    },
    sla,
    now,
  );
}

/** Records when an exception started and stopped applying to the entry (accountability over time). */
function recordException(e: LedgerEntry, f: RatedFinding, nowIso: string): void {
  const applying = f.exception && (f.exception.state === 'active' || f.exception.state === 'expiring') ? f.exception : undefined;
  const history = e.exceptions ?? [];
  let changed = false;
  for (const h of history) {
    if (h.to === undefined && h.id !== applying?.id) {
      h.to = nowIso;
      changed = true;
    }
  }
  if (applying && !history.some((h) => h.id === applying.id && h.to === undefined)) {
    history.push({
      id: applying.id,
      type: applying.type,
      from: nowIso,
      ...(applying.approvedBy ? { approvedBy: applying.approvedBy } : {}),
    });
    changed = true;
  }
  if (changed || e.exceptions) e.exceptions = history.slice(-MAX_EVENTS_PER_ENTRY);
}

/** A new, open ledger entry for `f`: identity, first and last seen, the `opened` event at `openedAt`. */
function openedEntry(f: RatedFinding, firstSeen: string, nowIso: string, o: { gated: boolean; openedAt: string }): LedgerEntry {
  return {
    fingerprint: f.fingerprint,
    tool: f.tool.name,
    ruleId: f.ruleId,
    title: f.title,
    kind: f.kind,
    firstSeen,
    lastSeen: nowIso,
    state: 'open',
    reopenedCount: 0,
    severity: f.severity,
    gated: o.gated,
    events: [{ at: o.openedAt, type: 'opened', severity: f.severity }],
  };
}

/**
 * The entry of a finding its input says is fixed (`fixed.on`, kept between its first sighting and the run): a new entry
 * opened at its first detection and fixed on that day; an open entry fixed on that day (listed in `fixed`); an entry
 * already fixed stays as it is.
 */
function recordFixed(f: RatedFinding, prev: LedgerEntry | undefined, now: Date, fixed: FixedFinding[]): LedgerEntry {
  const nowIso = now.toISOString();
  if (prev?.state === 'fixed') return { ...prev, events: [...prev.events], lastSeen: nowIso, title: f.title };
  const firstSeen = prev ? earlier(prev.firstSeen, f.firstDetected) : earlier(nowIso, f.firstDetected);
  const on = f.fixed?.on !== undefined && !Number.isNaN(Date.parse(f.fixed.on)) ? Date.parse(f.fixed.on) : now.getTime();
  const fixedAt = new Date(Math.min(now.getTime(), Math.max(Date.parse(firstSeen), on))).toISOString();
  const entry: LedgerEntry = prev
    ? { ...prev, events: [...prev.events], firstSeen, lastSeen: nowIso, title: f.title }
    : // A real defect, counted by metrics (time to fix, SLA compliance); the finding itself is not gated.
      openedEntry(f, firstSeen, nowIso, { gated: true, openedAt: firstSeen });
  if (f.path !== undefined) entry.path = f.path;
  if (f.startLine !== undefined) entry.startLine = f.startLine;
  if (f.location !== undefined) entry.location = f.location;
  if (f.component !== undefined) entry.component = f.component;
  if (f.criticality !== undefined) entry.criticality = f.criticality;
  if (f.owners?.length) entry.owners = f.owners;
  if (f.cwe.length > 0) entry.cwe = f.cwe;
  entry.state = 'fixed';
  entry.fixedAt = fixedAt;
  pushEvent(entry, { at: fixedAt, type: 'fixed' });
  if (prev) {
    fixed.push({
      fingerprint: entry.fingerprint,
      tool: { name: entry.tool },
      ruleId: entry.ruleId,
      title: entry.title,
      severity: entry.severity,
      ...(entry.path ? { path: entry.path } : {}),
      ...(entry.startLine ? { startLine: entry.startLine } : {}),
      ...(entry.location ? { location: entry.location } : {}),
      firstSeen: entry.firstSeen,
      fixedAt,
    });
  }
  return entry;
}

/** Gated before exceptions: an exception that took it out of the gate is applied again by later runs. */
export function gatedBeforeExceptions(f: RatedFinding): boolean {
  if (f.gated) return true;
  const x = f.exception;
  return (
    x !== undefined &&
    (x.state === 'active' || x.state === 'expiring') &&
    x.type !== 'sla-extension' &&
    (f.notGatedReason?.startsWith(`exception ${x.id} (`) ?? false)
  );
}

const MAX_SEEN_LIST = 20;

/**
 * What the entry keeps of the latest sighting beyond identity and location (issue #19 part C): the scanner's rating
 * inputs, so that `gate-scope: ledger` can gate and except it in runs its tool is not in; the CVE's publication date
 * (time to detect); and every episode's first sighting per environment (window of exposure over all episodes).
 */
export function recordSighting(
  entry: LedgerEntry,
  f: RatedFinding,
  environment: string | undefined,
  nowIso: string,
  status: TrackStatus,
): void {
  const score = f.securitySeverity ?? f.cvss?.score;
  const seen: NonNullable<LedgerEntry['seen']> = { gated: gatedBeforeExceptions(f) };
  if (!seen.gated && f.notGatedReason) seen.notGatedReason = f.notGatedReason.slice(0, 300);
  if (f.level) seen.level = f.level;
  if (f.scannerSeverity) seen.scannerSeverity = f.scannerSeverity.slice(0, 50);
  if (score !== undefined && Number.isFinite(score)) seen.score = score;
  if (f.cve.length) seen.cve = f.cve.slice(0, MAX_SEEN_LIST);
  if (f.tags.length) seen.tags = f.tags.slice(0, MAX_SEEN_LIST);
  if (f.package) {
    seen.package = {
      name: f.package.name,
      ...(f.package.ecosystem ? { ecosystem: f.package.ecosystem } : {}),
      ...(f.package.version ? { version: f.package.version } : {}),
      ...(f.package.fixedVersions?.length ? { fixedVersions: f.package.fixedVersions.slice(0, 5) } : {}),
    };
  }
  if (f.exploit?.kev !== undefined) seen.kev = f.exploit.kev;
  if (f.exploit?.epss !== undefined) seen.epss = f.exploit.epss;
  entry.seen = seen;
  if (f.published) entry.published = earlier(f.published, entry.published);
  if (environment) recordExposure(entry, environment, nowIso, status);
}

/**
 * Adds this episode's first sighting by `environment` to `exposures` (called before `environments` is updated). An
 * episode is the time from opening (or reopening, `reopenedAt`) to the fix; a sighting already recorded at or after
 * the episode's start is kept.
 */
function recordExposure(entry: LedgerEntry, environment: string, nowIso: string, status: TrackStatus): void {
  const had = entry.exposures && Object.hasOwn(entry.exposures, environment) ? (entry.exposures[environment] as string[]) : [];
  const last = had[had.length - 1];
  const episodeStart = status === 'existing' ? entry.reopenedAt : nowIso;
  if (status === 'existing' && last !== undefined && (episodeStart === undefined || Date.parse(last) >= Date.parse(episodeStart))) return;
  const list = [...had];
  // A ledger written before `exposures` has the latest episode's sighting in `environments`: kept as the first.
  const legacy = entry.environments && Object.hasOwn(entry.environments, environment) ? entry.environments[environment] : undefined;
  if (list.length === 0 && legacy && status !== 'new') list.push(legacy);
  const legacyIsThisEpisode =
    status === 'existing' &&
    legacy !== undefined &&
    list.length === 1 &&
    (episodeStart === undefined || Date.parse(legacy) >= Date.parse(episodeStart));
  if (!legacyIsThisEpisode) list.push(nowIso);
  const exposures = ownRecord<string[]>();
  for (const [k, v] of Object.entries(entry.exposures ?? {})) exposures[k] = v;
  exposures[environment] = list.slice(-MAX_EVENTS_PER_ENTRY);
  entry.exposures = { ...exposures };
}

/**
 * A digest of everything a sighting of `f` writes into its entry (the members trackRun and recordSighting set from the
 * finding, the environment, the exception that applies): two sightings with the same digest leave an open entry as
 * it was, but for `lastSeen` (src/ledger/lines.ts: such an entry is not even parsed). It may hold more than is written
 * (a value written truncated is taken whole), never less: a member missing here would be left stale.
 */
export function sightingDigest(f: RatedFinding, environment: string | undefined): string {
  const x = f.exception;
  const applying = x && (x.state === 'active' || x.state === 'expiring') ? x : undefined;
  const p = f.package;
  const e = f.exploit;
  // JSON of an array: each value typed and delimited (undefined and a missing list both become null: no value is null).
  return sha1(
    JSON.stringify([
      f.title,
      f.severity,
      f.gated,
      f.path,
      f.startLine,
      f.location,
      f.component,
      f.criticality,
      f.owners,
      f.cwe,
      gatedBeforeExceptions(f),
      f.notGatedReason,
      f.level,
      f.scannerSeverity,
      f.securitySeverity,
      f.cvss?.score,
      f.cve,
      f.tags,
      p === undefined ? undefined : [p.name, p.ecosystem, p.version, p.fixedVersions],
      e?.kev,
      e?.epss,
      e?.kevDueDate,
      f.published,
      environment,
      applying?.id,
      applying?.type,
      applying?.approvedBy,
    ]),
  );
}

/**
 * SLA clocks of one run, shared by findings whose clock has the same inputs (severity, criticality, first seen, reopen,
 * KEV due date): a ledger's findings mostly share a few first-seen times, and 10,000 clocks computed one by one (dates
 * parsed, explanations built) were a tenth of the merge (issue #21). A finding with an exception is computed alone (an
 * SLA extension replaces its due date). The shared SlaInfo objects are read-only, as every SlaInfo is.
 */
export class SlaClocks {
  private readonly memo = new Map<string, SlaInfo | undefined>();

  constructor(
    private readonly sla: SlaSettings,
    private readonly now: Date,
  ) {}

  of(f: RatedFinding, entry: Pick<LedgerEntry, 'firstSeen' | 'reopenedAt' | 'kevDueDate'>): SlaInfo | undefined {
    if (f.exception) return slaFor(f, entry, this.sla, this.now);
    const key = `${f.severity}\u0000${f.criticality ?? ''}\u0000${entry.firstSeen}\u0000${entry.reopenedAt ?? ''}\u0000${entry.kevDueDate ?? ''}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const info = slaFor(f, entry, this.sla, this.now);
    this.memo.set(key, info);
    return info;
  }
}

/** The finding with its ledger status, first seen and SLA: itself when it is the caller's own (`inPlace`), else a copy. */
function completed(f: RatedFinding, status: TrackStatus, firstSeen: string, sla: SlaInfo | undefined, inPlace = false): RatedFinding {
  const t: RatedFinding = inPlace ? f : { ...f };
  t.status = status;
  t.firstSeen = firstSeen;
  if (sla) t.sla = sla;
  return t;
}

/** A copy of a book's entry that this run may change (its events too; nested records are replaced, not changed). */
function touch(e: LedgerEntry): LedgerEntry {
  return { ...e, events: [...e.events] };
}

export function trackRun(input: TrackInput): TrackResult {
  if (input.runDate) checkRunDate(input.book, input.now, input.runDate);
  const nowIso = input.now.toISOString();
  // Without a prototype: fingerprints are scanner text (a SARIF fingerprint may be "constructor" or "__proto__").
  // The book's entries are shared, not copied (issue #21: 13,000 copies were a fifth of the merge): an entry is copied
  // when this run changes it (touch), so the input book is never modified and an entry no run touched is the very
  // object that was read.
  // Entries read lazily (src/ledger/lines.ts) stay so unless this run changes them.
  const entries = copyEntries(input.book.entries);
  const seen = new Set<string>();
  const findings: RatedFinding[] = [];
  const fixed: FixedFinding[] = [];
  const clocks = new SlaClocks(input.sla, input.now);
  // What each seen entry counts in the snapshot's `open` (its severity when open and gated): the last sighting's.
  const counted = new Map<string, string | undefined>();
  // Every entry that may be fixed after this run (all that are, maybe more): compaction looks at these only.
  const fixedNow = new Set<string>();
  for (const f of input.findings) {
    seen.add(f.fingerprint);
    const digest = f.fixed ? undefined : sightingDigest(f, input.environment);
    const again = digest === undefined ? undefined : seenAgain(entries, f.fingerprint, digest);
    if (again !== undefined && earlier(again.firstSeen, f.firstDetected) === again.firstSeen) {
      // Open, and seen again as it was last seen (the digest covers severity and gated too): the same entry but for
      // lastSeen, which is what the code below would write; its line is not parsed (src/ledger/lines.ts).
      setLastSeen(entries, f.fingerprint, again, nowIso);
      counted.set(f.fingerprint, f.gated ? f.severity : undefined);
      findings.push(completed(f, 'existing', again.firstSeen, f.gated ? clocks.of(f, again) : undefined, input.inPlace));
      continue;
    }
    const read = entries[f.fingerprint];
    if (f.fixed) {
      // The input says it is fixed (a manual finding's `status: fixed`): recorded as fixed on its day, never reopened.
      const done = recordFixed(f, read, input.now, fixed);
      entries[f.fingerprint] = done;
      counted.set(f.fingerprint, undefined);
      fixedNow.add(f.fingerprint);
      findings.push(completed(f, read ? 'existing' : 'new', done.firstSeen, undefined, input.inPlace));
      continue;
    }
    let status: TrackStatus;
    let entry: LedgerEntry;
    const kev = f.exploit?.kevDueDate;
    const prev = read && touch(read);
    if (!prev) {
      status = 'new';
      const firstSeen = earlier(nowIso, f.firstDetected);
      entry = openedEntry(f, firstSeen, nowIso, { gated: f.gated, openedAt: nowIso });
    } else {
      entry = prev;
      if (prev.state === 'fixed') {
        status = 'reopened';
        entry.state = 'open';
        entry.reopenedCount += 1;
        entry.reopenedAt = nowIso;
        delete entry.fixedAt;
        pushEvent(entry, { at: nowIso, type: 'reopened', severity: f.severity });
      } else {
        status = 'existing';
      }
      if (entry.severity !== f.severity) {
        pushEvent(entry, { at: nowIso, type: 'severity', severity: f.severity });
        entry.severity = f.severity;
      }
      entry.firstSeen = earlier(entry.firstSeen, f.firstDetected);
      entry.lastSeen = nowIso;
      entry.gated = f.gated;
      entry.title = f.title;
    }
    // Location and identity details follow the latest sighting.
    if (f.path !== undefined) entry.path = f.path;
    else delete entry.path;
    if (f.startLine !== undefined) entry.startLine = f.startLine;
    else delete entry.startLine;
    if (f.location !== undefined) entry.location = f.location;
    if (f.component !== undefined) entry.component = f.component;
    if (f.criticality !== undefined) entry.criticality = f.criticality;
    else delete entry.criticality;
    if (f.owners?.length) entry.owners = f.owners;
    else delete entry.owners;
    if (entry.ticket) entry.ticket = { ...entry.ticket };
    if (f.cwe.length > 0) entry.cwe = f.cwe;
    recordSighting(entry, f, input.environment, nowIso, status);
    if (input.environment && (status !== 'existing' || !entry.environments?.[input.environment])) {
      // A reopened finding starts a new exposure; an existing one keeps the first sighting.
      entry.environments = { ...(entry.environments ?? {}), [input.environment]: nowIso };
    }
    if (kev) entry.kevDueDate = kev;
    if (entry.exceptions) entry.exceptions = entry.exceptions.map((h) => ({ ...h }));
    recordException(entry, f, nowIso);
    entry.sighting = digest;
    entries[f.fingerprint] = entry;
    counted.set(f.fingerprint, entry.gated ? entry.severity : undefined);
    findings.push(completed(f, status, entry.firstSeen, f.gated ? clocks.of(f, entry) : undefined, input.inPlace));
  }
  const ran = new Set(input.toolsRan.map((t) => t.toLowerCase()));
  const open = ownRecord<number>();
  for (const severity of counted.values()) if (severity !== undefined) addCount(open, severity);
  const keys = entryKeys(entries);
  for (let i = 0; i < keys.length; i++) {
    const fp = keys[i] as string;
    if (counted.has(fp)) continue; // seen in this run (a fingerprint is the entry's key)
    if (isFixedLine(entries, fp)) {
      fixedNow.add(fp); // fixed before, not seen again: unchanged, and not parsed
      continue;
    }
    const read = hotEntry(entries, fp);
    // Manual findings are fixed by their file saying so (`status: fixed`), not by leaving the file out of a run.
    if (read.state !== 'open' || seen.has(read.fingerprint) || !ran.has(read.tool.toLowerCase()) || isManualKind(read.kind)) {
      if (read.state === 'open' && read.gated) addCount(open, read.severity);
      if (read.state === 'fixed') fixedNow.add(fp);
      continue;
    }
    fixedNow.add(fp);
    const e = touch(entries[fp] as LedgerEntry);
    entries[fp] = e;
    e.state = 'fixed';
    e.fixedAt = nowIso;
    pushEvent(e, { at: nowIso, type: 'fixed' });
    fixed.push({
      fingerprint: e.fingerprint,
      tool: { name: e.tool },
      ruleId: e.ruleId,
      title: e.title,
      severity: e.severity,
      ...(e.path ? { path: e.path } : {}),
      ...(e.startLine ? { startLine: e.startLine } : {}),
      ...(e.location ? { location: e.location } : {}),
      firstSeen: e.firstSeen,
      fixedAt: nowIso,
    });
  }
  fixed.sort((a, b) => a.severity.localeCompare(b.severity) || a.fingerprint.localeCompare(b.fingerprint));
  setFixedKeys(entries, fixedNow);
  return { findings, fixed, next: { entries, runs: input.book.runs }, open: { ...open } };
}

/**
 * Adds a run snapshot (for trends) in date order, after runs of the same time, keeping the newest MAX_RUN_SNAPSHOTS.
 * (A run is usually the latest; concurrent runs and `--allow-backdated` runs are not.)
 */
export function withSnapshot(book: LedgerBook, snap: RunSnapshot): LedgerBook {
  const t = Date.parse(snap.at);
  let i = book.runs.length;
  while (i > 0 && Date.parse((book.runs[i - 1] as RunSnapshot).at) > t) i--;
  const runs = [...book.runs.slice(0, i), snap, ...book.runs.slice(i)];
  return { entries: book.entries, runs: runs.length > MAX_RUN_SNAPSHOTS ? runs.slice(runs.length - MAX_RUN_SNAPSHOTS) : runs };
}
