import type { RunResult } from '../engine';
import { computeMetrics } from './compute';
import { renderCompactMetrics } from './markdown';

/**
 * The job summary's metrics section: the ledger after this run (`nextLedger`), the last 12 weeks by week.
 * Returns [] when the run is not tracked (no ledger: nothing to measure) or the section does not fit `maxBytes`,
 * so the caller can `parts.push(...renderMetricsSection(r, budget))`.
 */
export function renderMetricsSection(r: RunResult, maxBytes: number): string[] {
  if (!r.tracked || maxBytes <= 0) return [];
  const m = computeMetrics(r.nextLedger, {
    now: new Date(r.generatedAt),
    bucket: 'week',
    levels: r.levels,
    sla: r.sla,
    productionEnvironments: ['production'],
    top: 5,
  });
  const text = renderCompactMetrics(m, maxBytes);
  return text ? [text] : [];
}
