import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { computeSla } from '../src/ledger/sla';
import { DAY_MS, daysSince, wholeDays } from '../src/ledger/time';
import { fmtDays } from '../src/metrics/format';
import type { SlaSettings } from '../src/policy/compile';

// One rule for every day count (docs/metrics.md): whole days elapsed, rounded down.
const MS = 1;
const HOUR = 3_600_000;

describe('wholeDays: whole days elapsed, rounded down', () => {
  it('on both sides of each day boundary, in both directions, never -0', () => {
    expect(wholeDays(0)).toBe(0);
    expect(wholeDays(DAY_MS - MS)).toBe(0);
    expect(wholeDays(DAY_MS)).toBe(1);
    expect(wholeDays(2 * DAY_MS - MS)).toBe(1);
    expect(wholeDays(181 * DAY_MS + 23 * HOUR)).toBe(181);
    expect(wholeDays(-(DAY_MS - MS))).toBe(0);
    expect(Object.is(wholeDays(-(DAY_MS - MS)), 0)).toBe(true);
    expect(wholeDays(-DAY_MS)).toBe(-1);
    expect(wholeDays(-(2 * DAY_MS - MS))).toBe(-1);
    expect(daysSince('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z')).toBe(0); // an age is never negative
    expect(daysSince('2026-01-01T00:00:00Z', Date.parse('2026-01-03T00:00:00Z') - MS)).toBe(1);
  });

  it('durations shown in days round down too: 181.96 days is 181 d (not 182), 9.99 days 9.9 d', () => {
    expect(fmtDays(181.96)).toBe('181 d');
    expect(fmtDays(10)).toBe('10 d');
    expect(fmtDays(9.99)).toBe('9.9 d');
    expect(fmtDays(0.3)).toBe('0.3 d');
    expect(fmtDays(undefined)).toBe('—');
  });
});

describe('SLA overdue = ⌊(now − due) / 1 day⌋ (docs/metrics.md)', () => {
  const SLA: SlaSettings = { days: { high: 7 }, dueSoon: { days: 1 }, restartOnReopen: false };
  const firstSeen = '2026-03-01T10:00:00.000Z';
  const due = Date.parse(firstSeen) + 7 * DAY_MS;
  const at = (t: number) => computeSla({ severity: 'high', firstSeen }, SLA, new Date(t));

  it('due + 1 day − 1 ms is 0 days overdue (breached), due + 1 day is 1, due + 175 days − 1 ms is 174', () => {
    expect(at(due + DAY_MS - MS)).toMatchObject({ state: 'breached', daysLeft: 0 });
    expect(at(due + DAY_MS)?.daysLeft).toBe(-1);
    expect(at(due + 175 * DAY_MS - MS)?.daysLeft).toBe(-174);
    expect(at(due + 175 * DAY_MS)?.daysLeft).toBe(-175);
  });
});

describe('one finding, one age and one overdue figure in every report (njsscan corpus file)', () => {
  let ws: string;
  const T0 = '2026-01-01T12:00:00Z';
  // 181 days 23 hours after first seen; due (high, 7 days) was 174 days 23 hours ago.
  const T1 = new Date(Date.parse(T0) + 181 * DAY_MS + 23 * HOUR).toISOString();

  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-days-'));
    mkdirSync(join(ws, 'results'));
    copyFileSync('__fixtures__/corpus/defectdojo/sarif/njsscan.sarif', join(ws, 'results/njsscan.sarif'));
    writeFileSync(
      join(ws, 'policy.yml'),
      'version: 1\nseverity:\n  levels: [high, low]\n  from-level: {error: high, warning: low, note: low, none: low}\nsla: {high: 7}\ngates:\n  production:\n    - {name: No high, severity: high, max: 1000}\n',
    );
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date(T1),
    });
    return { code, stdout, stderr };
  }
  const check = (now: string, extra: string[] = []) =>
    cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--ledger',
      'file:ledger.json',
      '--now',
      now,
      ...extra,
      'results/njsscan.sarif',
    ]);

  it('text report, JSON report, Markdown and HTML metrics agree: 181 days old, 174 days overdue, 181 d exposed', async () => {
    const first = await check(T0);
    expect(first.code).toBe(0);
    const text = await check(T1, ['--report', 'report.json']);
    expect(text.code).toBe(0);
    // Text report: the finding's age and its days overdue.
    expect(text.stdout).toContain('first seen 2026-01-01 (181 days ago)');
    expect(text.stdout).toContain('SLA breached: 174 day(s) overdue (due 2026-01-08)');
    expect(text.stdout).not.toContain('175 day');
    expect(text.stdout).not.toContain('182 day');

    // JSON report of the same run.
    const report = JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8')) as {
      findings: { severity: string; ageDays?: number; slaDaysLeft?: number; slaState?: string }[];
    };
    const high = report.findings.filter((f) => f.severity === 'high');
    expect(high).toHaveLength(1);
    expect(high[0]).toMatchObject({ ageDays: 181, slaDaysLeft: -174, slaState: 'breached' });

    // Metrics, as of the same instant.
    const md = await cli(['report', '--ledger', 'file:ledger.json', '--policy', 'policy.yml', '--now', T1, '--html', 'metrics.html']);
    expect(md.code).toBe(0);
    const row = md.stdout.split('\n').find((l) => l.includes('node_password') && l.includes('2026-01-08'));
    expect(row).toBeDefined();
    expect(row).toContain('| 181 d | 2026-01-08 | **174 d** |');
    const exposure = md.stdout.split('\n').find((l) => l.startsWith('| high |') && l.includes('2026-01-01') && l.includes('| open |'));
    expect(exposure).toBeDefined();
    expect(exposure?.endsWith('| 181 d |')).toBe(true);

    const html = readFileSync(join(ws, 'metrics.html'), 'utf8');
    expect(html).toContain('<b>174 d</b>');
    expect(html).toContain('181 d');
    expect(html).not.toContain('182 d');
    expect(html).not.toContain('175 d');

    const json = await cli(['report', '--ledger', 'file:ledger.json', '--policy', 'policy.yml', '--now', T1, '--format', 'json']);
    const m = JSON.parse(json.stdout) as { sla: { breaches: { severity: string; daysOverdue: number; ageDays: number }[] } };
    expect(m.sla.breaches.filter((b) => b.severity === 'high')).toEqual([expect.objectContaining({ daysOverdue: 174, ageDays: 181 })]);
  });
});
