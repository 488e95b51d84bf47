import type { SlaInfo } from '../model';
import type { SlaSettings } from '../policy/compile';
import { DAY_MS, wholeDays } from './time';

/** SLA clocks: a pure function of the finding's dates, its current severity, the policy and `now`. */

export { DAY_MS };

export interface SlaInput {
  severity: string;
  /** Criticality of the finding's component (`sla.by-criticality`); none counts as medium. */
  criticality?: 'high' | 'medium' | 'low';
  /** First seen (already the earlier of the ledger's first sighting and the scanner's firstDetectionTimeUtc). */
  firstSeen: string;
  /** Last reopen time, used with `restart-on-reopen`. */
  reopenedAt?: string;
  /** KEV due date: caps the due date when earlier. */
  kevDueDate?: string;
  /** An approved due date (SLA extension), replacing the computed one. */
  extendedDue?: { due: string; reason: string };
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * Whole days from `now` to `due`, rounded down in size (src/ledger/time.ts): 2.5 days left is 2; 2.5 days overdue is
 * -2; less than a day overdue is 0 (the state says `breached`). Days overdue = ⌊(now − due) / 1 day⌋ = −daysLeft.
 */
export function daysBetween(now: Date, due: Date): number {
  return wholeDays(due.getTime() - now.getTime());
}

/**
 * The SLA cell that applies: `sla.by-criticality.<criticality>.<severity>` when the policy gives it (a finding outside
 * every component, or of a component without criticality, counts as medium), else `sla.<severity>`. `cell` names it
 * for the explanation: `high` or `critical, criticality high`.
 */
export function slaDays(input: Pick<SlaInput, 'severity' | 'criticality'>, sla: SlaSettings): { days: number; cell: string } | undefined {
  if (sla.byCriticality) {
    const crit = input.criticality ?? 'medium';
    const row = sla.byCriticality[crit];
    if (row && Object.hasOwn(row, input.severity))
      return { days: row[input.severity] as number, cell: `${input.severity}, criticality ${crit}` };
  }
  const days = Object.hasOwn(sla.days, input.severity) ? sla.days[input.severity] : undefined;
  return days === undefined ? undefined : { days, cell: input.severity };
}

export function computeSla(input: SlaInput, sla: SlaSettings, now: Date): SlaInfo | undefined {
  // (A ledger's severity is data: only the policy's own SLA days count.)
  const cell = slaDays(input, sla);
  if (cell === undefined) return undefined;
  const days = cell.days;
  const restart = sla.restartOnReopen && input.reopenedAt !== undefined;
  const start = restart ? (input.reopenedAt as string) : input.firstSeen;
  let due = new Date(Date.parse(start) + days * DAY_MS);
  let reason = `${restart ? 'reopened' : 'first seen'} ${day(start)} + ${days} days (${cell.cell})`;
  if (input.kevDueDate) {
    const kev = Date.parse(input.kevDueDate);
    if (!Number.isNaN(kev) && kev < due.getTime()) {
      due = new Date(kev);
      reason = `CISA KEV due date ${day(input.kevDueDate)} (earlier than ${reason})`;
    }
  }
  if (input.extendedDue) {
    const ext = Date.parse(input.extendedDue.due);
    if (!Number.isNaN(ext)) {
      due = new Date(ext);
      reason = input.extendedDue.reason;
    }
  }
  const msLeft = due.getTime() - now.getTime();
  const soonMs = 'days' in sla.dueSoon ? sla.dueSoon.days * DAY_MS : (sla.dueSoon.percent / 100) * days * DAY_MS;
  const state = msLeft < 0 ? 'breached' : msLeft <= soonMs ? 'due-soon' : 'within';
  return { days, start, due: due.toISOString(), state, daysLeft: daysBetween(now, due), reason };
}
