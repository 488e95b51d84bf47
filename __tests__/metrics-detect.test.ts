import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { migrateLedger } from '../src/ledger/schema';
import { computeMetrics } from '../src/metrics/compute';
import { renderMetricsMarkdown } from '../src/metrics/markdown';
import { renderMetricsHtml } from '../src/metrics/html';
import { policyFrom } from './helpers';

/**
 * Issue #19 part C, metrics corrections: time to detect (publication → first seen, on the Trivy corpus file through the
 * CLI and its ledger), the reopen rate in Markdown and HTML, the window of exposure per production episode.
 */

const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-scanner: {critical: critical, high: high, medium: medium, low: low, informational: info, info: info}
gates:
  nightly:
    - {name: No critical, severity: critical, max: 0}
`;
let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-ttd-'));
  copyFileSync('__fixtures__/corpus/defectdojo/trivy/scheme_2_many_vulns.json', join(ws, 'trivy.json'));
  writeFileSync(join(ws, 'policy.yml'), POLICY);
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function cli(args: string[]) {
  let stderr = '';
  const code = await runCli(args, {
    stdout: () => undefined,
    stderr: (s) => (stderr += s),
    cwd: ws,
    env: {},
    isTTY: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { code, stderr };
}

describe('metrics: time to detect, reopen rate, exposure per episode', () => {
  it('time to detect from Trivy PublishedDate to first seen, per severity (median, p90), in JSON, Markdown and HTML', async () => {
    const ledger = 'ttd-ledger.json';
    const r = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'nightly',
      '--ledger',
      `file:${ledger}`,
      '--now',
      '2026-11-01T00:00:00Z',
      'trivy.json',
    ]);
    expect([0, 1]).toContain(r.code);
    const file = migrateLedger(JSON.parse(readFileSync(join(ws, ledger), 'utf8')), ledger);
    const book = file.books.default!;
    const entries = Object.values(book.entries);
    expect(entries.filter((e) => e.published).length).toBeGreaterThan(0);
    const e = entries.find((x) => x.published)!;
    const policy = policyFrom(POLICY);
    const m = computeMetrics(book, { now: new Date('2026-11-02T00:00:00Z'), levels: policy.levels, sla: policy.sla });
    expect(m.timeToDetect.overall.count).toBe(entries.filter((x) => x.published && x.gated).length);
    const days = entries
      .filter((x) => x.published && x.gated)
      .map((x) => (Date.parse(x.firstSeen) - Date.parse(x.published!)) / 86_400_000)
      .sort((a, b) => a - b);
    expect(m.timeToDetect.overall.maxDays).toBeCloseTo(days[days.length - 1]!, 6);
    expect(m.timeToDetect.overall.p90Days).toBeCloseTo(days[Math.ceil(0.9 * days.length) - 1]!, 6);
    expect(m.timeToDetect.bySeverity[e.severity]!.count).toBeGreaterThan(0);
    const md = renderMetricsMarkdown(m);
    expect(md).toContain('## Time to detect');
    expect(md).toMatch(/90th percentile/);
    expect(renderMetricsHtml(m)).toContain('Time to detect: median');
  });

  it('the reopen rate of the JSON is in the Markdown and the HTML', () => {
    const T = (d: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + d * 86_400_000).toISOString();
    const entry = {
      fingerprint: 'a',
      tool: 'CodeQL',
      ruleId: 'r',
      title: 't',
      kind: 'sast',
      firstSeen: T(0),
      lastSeen: T(30),
      state: 'open' as const,
      reopenedCount: 1,
      reopenedAt: T(20),
      severity: 'high',
      gated: true,
      events: [
        { at: T(0), type: 'opened' as const },
        { at: T(10), type: 'fixed' as const },
        { at: T(20), type: 'reopened' as const },
      ],
      exposures: { production: [T(1), T(21)] },
    };
    const other = {
      ...entry,
      fingerprint: 'b',
      reopenedCount: 0,
      events: [
        { at: T(0), type: 'opened' as const },
        { at: T(5), type: 'fixed' as const },
      ],
      state: 'fixed' as const,
      fixedAt: T(5),
      exposures: { production: [T(1)] },
    };
    delete (other as { reopenedAt?: string }).reopenedAt;
    const policy = policyFrom(POLICY);
    const m = computeMetrics(
      { entries: { a: entry, b: other }, runs: [] },
      { now: new Date(T(30)), since: new Date(T(0)), levels: policy.levels, sla: policy.sla },
    );
    expect(m.velocity.reopenRate).toBe(0.5);
    expect(renderMetricsMarkdown(m)).toContain('Reopen rate: **50%** (1 reopened ÷ 2 fixed in the period).');
    expect(renderMetricsHtml(m)).toContain('Reopen rate: 50% (1 reopened ÷ 2 fixed).');
    // Exposure: a twice (days 1–10 and 21–30), b once (days 1–5).
    expect(m.exposure.longest.map((r) => [r.fingerprint, r.episode, r.days])).toEqual([
      ['a', 1, 9],
      ['a', 2, 9],
      ['b', 1, 4],
    ]);
  });
});
