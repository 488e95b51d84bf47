/**
 * The ledger's hot path (issue #21): whether a parsed ledger document is *exactly* the shape of LedgerFileSchema as
 * defect-gate writes it, checked by hand in one pass (zod took ~60 % of `check --ledger` on a 10k-finding ledger).
 *
 * `true` only when zod would accept the document and return it unchanged: every member known, every type as the
 * schema says, every time in the form `Date#toISOString` writes (and a date that exists). Anything else — an unknown
 * member, a time in another ISO 8601 form, a damaged value — answers `false`, and the caller validates with zod, which
 * accepts what it accepts and names the first problem with its JSON path (schema.ts `migrateLedger`). So this check
 * can only make a valid ledger faster, never let an invalid one through or change an error.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const strs = (v: unknown): boolean => Array.isArray(v) && v.every(isStr);

/** Only `allowed` members (JSON.parse makes plain objects: own enumerable keys are all there is). */
function only(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k of Object.keys(o)) if (!allowed.has(k)) return false;
  return true;
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

class Checker {
  /** Times already checked in this document (a ledger repeats its run times thousands of times). */
  private readonly times = new Set<string>();

  time(v: unknown): boolean {
    if (typeof v !== 'string') return false;
    if (this.times.has(v)) return true;
    if (!CANONICAL_TIME.test(v)) return false;
    const d = new Date(v);
    // A date that does not exist (2026-02-30) or a 24:00 rolls over: it does not read back the same.
    if (Number.isNaN(d.getTime()) || d.toISOString() !== v) return false;
    this.times.add(v);
    return true;
  }

  opt(o: Obj, k: string, test: (v: unknown) => boolean): boolean {
    return !Object.hasOwn(o, k) || test(o[k]);
  }

  event = (v: unknown): boolean => {
    if (!isObj(v)) return false;
    let required = 0;
    for (const k in v) {
      const x = v[k];
      if (k === 'at') {
        if (!this.time(x)) return false;
        required++;
      } else if (k === 'type') {
        if (x !== 'opened' && x !== 'fixed' && x !== 'reopened' && x !== 'severity') return false;
        required++;
      } else if (k !== 'severity' || typeof x !== 'string') return false;
    }
    return required === 2;
  };

  exception = (v: unknown): boolean =>
    isObj(v) &&
    only(v, EXCEPTION) &&
    isStr(v.id) &&
    isStr(v.type) &&
    this.time(v.from) &&
    this.opt(v, 'to', (x) => this.time(x)) &&
    this.opt(v, 'approvedBy', isStr);

  /** One pass over the entry's members (no closures per entry: this runs for every finding of the ledger). */
  entry = (v: unknown): boolean => {
    if (!isObj(v)) return false;
    let required = 0;
    for (const k in v) {
      const x = v[k];
      switch (k) {
        case 'fingerprint':
        case 'tool':
        case 'ruleId':
        case 'title':
        case 'kind':
        case 'severity':
          if (typeof x !== 'string') return false;
          required++;
          break;
        case 'firstSeen':
        case 'lastSeen':
          if (!this.time(x)) return false;
          required++;
          break;
        case 'state':
          if (x !== 'open' && x !== 'fixed') return false;
          required++;
          break;
        case 'reopenedCount':
          if (!isInt(x) || (x as number) < 0) return false;
          required++;
          break;
        case 'gated':
          if (typeof x !== 'boolean') return false;
          required++;
          break;
        case 'events':
          if (!Array.isArray(x)) return false;
          for (const ev of x) if (!this.event(ev)) return false;
          required++;
          break;
        case 'path':
        case 'location':
        case 'component':
        case 'kevDueDate':
        case 'sighting':
          if (typeof x !== 'string') return false;
          break;
        case 'startLine':
          if (!isInt(x)) return false;
          break;
        case 'criticality':
          if (x !== 'high' && x !== 'medium' && x !== 'low') return false;
          break;
        case 'owners':
        case 'cwe':
          if (!strs(x)) return false;
          break;
        case 'ticket':
          if (!ticket(x)) return false;
          break;
        case 'environments':
          if (!isObj(x)) return false;
          for (const t in x) if (!this.time(x[t])) return false;
          break;
        case 'exposures':
          if (!isObj(x)) return false;
          for (const env in x) {
            const l = x[env];
            if (!Array.isArray(l)) return false;
            for (const t of l) if (!this.time(t)) return false;
          }
          break;
        case 'seen':
          if (!seen(x)) return false;
          break;
        case 'published':
        case 'fixedAt':
        case 'reopenedAt':
          if (!this.time(x)) return false;
          break;
        case 'exceptions':
          if (!Array.isArray(x)) return false;
          for (const h of x) if (!this.exception(h)) return false;
          break;
        default:
          return false;
      }
    }
    return required === ENTRY_REQUIRED;
  };

  run = (v: unknown): boolean => {
    if (!isObj(v) || !only(v, RUN)) return false;
    const o = (k: string, test: (x: unknown) => boolean) => this.opt(v, k, test);
    return (
      this.time(v.at) &&
      isStr(v.environment) &&
      o('event', isStr) &&
      o('ref', isStr) &&
      o('sha', isStr) &&
      o('runId', isStr) &&
      strs(v.tools) &&
      o('incomplete', strs) &&
      o('toolKinds', (x) => isObj(x) && Object.values(x).every(strs)) &&
      isObj(v.open) &&
      Object.values(v.open).every(isInt) &&
      isInt(v.new) &&
      isInt(v.fixed) &&
      isInt(v.reopened) &&
      isInt(v.slaBreached) &&
      isInt(v.slaDueSoon) &&
      (v.verdict === 'pass' || v.verdict === 'warn' || v.verdict === 'fail')
    );
  };

