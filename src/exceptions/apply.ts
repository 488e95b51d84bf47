import type { ExceptionRef, RatedFinding, VerifiedApproval } from '../model';
import { addCount } from '../own';
import { approvalsNeeded, DAY, type CompiledException, type ExceptionSettings } from '../policy/exceptions';
import { wholeDays } from '../ledger/time';

/**
 * Applying exceptions to rated findings. Pure: a function of the findings, the policy's exceptions and `now`.
 *
 * - accepted-risk, false-positive, mitigated: an active exception takes the finding out of the gate's counts; the
 *   finding is still reported, marked with the exception.
 * - sla-extension: moves the finding's due date (the ledger step reads `exception.due`).
 * - expired: stops applying (the finding is gated again) and is reported as expired.
 * - not allowed: the policy forbids this type for the finding's severity (`exceptions.allow`) or the approved window
 *   is longer than `exceptions.max-days` for that severity: it does not apply, and says why.
 * - pending: `approved-on` is after `now` (not active yet): it does not apply; findings it matches say so (as
 *   not-allowed, "not active yet").
 * - stale: an exception that matches no current finding.
 */

export type ExceptionState = 'active' | 'expiring' | 'expired' | 'pending' | 'stale' | 'unverified';

export interface ExceptionStatus {
  id: string;
  type: CompiledException['type'];
  file: string;
  state: ExceptionState;
  /** Findings of this run it matched (whatever came of it). */
  matched: number;
  /** Findings it took out of the gate or whose due date it moved. */
  applied: number;
  /** Findings it matched but may not apply to (severity not allowed, window too long). */
  notAllowed: number;
  approvedBy?: string;
  approvedOn?: string;
  expires?: string;
  /** Whole days until it stops applying (negative when expired). */
  daysLeft?: number;
  reason?: string;
  ticket?: string;
  /** Why its approval is not verified (`exceptions.approvers`); with verify-approvals: enforce it does not apply. */
  unverified?: string;
  /** The verified approval: who approved, in which pull request. */
  approval?: VerifiedApproval;
}

export interface ExceptionsResult {
  findings: RatedFinding[];
  exceptions: ExceptionStatus[];
}

/** Where an exception stands on the calendar at `now` (ms): the one rule for expired, expiring and pending. */
export function dateState(e: CompiledException, now: number, expiringDays: number): 'active' | 'expiring' | 'expired' | 'pending' {
  if (e.endsAt !== undefined && now >= e.endsAt) return 'expired';
  // Approved on a later day than today: an approval that has not happened yet applies to nothing.
  if (e.approvedAt !== undefined && now < e.approvedAt) return 'pending';
  if (e.endsAt === undefined) return 'active';
  return e.endsAt - now <= expiringDays * DAY ? 'expiring' : 'active';
}

function refOf(e: CompiledException, state: ExceptionRef['state'], problem?: string): ExceptionRef {
  const x = e.entry;
  const ref: ExceptionRef = { id: e.id, type: e.type, state };
  if (problem) ref.problem = problem;
  if (x['approved-by']) ref.approvedBy = x['approved-by'];
  // Verified: the ledger and reports record who approved it as GitHub records it.
  if (e.approval && !e.approval.problem && e.approval.approvers.length > 0) ref.approvedBy = approvalWho(e.approval);
  if (x['approved-on']) ref.approvedOn = x['approved-on'];
  if (x.expires) ref.expires = x.expires;
  if (x.reason) ref.reason = x.reason;
  if (x.ticket) ref.ticket = x.ticket;
  if (x.control) ref.control = x.control;
  if (x.due) ref.due = x.due;
  return ref;
}

