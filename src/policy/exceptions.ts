import { createHash } from 'node:crypto';
import type { Finding, VerifiedApproval } from '../model';
import { normalizeVulnId } from '../ingest/ecosystem';
import { parseSeverityComparison, ranksFor } from './compare';
import type { ExceptionEntryInput, PolicyParsed } from './schema';
import { compileVersionRange } from './version-range';
import { globMatcher } from './glob';
import { ownRecord } from '../own';

/** Exceptions ready to apply: matchers compiled once; dates as timestamps. */

export const DAY = 86_400_000;

export interface CompiledException {
  id: string;
  type: ExceptionEntryInput['type'];
  entry: ExceptionEntryInput;
  /** Where it was written (policy file or included file), for reports. */
  file: string;
  test: (f: Finding) => boolean;
  /** First instant it no longer applies (the day after `expires`), or undefined when it never expires. */
  endsAt?: number;
  approvedAt?: number;
  /** For sla-extension: the new due date (end of that day, UTC). */
  dueAt?: number;
  /** The approval verified from GitHub (set by the shell, src/github/approvals.ts), when `approvers` is set. */
  approval?: VerifiedApproval;
  /** A hash of the entry as written: the approval cache's key, with the id. */
  contentHash: string;
}

/** `exceptions.approvers`, compiled. */
export interface ApproverSettings {
  /** Lower-cased logins. */
  users: Set<string>;
  /** `org/team-slug`, as written. */
  teams: string[];
  /** Approvals needed by finding severity, and `default`. */
  min: Record<string, number>;
  notRequester: boolean;
}

export interface ExceptionSettings {
  entries: CompiledException[];
  /** Longest approved-on → expires window per level, days. */
  maxDays: Record<string, number>;
  /** Ranks each type may apply to (undefined: all). */
  allow: Partial<Record<ExceptionEntryInput['type'], Set<number>>>;
  expiringDays: number;
  approvers?: ApproverSettings;
  /** `verify-approvals` (enforce when approvers are set, else off). */
  verify: 'enforce' | 'warn' | 'off';
}

const asList = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const dayStart = (d: string) => Date.parse(`${d}T00:00:00Z`);

export function compileException(e: ExceptionEntryInput, file: string): CompiledException {
  const m = e.match;
  const tests: ((f: Finding) => boolean)[] = [];
  const fps = asList(m.fingerprint);
  if (fps) {
    const set = new Set(fps);
    tests.push((f) => set.has(f.fingerprint) || set.has(f.fingerprint.replace(/~\d+$/, '')));
  }
  const rules = asList(m.rule);
  if (rules) {
    const t = globMatcher(rules);
    tests.push((f) => t(f.ruleId));
  }
  const paths = asList(m.path);
  if (paths) {
    const t = globMatcher(paths);
    tests.push((f) => f.path !== undefined && t(f.path));
  }
  const tools = asList(m.tool);
  if (tools) {
    const t = globMatcher(tools, { nocase: true });
    tests.push((f) => t(f.tool.name) || (f.alsoReportedBy ?? []).some((x) => t(x.name)));
  }
  const cves = asList(m.cve);
  if (cves) {
    const set = new Set(cves.map((c) => normalizeVulnId(c).toUpperCase()));
    tests.push((f) => f.cve.some((c) => set.has(c.toUpperCase())) || set.has(f.ruleId.toUpperCase()));
  }
  const pkgs = asList(m.package);
  if (pkgs) {
    const t = globMatcher(pkgs, { nocase: true });
    tests.push((f) => f.package !== undefined && t(f.package.name));
  }
  if (m.version !== undefined) {
    const t = compileVersionRange(m.version);
    tests.push((f) => t(f.package?.version));
  }
  const comps = asList(m.component);
  if (comps) {
    const set = new Set(comps);
    tests.push((f) => f.component !== undefined && set.has(f.component));
  }
  const out: CompiledException = {
    id: e.id,
    type: e.type,
    entry: e,
    file,
    test: tests.length === 0 ? () => false : (f) => tests.every((t) => t(f)),
    contentHash: createHash('sha256').update(canonicalJson(e)).digest('hex').slice(0, 32),
  };
  if (e.expires) out.endsAt = dayStart(e.expires) + DAY;
  if (e['approved-on']) out.approvedAt = dayStart(e['approved-on']);
  if (e.due) out.dueAt = dayStart(e.due) + DAY - 1;
  return out;
}

export function compileExceptions(
  p: PolicyParsed,
  sources: { entry: ExceptionEntryInput; file: string }[],
  rankOf: (l: string) => number | undefined,
  levelCount: number,
): ExceptionSettings {
  const sec = p.exceptions;
  const allow: ExceptionSettings['allow'] = {};
  for (const [type, cmp] of Object.entries(sec?.allow ?? {})) {
    allow[type as ExceptionEntryInput['type']] = ranksFor(parseSeverityComparison(cmp), rankOf, levelCount);
  }
  return {
    entries: sources.map((s) => compileException(s.entry, s.file)),
    // Without a prototype: looked up by level names (`maxDays["constructor"]` of a policy without it is undefined).
    maxDays: Object.assign(ownRecord<number>(), sec?.['max-days'] ?? {}),
    allow,
    expiringDays: sec?.['expiring-days'] ?? 14,
    ...(sec?.approvers
      ? {
          approvers: {
            users: new Set((sec.approvers.users ?? []).map((u) => u.toLowerCase())),
            teams: sec.approvers.teams ?? [],
            min: Object.assign(ownRecord<number>(), sec.approvers.min ?? {}),
            notRequester: sec.approvers['not-requester'] ?? true,
          },
        }
      : {}),
    verify: sec?.['verify-approvals'] ?? (sec?.approvers ? 'enforce' : 'off'),
  };
}

/** JSON with object keys sorted: the same entry gives the same text whatever the key order in the YAML. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** Approvals an exception needs for a finding of `severity` (`approvers.min`: by severity, else `default`, else 1). */
export function approvalsNeeded(a: ApproverSettings, severity: string): number {
  return (
    (Object.hasOwn(a.min, severity) ? a.min[severity] : undefined) ?? (Object.hasOwn(a.min, 'default') ? a.min.default : undefined) ?? 1
  );
}