  entries(o: Obj): boolean {
    for (const k in o) if (!this.entry(o[k])) return false;
    return true;
  }

  book = (v: unknown): boolean =>
    isObj(v) &&
    only(v, BOOK) &&
    isObj(v.entries) &&
    this.entries(v.entries) &&
    Array.isArray(v.runs) &&
    v.runs.every(this.run) &&
    this.opt(v, 'approvals', (x) => isObj(x) && Object.values(x).every(approval));
}

const set = (...keys: string[]): ReadonlySet<string> => new Set(keys);
const EXCEPTION = set('id', 'type', 'from', 'to', 'approvedBy');
const TICKET = set('tracker', 'repo', 'number', 'hash', 'state', 'remindedFor');
const PACKAGE = set('ecosystem', 'name', 'version', 'fixedVersions');
/** fingerprint, tool, ruleId, title, kind, severity, firstSeen, lastSeen, state, reopenedCount, gated, events. */
const ENTRY_REQUIRED = 12;
const RUN = set(
  'at',
  'environment',
  'event',
  'ref',
  'sha',
  'runId',
  'tools',
  'incomplete',
  'toolKinds',
  'open',
  'new',
  'fixed',
  'reopened',
  'slaBreached',
  'slaDueSoon',
  'verdict',
);
const BOOK = set('entries', 'runs', 'approvals');
const FILE = set('schema', 'version', 'updatedAt', 'integrity', 'books');
const INTEGRITY = set('sha1', 'redaction');
const APPROVAL = set('approvers', 'pr', 'commit', 'problem');
const APPROVER = set('login', 'team');
const PR = set('number', 'url', 'mergedAt', 'author');

const optIn = (o: Obj, k: string, test: (v: unknown) => boolean): boolean => !Object.hasOwn(o, k) || test(o[k]);

function ticket(v: unknown): boolean {
  return (
    isObj(v) &&
    only(v, TICKET) &&
    isStr(v.tracker) &&
    isStr(v.repo) &&
    isInt(v.number) &&
    optIn(v, 'hash', isStr) &&
    optIn(v, 'state', (x) => x === 'open' || x === 'closed' || x === 'not-planned') &&
    optIn(v, 'remindedFor', isStr)
  );
}

/** One pass over `seen` (one per entry). */
function seen(v: unknown): boolean {
  if (!isObj(v)) return false;
  let gated = false;
  for (const k in v) {
    const x = v[k];
    switch (k) {
      case 'gated':
        if (typeof x !== 'boolean') return false;
        gated = true;
        break;
      case 'notGatedReason':
      case 'scannerSeverity':
        if (typeof x !== 'string') return false;
        break;
      case 'level':
        if (x !== 'error' && x !== 'warning' && x !== 'note' && x !== 'none') return false;
        break;
      case 'score':
      case 'epss':
        if (!isNum(x)) return false;
        break;
      case 'cve':
      case 'tags':
        if (!strs(x)) return false;
        break;
      case 'kev':
        if (typeof x !== 'boolean') return false;
        break;
      case 'package':
        if (
          !isObj(x) ||
          !only(x, PACKAGE) ||
          !isStr(x.name) ||
          !optIn(x, 'ecosystem', isStr) ||
          !optIn(x, 'version', isStr) ||
          !optIn(x, 'fixedVersions', strs)
        )
          return false;
        break;
      default:
        return false;
    }
  }
  return gated;
}

function approval(v: unknown): boolean {
  return (
    isObj(v) &&
    only(v, APPROVAL) &&
    Array.isArray(v.approvers) &&
    v.approvers.every((a) => isObj(a) && only(a, APPROVER) && isStr(a.login) && optIn(a, 'team', isStr)) &&
    optIn(
      v,
      'pr',
      (p) =>
        isObj(p) && only(p, PR) && isInt(p.number) && optIn(p, 'url', isStr) && optIn(p, 'mergedAt', isStr) && optIn(p, 'author', isStr),
    ) &&
    optIn(v, 'commit', isStr) &&
    optIn(v, 'problem', isStr)
  );
}

/** True when `doc` is exactly a current-version ledger file as defect-gate writes it (see the top of this file). */
export function isWrittenLedger(doc: unknown, version: number): boolean {
  if (!isObj(doc) || !only(doc, FILE)) return false;
  if (doc.schema !== 'defect-gate-ledger' || doc.version !== version || !isStr(doc.updatedAt) || !isObj(doc.books)) return false;
  if (!optIn(doc, 'integrity', (v) => isObj(v) && only(v, INTEGRITY) && isStr(v.sha1) && isStr(v.redaction))) return false;
  const c = new Checker();
  return Object.values(doc.books).every(c.book);
}

/** The same check for one entry (src/ledger/lines.ts reads entries one by one). */
export function isWrittenEntry(entry: unknown): boolean {
  return new Checker().entry(entry);
}

/** The same check for one book (the branch store reads books shard by shard). */
export function isWrittenBook(book: unknown): boolean {
  return new Checker().book(book);
}
