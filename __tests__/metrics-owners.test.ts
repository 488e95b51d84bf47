import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeMetrics } from '../src/metrics/compute';
import { renderMetricsHtml } from '../src/metrics/html';
import { renderMetricsMarkdown } from '../src/metrics/markdown';
import { aggregateOrg, renderOrgHtml, renderOrgMarkdown } from '../src/metrics/org';
import { defaultPolicy } from './helpers';
import type { LedgerBook, LedgerEntry, LedgerFile } from '../src/ledger/schema';

const policy = defaultPolicy();
const NOW = new Date('2026-06-30T20:00:00Z');
const DAY = 86_400_000;
const iso = (d: number) => new Date(Date.parse('2026-06-01T00:00:00Z') + d * DAY).toISOString();

function entry(fp: string, severity: string, owners: string[] | undefined, open: number, fixed?: number): LedgerEntry {
  return {
    fingerprint: fp,
    tool: 'CodeQL',
    ruleId: 'r',
    title: fp,
    kind: 'sast',
    firstSeen: iso(open),
    lastSeen: iso(fixed ?? 29),
    state: fixed === undefined ? 'open' : 'fixed',
    ...(fixed !== undefined ? { fixedAt: iso(fixed) } : {}),
    reopenedCount: 0,
    severity,
    gated: true,
    events: [{ at: iso(open), type: 'opened', severity }, ...(fixed !== undefined ? [{ at: iso(fixed), type: 'fixed' as const }] : [])],
    ...(owners ? { owners } : {}),
  };
}

/** critical SLA 7 days (default policy): fixed in 3 days is within, open since day 0 at day 29 is past. */
const book: LedgerBook = {
  entries: {
    a: entry('a', 'critical', ['@acme/payments', '@bob'], 0),
    b: entry('b', 'critical', ['@acme/payments'], 10, 13),
    c: entry('c', 'critical', ['@acme/payments', '@bob'], 0, 20),
    d: entry('d', 'low', ['@carol'], 5),
    e: entry('e', 'critical', undefined, 0),
  },
  runs: [],
};

describe('metrics by owner and team', () => {
  const m = computeMetrics(book, {
    now: NOW,
    levels: policy.levels,
    sla: policy.sla,
    bucket: 'month',
    since: new Date('2026-06-01T00:00:00Z'),
  });

  it('open, past SLA, MTTR and SLA compliance per team and per user; no-owner rows last', () => {
    const team = m.owners.byTeam.find((r) => r.key === '@acme/payments');
    expect(team).toEqual({
      key: '@acme/payments',
      open: 1,
      pastSla: 1,
      dueSoon: 0,
      fixed: 2,
      slaFixed: 2,
      fixedWithinSla: 1,
      compliance: 0.5,
      mttrDays: 11.5,
    });
    expect(m.owners.byOwner.find((r) => r.key === '@bob')).toMatchObject({
      open: 1,
      pastSla: 1,
      fixed: 1,
      fixedWithinSla: 0,
      compliance: 0,
      mttrDays: 20,
    });
    expect(m.owners.byOwner.find((r) => r.key === '@carol')).toMatchObject({ open: 1, pastSla: 0 });
    expect(m.owners.byTeam.at(-1)).toMatchObject({ key: '(no team)', open: 2 }); // @carol's and the unowned one
    expect(m.owners.byOwner.at(-1)).toMatchObject({ key: '(no owner)', open: 1, pastSla: 1 });
    expect(m.owners.byTeam[0]?.key).toBe('@acme/payments');
  });

  it('Markdown and HTML show them, owners in code (no notification)', () => {
    const text = renderMetricsMarkdown(m);
    expect(text).toContain('## By team and owner');
    expect(text).toContain('| Team | Open | Past SLA | Due soon | Fixed | MTTR mean | Fixed within SLA |');
    expect(text).toMatch(/\| `@acme\/payments` \| 1 \| \*\*1\*\* \| 0 \| 2 \| .* \| 50% \(1\/2\) \|/);
    const page = renderMetricsHtml(m);
    expect(page).toContain('<h2>By team and owner</h2>');
    expect(page).toContain('<code>@acme/payments</code>');
    expect(page).toContain('Open findings by team, past SLA first');
  });

  it('the org report merges teams across repositories', () => {
    const m2 = computeMetrics(
      { entries: { x: entry('x', 'critical', ['@acme/payments'], 25) }, runs: [] },
      { now: NOW, levels: policy.levels, sla: policy.sla, bucket: 'month' },
    );
    const o = aggregateOrg(
      'acme',
      [
        { repo: 'acme/a', metrics: m },
        { repo: 'acme/b', metrics: m2 },
      ],
      NOW,
    );
    expect(o.owners.byTeam.find((r) => r.key === '@acme/payments')).toMatchObject({
      open: 2,
      pastSla: 1,
      fixed: 2,
      compliance: 0.5,
      mttrDays: 11.5,
    });
    expect(renderOrgMarkdown(o)).toContain('## By team and owner');
    expect(renderOrgHtml(o)).toContain('<h3>Teams</h3>');
  });

  it('a ledger written before owners existed: everything under (no owner) / (no team)', () => {
    const file = JSON.parse(readFileSync(resolve('__fixtures__/metrics/ledger.json'), 'utf8')) as LedgerFile;
    const old = computeMetrics(file.books.default!, { now: NOW, levels: policy.levels, sla: policy.sla, bucket: 'month' });
    expect(old.owners.byTeam.map((r) => r.key)).toEqual(['(no team)']);
    expect(old.owners.byTeam[0]?.open).toBe(old.open.total);
  });
});
