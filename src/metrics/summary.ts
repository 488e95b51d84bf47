import type { RunResult } from '../engine';
import { computeMetrics } from './compute';
import { renderCompactMetrics } from './markdown';

/**
 * The job summary's metrics section: the ledger after this run (`nextLedger`), the last 12 weeks by week.
 * Returns [] when the run is not tracked (no ledger: nothing to measure) or the section does not fit `maxBytes`,
 * so the caller can `parts.push(...renderMetricsSection(r, budget))`.
 *
 * The run result carries no policy, so the SLA days come from the findings' own SLA clocks (`sla.days` per
 * severity); a level with no current finding has no SLA figure here (the `report` command reads the policy).
 */
export function renderMetricsSection(r: RunResult, maxBytes: number): string[] {
  if (!r.tracked || maxBytes <= 0) return [];
  const days: Record<string, number> = {};
  for (const f of r.findings) if (f.sla && days[f.severity] === undefined) days[f.severity] = f.sla.days;
  const m = computeMetrics(r.nextLedger, {
    now: new Date(r.generatedAt),
    bucket: 'week',
    levels: r.levels,
    sla: { days, dueSoon: { percent: 25 }, restartOnReopen: false },
    productionEnvironments: ['production'],
    top: 5,
  });
  const text = renderCompactMetrics(m, maxBytes);
  return text ? [text] : [];
}
