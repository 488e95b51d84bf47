import { describe, expect, it } from '@jest/globals';
import { runEngine } from '../../src/engine';
import { ingestText } from '../../src/ingest/index';
import { emptyBook } from '../../src/ledger/schema';
import { computeSla, DAY_MS } from '../../src/ledger/sla';
import { computeMetrics } from '../../src/metrics/compute';
import { slaFor } from '../../src/ledger/track';
import { parsePolicy } from '../../src/policy/load';
import { rateFinding } from '../../src/rate/rate';
import { BASE_POLICY, finding, policyErrors, policyFrom } from '../helpers';

const POLICY = BASE_POLICY.replace(
  'gates:',
  `components:
  - {name: payments, paths: ["services/payments/**"], criticality: high}
  - {name: admin-tool, paths: ["tools/**"], criticality: low}
sla:
  critical: 7
  high: 30
  by-criticality:
    high: {critical: 3}
    low: {critical: 14, high: 60}
gates:`,
);
const p = policyFrom(POLICY);
const first = '2026-10-01T00:00:00.000Z';
const start = Date.parse(first);

describe('SLA by severity and component criticality', () => {
  const rated = (path: string) => rateFinding(finding({ path, securitySeverity: 9.8 }), p);

  it("critical on a high-criticality component: 3 days; on a low one: 14; elsewhere the level's 7; the cell is named", () => {
    const now = new Date(start);
    expect(slaFor(rated('services/payments/api.js'), { firstSeen: first }, p.sla, now)).toMatchObject({
      days: 3,
      due: '2026-10-04T00:00:00.000Z',
      reason: 'first seen 2026-10-01 + 3 days (critical, criticality high)',
    });
    expect(slaFor(rated('tools/admin/x.js'), { firstSeen: first }, p.sla, now)).toMatchObject({
      days: 14,
      reason: 'first seen 2026-10-01 + 14 days (critical, criticality low)',
    });
    expect(slaFor(rated('src/app.js'), { firstSeen: first }, p.sla, now)).toMatchObject({
      days: 7,
      reason: 'first seen 2026-10-01 + 7 days (critical)',
    });
  });

  it("a cell the criticality does not give falls back to the level's days", () => {
    const high = rateFinding(finding({ path: 'services/payments/api.js', securitySeverity: 7.5 }), p);
    expect(slaFor(high, { firstSeen: first }, p.sla, new Date(start))).toMatchObject({
      days: 30,
      reason: 'first seen 2026-10-01 + 30 days (high)',
    });
    const lowHigh = rateFinding(finding({ path: 'tools/admin/x.js', securitySeverity: 7.5 }), p);
    expect(slaFor(lowHigh, { firstSeen: first }, p.sla, new Date(start))).toMatchObject({ days: 60 });
  });

  it('due instant: within 1 ms before, breached 1 ms after (3-day cell)', () => {
    const due = start + 3 * DAY_MS;
    const input = { severity: 'critical', criticality: 'high' as const, firstSeen: first };
    expect(computeSla(input, p.sla, new Date(due))?.state).toBe('due-soon');
    expect(computeSla(input, p.sla, new Date(due + 1))?.state).toBe('breached');
    expect(computeSla({ ...input, criticality: 'low' }, p.sla, new Date(due + 1))?.state).toBe('within');
  });

  it('a finding without a criticality counts as medium (a medium row applies to it)', () => {
    const q = policyFrom(POLICY.replace('low: {critical: 14, high: 60}', 'medium: {critical: 5}'));
    expect(computeSla({ severity: 'critical', firstSeen: first }, q.sla, new Date(start))?.reason).toBe(
      'first seen 2026-10-01 + 5 days (critical, criticality medium)',
    );
  });

  it('rejects unknown levels and criticalities, and non-numbers, at their line', () => {
    const bad = POLICY.replace('low: {critical: 14, high: 60}', 'low: {urgent: 14, high: soon}\n    tier-1: {critical: 1}');
    const errors = policyErrors(() => parsePolicy(bad, 'policy.yml'));
    expect(errors.join('\n')).toMatch(/policy\.yml:\d+:\d+: .*/);
    expect(errors.some((e) => e.includes('urgent'))).toBe(true);
    expect(errors.some((e) => e.includes('tier-1'))).toBe(true);
  });
});

describe('SLA by criticality in the ledger and the metrics', () => {
  it('the ledger keeps the criticality, and metrics count a breach by the criticality cell (3 days), not the level (7)', () => {
    const yaml = `kind: defect-gate/findings
version: 1
findings:
  - id: PT-1
    title: Payment amounts can be changed client-side
    source: pentest
    reported-on: 2026-10-01
    severity: critical
    path: services/payments/api.js
`;
    const now = new Date('2026-10-05T00:00:00Z'); // 4 days: past the 3-day cell, within the level's 7
    const r = runEngine({
      files: [ingestText(yaml, { file: 'pentest.yml' })],
      policy: p,
      environment: 'default',
      onInputError: 'fail',
      now,
      ledger: emptyBook(),
    });
    expect(r.nextLedger.entries['PT-1']).toMatchObject({ criticality: 'high', severity: 'critical' });
    const m = computeMetrics(r.nextLedger, { now, levels: r.levels, sla: r.sla });
    expect(m.sla.openBreached).toBe(1);
    expect(m.sla.breaches.map((b) => b.due)).toEqual(['2026-10-04T00:00:00.000Z']);
  });
});