/** Why an exception may not apply to a finding of this severity, or undefined when it may. */
function notAllowed(e: CompiledException, f: RatedFinding, s: ExceptionSettings): string | undefined {
  const ranks = s.allow[e.type];
  if (ranks && !ranks.has(f.rank)) return `${e.type} is not allowed for ${f.severity} findings (exceptions.allow)`;
  const max = Object.hasOwn(s.maxDays, f.severity) ? s.maxDays[f.severity] : undefined;
  if (max !== undefined && e.endsAt !== undefined) {
    const from = e.approvedAt;
    if (from === undefined) return `no approved-on date: the window cannot be checked against max-days for ${f.severity} (${max})`;
    const days = Math.round((e.endsAt - DAY - from) / DAY);
    if (days > max) return `approved for ${days} days; at most ${max} for ${f.severity} findings (exceptions.max-days)`;
  }
  if (e.type !== 'sla-extension' && e.endsAt === undefined && max !== undefined) {
    return `no expiry date: ${f.severity} findings need one (exceptions.max-days)`;
  }
  return undefined;
}

/** Why the exception's approval does not count for this finding (`exceptions.approvers`), or undefined when it does. */
function approvalProblem(e: CompiledException, f: RatedFinding, s: ExceptionSettings): string | undefined {
  if (s.verify === 'off' || !s.approvers) return undefined;
  const a = e.approval;
  if (!a) return 'its approval was not verified';
  if (a.problem) return a.problem;
  const need = approvalsNeeded(s.approvers, f.severity);
  if (a.approvers.length < need) {
    return `${need} approvals needed for ${f.severity} findings; ${a.pr ? `#${a.pr.number} has ${a.approvers.length}` : `${a.approvers.length} verified`} (${a.approvers.map((x) => `@${x.login}`).join(', ') || 'none'})`;
  }
  return undefined;
}

/** "approved by @bob (acme/appsec) in #123 on 2026-11-02" */
export function approvalText(a: VerifiedApproval): string {
  return `approved by ${approvalWho(a)}`;
}

/** "@bob (acme/appsec) in #123 on 2026-11-02": who approved, where and when (the ledger's `approvedBy`). */
function approvalWho(a: VerifiedApproval): string {
  const who = a.approvers.map((x) => `@${x.login}${x.team ? ` (${x.team})` : ''}`).join(', ');
  return `${who}${a.pr ? ` in #${a.pr.number}` : ''}${a.pr?.mergedAt ? ` on ${a.pr.mergedAt.slice(0, 10)}` : ''}`;
}

function describe(e: CompiledException): string {
  const x = e.entry;
  const who =
    e.approval && !e.approval.problem ? `, ${approvalText(e.approval)}` : x['approved-by'] ? `, approved by ${x['approved-by']}` : '';
  const until = x.expires ? `, until ${x.expires}` : '';
  return `exception ${e.id} (${e.type}${who}${until})`;
}

