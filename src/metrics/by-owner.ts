import { splitOwners } from '../owners/assign';
import { mean } from './time';

/**
 * Metrics per owner (users: `@login`, e-mail) and per team (`@org/team`, a component's free-text owner): open findings,
 * past SLA, due soon, fixes in the period, mean time to resolve, SLA compliance. Owners are the ledger entry's latest
 * (src/owners/assign.ts). Keys are user text: Maps, never plain objects.
 */

export interface OwnerRow {
  key: string;
  /** Open (and not excepted) at the end of the period. */
  open: number;
  /** Open and past the SLA due date at the end of the period. */
  pastSla: number;
  dueSoon: number;
  /** Fixed in the period. */
  fixed: number;
  /** Fixes in the period that had an SLA, and how many of them were within it. */
  slaFixed: number;
  fixedWithinSla: number;
  compliance?: number;
  /** Mean days from open to fix of the fixes in the period. */
  mttrDays?: number;
}

export interface OwnerMetrics {
  byOwner: OwnerRow[];
  byTeam: OwnerRow[];
}

export const NO_OWNER = '(no owner)';
export const NO_TEAM = '(no team)';

interface Acc {
  open: number;
  pastSla: number;
  dueSoon: number;
  ttr: number[];
  slaFixed: number;
  within: number;
}

export class OwnerTally {
  private readonly owners = new Map<string, Acc>();
  private readonly teams = new Map<string, Acc>();

  private accs(owners: readonly string[] | undefined): Acc[] {
    const { users, teams } = splitOwners(owners);
    const get = (m: Map<string, Acc>, k: string) => {
      let a = m.get(k);
      if (!a) m.set(k, (a = { open: 0, pastSla: 0, dueSoon: 0, ttr: [], slaFixed: 0, within: 0 }));
      return a;
    };
    return [
      ...(users.length ? users.map((u) => get(this.owners, u)) : [get(this.owners, NO_OWNER)]),
      ...(teams.length ? teams.map((t) => get(this.teams, t)) : [get(this.teams, NO_TEAM)]),
    ];
  }

  /** An open finding at the end of the period, with its SLA state then. */
  open(owners: readonly string[] | undefined, state: string | undefined): void {
    for (const a of this.accs(owners)) {
      a.open++;
      if (state === 'breached') a.pastSla++;
      else if (state === 'due-soon') a.dueSoon++;
    }
  }

  /** A fix in the period after `days` open; `withinSla` undefined when the severity has no SLA. */
  fixed(owners: readonly string[] | undefined, days: number, withinSla: boolean | undefined): void {
    for (const a of this.accs(owners)) {
      a.ttr.push(days);
      if (withinSla !== undefined) {
        a.slaFixed++;
        if (withinSla) a.within++;
      }
    }
  }

  result(): OwnerMetrics {
    const rows = (m: Map<string, Acc>): OwnerRow[] =>
      [...m]
        .map(([key, a]) => {
          const mttr = mean(a.ttr);
          return {
            key,
            open: a.open,
            pastSla: a.pastSla,
            dueSoon: a.dueSoon,
            fixed: a.ttr.length,
            slaFixed: a.slaFixed,
            fixedWithinSla: a.within,
            ...(a.slaFixed ? { compliance: a.within / a.slaFixed } : {}),
            ...(mttr !== undefined ? { mttrDays: mttr } : {}),
          };
        })
        // Worst first: past SLA, then open; the "(no …)" row last.
        .sort(
          (x, y) =>
            Number(x.key.startsWith('(')) - Number(y.key.startsWith('(')) ||
            y.pastSla - x.pastSla ||
            y.open - x.open ||
            x.key.localeCompare(y.key),
        );
    return { byOwner: rows(this.owners), byTeam: rows(this.teams) };
  }
}

/**
 * Rows of several repositories merged by key (the org report): counts add up, SLA compliance is recomputed from the
 * counts, MTTR is the mean weighted by fixes. Metrics of older ledgers or builds without owners contribute nothing.
 */
export function mergeOwnerRows(lists: readonly (readonly OwnerRow[] | undefined)[]): OwnerRow[] {
  const m = new OwnerRowMerger();
  for (const rows of lists) m.add(rows);
  return m.result();
}

/** `mergeOwnerRows` one list at a time (the organization report folds repositories as a stream). */
export class OwnerRowMerger {
  private readonly acc = new Map<string, OwnerRow & { ttrSum: number }>();

  add(rows: readonly OwnerRow[] | undefined): void {
    const acc = this.acc;
    for (const r of rows ?? []) {
      let a = acc.get(r.key);
      if (!a) acc.set(r.key, (a = { key: r.key, open: 0, pastSla: 0, dueSoon: 0, fixed: 0, slaFixed: 0, fixedWithinSla: 0, ttrSum: 0 }));
      a.open += r.open;
      a.pastSla += r.pastSla;
      a.dueSoon += r.dueSoon;
      a.fixed += r.fixed;
      a.slaFixed += r.slaFixed;
      a.fixedWithinSla += r.fixedWithinSla;
      a.ttrSum += (r.mttrDays ?? 0) * r.fixed;
    }
  }

  result(): OwnerRow[] {
    return [...this.acc.values()]
      .map(({ ttrSum, ...r }) => ({
        ...r,
        ...(r.slaFixed ? { compliance: r.fixedWithinSla / r.slaFixed } : {}),
        ...(r.fixed ? { mttrDays: ttrSum / r.fixed } : {}),
      }))
      .sort(
        (x, y) =>
          Number(x.key.startsWith('(')) - Number(y.key.startsWith('(')) ||
          y.pastSla - x.pastSla ||
          y.open - x.open ||
          x.key.localeCompare(y.key),
      );
  }
}