export function applyExceptions(findings: RatedFinding[], settings: ExceptionSettings, now: Date): ExceptionsResult {
  const t = now.getTime();
  const stats = new Map<string, { matched: number; applied: number; notAllowed: number; unverified: number }>();
  for (const e of settings.entries) stats.set(e.id, { matched: 0, applied: 0, notAllowed: 0, unverified: 0 });
  // Without exceptions the findings are returned as they are (no copy of a million-element array).
  const out =
    settings.entries.length === 0
      ? findings
      : findings.map((f) => {
          let chosen: { e: CompiledException; ref: ExceptionRef } | undefined;
          for (const e of settings.entries) {
            if (!e.test(f)) continue;
            const st = stats.get(e.id) as { matched: number; applied: number; notAllowed: number; unverified: number };
            st.matched++;
            const ds = dateState(e, t, settings.expiringDays);
            const problem =
              ds === 'expired'
                ? `expired on ${e.entry.expires}`
                : ds === 'pending'
                  ? `not active yet: approved-on ${e.entry['approved-on']} is after today (${new Date(t).toISOString().slice(0, 10)})`
                  : notAllowed(e, f, settings);
            // (Expired and pending exceptions have a problem: their approval is not looked at.)
            const unverified = problem ? undefined : approvalProblem(e, f, settings);
            const ref =
              unverified && settings.verify === 'enforce'
                ? refOf(e, 'unverified', unverified)
                : refOf(
                    e,
                    ds === 'expired' ? 'expired' : problem || ds === 'pending' ? 'not-allowed' : ds,
                    problem ?? (unverified ? `approval not verified (verify-approvals: warn): ${unverified}` : undefined),
                  );
            if (e.approval) ref.approval = e.approval;
            if (ref.state === 'not-allowed' || ref.state === 'unverified') st.notAllowed++;
            if (ref.state === 'unverified') st.unverified++;
            // The first exception that applies wins; otherwise the first that matched is reported.
            if (
              !chosen ||
              ((chosen.ref.state === 'expired' || chosen.ref.state === 'not-allowed' || chosen.ref.state === 'unverified') &&
                (ref.state === 'active' || ref.state === 'expiring'))
            ) {
              chosen = { e, ref };
            }
          }
          if (!chosen) return f;
          const next: RatedFinding = { ...f, exception: chosen.ref };
          const applies = chosen.ref.state === 'active' || chosen.ref.state === 'expiring';
          if (applies) {
            (stats.get(chosen.e.id) as { applied: number }).applied++;
            if (chosen.e.type !== 'sla-extension' && next.gated) {
              next.gated = false;
              next.notGatedReason = describe(chosen.e);
            }
          }
          return next;
        });
  const exceptions: ExceptionStatus[] = settings.entries.map((e) => {
    const { unverified, ...st } = stats.get(e.id) as { matched: number; applied: number; notAllowed: number; unverified: number };
    const ds = dateState(e, t, settings.expiringDays);
    const x = e.entry;
    const status: ExceptionStatus = {
      id: e.id,
      type: e.type,
      file: e.file,
      state: ds === 'expired' || ds === 'pending' ? ds : st.matched === 0 ? 'stale' : ds,
      ...st,
    };
    if (settings.verify !== 'off' && settings.approvers) {
      const problem = e.approval?.problem ?? (e.approval ? undefined : 'approvals are not verified by this command');
      if (problem) status.unverified = problem;
      // Findings get the state `unverified` only under verify-approvals: enforce, and never from an expired or pending
      // exception (those have a problem first).
      if (unverified > 0 && st.applied === 0) status.state = 'unverified';
    }
    if (e.approval && !e.approval.problem) status.approval = e.approval;
    if (x['approved-by']) status.approvedBy = x['approved-by'];
    if (x['approved-on']) status.approvedOn = x['approved-on'];
    if (x.expires) status.expires = x.expires;
    if (e.endsAt !== undefined) status.daysLeft = wholeDays(e.endsAt - t);
    if (x.reason) status.reason = x.reason;
    if (x.ticket) status.ticket = x.ticket;
    return status;
  });
  return { findings: out, exceptions };
}

/** Counts of exceptions by state, type and approver, for reports. */
export function summarizeExceptions(list: ExceptionStatus[]): {
  byState: Record<Exclude<ExceptionState, 'unverified'>, number> & { unverified?: number };
  byType: Record<string, number>;
  byApprover: Record<string, number>;
} {
  // `unverified` only when there are some (exceptions.approvers): reports without approvers keep their shape.
  const byState: Record<Exclude<ExceptionState, 'unverified'>, number> & { unverified?: number } = {
    active: 0,
    expiring: 0,
    expired: 0,
    pending: 0,
    stale: 0,
  };
  // Maps, then objects: approver names are free text ("constructor" is not a key to look up on a plain object).
  const byType = new Map<string, number>();
  const byApprover = new Map<string, number>();
  for (const e of list) {
    byState[e.state] = (byState[e.state] ?? 0) + 1;
    addCount(byType, e.type);
    const who = e.approvedBy ?? '(none)';
    addCount(byApprover, who);
  }
  return { byState, byType: Object.fromEntries(byType), byApprover: Object.fromEntries(byApprover) };
}
