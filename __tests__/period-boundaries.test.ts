import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { parsePeriodDate } from '../src/cli/report';
import type { LedgerEntry, LedgerFile } from '../src/ledger/schema';
import { distDir } from './support/dist';

/**
 * Period edges of `defect-gate report` (--since / --until, both inclusive) and `--now` with UTC offsets, on both sides
 * of each edge (1 ms apart), through the CLI. The DST cases run the CLI bundle built from the current sources in a
 * child process with TZ=Europe/Paris (2026-03-29 02:00 CET → 03:00 CEST; the test process's own time zone cannot be
 * changed from inside jest), so a computation in local time instead of UTC shows.
 */

const MS = 1;
const DAY = 86_400_000;
const TZ = 'Europe/Paris';
let ws: string;

/** The built CLI in a child process in the TZ time zone. */
function cliInTz(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(distDir(), 'cli.js'), ...args], {
    cwd: ws,
    env: { PATH: process.env.PATH ?? '', TZ },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Ep {
  fp: string;
  sev?: string;
  open: string;
  fix?: string;
  gated?: boolean;
}

function entry(x: Ep): LedgerEntry {
  const events: LedgerEntry['events'] = [{ at: x.open, type: 'opened', severity: x.sev ?? 'high' }];
  if (x.fix) events.push({ at: x.fix, type: 'fixed' });
  return {
    fingerprint: x.fp,
    tool: 'CodeQL',
    ruleId: `rule/${x.fp}`,
    title: x.fp,
    kind: 'sast',
    firstSeen: x.open,
    lastSeen: x.fix ?? x.open,
    state: x.fix ? 'fixed' : 'open',
    ...(x.fix ? { fixedAt: x.fix } : {}),
    reopenedCount: 0,
    severity: x.sev ?? 'high',
    gated: x.gated ?? true,
    events,
  };
}

function ledger(name: string, eps: Ep[]): string {
  const file: LedgerFile = {
    schema: 'defect-gate-ledger',
    version: 1,
    updatedAt: '2026-01-01T00:00:00.000Z',
    books: { default: { entries: Object.fromEntries(eps.map((e) => [e.fp, entry(e)])), runs: [] } },
  };
  const path = join(ws, name);
  writeFileSync(path, JSON.stringify(file));
  return path;
}

interface MetricsJson {
  period: { since: string; until: string };
  flow: { opened: number; fixed: number; buckets: { label: string; opened: number; fixed: number }[] };
  open: { total: number; bySeverity: Record<string, number> };
  sla: { openBreached: number; openDueSoon: number; breaches: { fingerprint: string }[] };
  acceptedRisk: { expiring: { id: string; daysLeft: number }[] };
}

async function report(path: string, args: string[], inTz = false): Promise<MetricsJson> {
  if (inTz) {
    const r = cliInTz(['report', '--ledger', `file:${path}`, '--format', 'json', ...args]);
    if (r.code !== 0) throw new Error(`report exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as MetricsJson;
  }
  let stdout = '';
  let stderr = '';
  const code = await runCli(['report', '--ledger', `file:${path}`, '--format', 'json', ...args], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: ws,
    env: {},
    isTTY: false,
    now: () => new Date('2099-01-01T00:00:00Z'), // every test passes --now
  });
  if (code !== 0) throw new Error(`report exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as MetricsJson;
}

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-period-'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('--since / --until values', () => {
  it(`a child process with TZ=${TZ} really changes offset on 2026-03-29 at 01:00 UTC (the DST cases depend on it)`, () => {
    const r = spawnSync(
      process.execPath,
      ['-e', "console.log([0, 1].map((h) => new Date(Date.UTC(2026, 2, 29, h, 30)).getTimezoneOffset()).join(' '))"],
      { env: { PATH: process.env.PATH ?? '', TZ }, encoding: 'utf8' },
    );
    expect(r.stdout.trim()).toBe('-60 -120');
  });

  it('a date is its whole UTC day: --since from 00:00:00.000, --until to 23:59:59.999', () => {
    expect(parsePeriodDate('--since', '2026-03-29', false).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(parsePeriodDate('--until', '2026-03-29', true).toISOString()).toBe('2026-03-29T23:59:59.999Z');
    expect(parsePeriodDate('--until', '2026-10-25', true).toISOString()).toBe('2026-10-25T23:59:59.999Z');
  });

  it('a month is its whole UTC month, February and December included', () => {
    expect(parsePeriodDate('--since', '2026-03', false).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parsePeriodDate('--until', '2026-03', true).toISOString()).toBe('2026-03-31T23:59:59.999Z');
    expect(parsePeriodDate('--until', '2026-02', true).toISOString()).toBe('2026-02-28T23:59:59.999Z');
    expect(parsePeriodDate('--until', '2028-02', true).toISOString()).toBe('2028-02-29T23:59:59.999Z');
    expect(parsePeriodDate('--until', '2026-12', true).toISOString()).toBe('2026-12-31T23:59:59.999Z');
    expect(parsePeriodDate('--since', '2026-12', false).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(() => parsePeriodDate('--since', '2026-13', false)).toThrow('invalid --since "2026-13"');
  });

  it('a time with an offset is that instant, either side of the DST change', () => {
    expect(parsePeriodDate('--until', '2026-03-29T01:30:00+01:00', true).toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(parsePeriodDate('--until', '2026-03-29T03:30:00+02:00', true).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(parsePeriodDate('--since', '2026-03-29T03:30:00Z', false).toISOString()).toBe('2026-03-29T03:30:00.000Z');
  });
});

describe('defect-gate report: period edges are inclusive, to the millisecond', () => {
  const OLD = '2026-01-10T00:00:00.000Z';
  let path: string;
  beforeAll(() => {
    path = ledger('edges.json', [
      { fp: 'fixed-before-since', open: OLD, fix: '2026-02-28T23:59:59.999Z' },
      { fp: 'fixed-at-since', open: OLD, fix: '2026-03-01T00:00:00.000Z' },
      { fp: 'fixed-at-until', open: OLD, fix: '2026-03-31T23:59:59.999Z' },
      { fp: 'fixed-after-until', open: OLD, fix: '2026-04-01T00:00:00.000Z' },
      { fp: 'opened-before-since', open: '2026-02-28T23:59:59.999Z' },
      { fp: 'opened-at-since', open: '2026-03-01T00:00:00.000Z' },
      { fp: 'opened-at-until', open: '2026-03-31T23:59:59.999Z' },
      { fp: 'opened-after-until', open: '2026-04-01T00:00:00.000Z' },
    ]);
  });

  it('counts what happened at the first and the last instant, not one instant outside', async () => {
    const m = await report(path, ['--since', '2026-03-01', '--until', '2026-03-31', '--now', '2026-04-15T00:00:00Z']);
    expect(m.period).toEqual(expect.objectContaining({ since: '2026-03-01T00:00:00.000Z', until: '2026-03-31T23:59:59.999Z' }));
    expect(m.flow.fixed).toBe(2);
    expect(m.flow.opened).toBe(2);
    // Open at until: the finding fixed after until, and the three opened by then.
    expect(m.open.total).toBe(4);
    expect(m.flow.buckets.map((b) => [b.label, b.opened, b.fixed])).toEqual([['2026-03', 2, 2]]);
  });

  it('a month --until 2026-02 ends at 2026-02-28T23:59:59.999Z', async () => {
    const m = await report(path, ['--since', '2026-02', '--until', '2026-02', '--now', '2026-04-15T00:00:00Z']);
    expect(m.flow.fixed).toBe(1); // fixed-before-since (at 23:59:59.999 on the 28th)
    expect(m.flow.opened).toBe(1);
    expect(m.open.total).toBe(4); // every finding fixed in March or later, and opened-before-since
  });

  it('--until later than --now is cut at --now (with its offset)', async () => {
    const m = await report(path, ['--since', '2026-03-01', '--until', '2026-03-31', '--now', '2026-04-01T01:59:59.999+02:00']);
    expect(m.period.until).toBe('2026-03-31T23:59:59.999Z');
    expect(m.flow.fixed).toBe(2);
    const cut = await report(path, ['--since', '2026-03-01', '--until', '2026-03-31', '--now', '2026-03-31T23:59:59.998Z']);
    expect(cut.period.until).toBe('2026-03-31T23:59:59.998Z');
    expect(cut.flow.fixed).toBe(1);
    expect(cut.flow.opened).toBe(1);
  });
});

describe('defect-gate report across the DST change (Europe, 2026-03-29 01:00 UTC)', () => {
  // critical: 7 days. First seen 2026-03-22T01:00Z → due 2026-03-29T01:00:00.000Z, the instant clocks go forward.
  let path: string;
  beforeAll(() => {
    path = ledger('dst.json', [
      { fp: 'critical', sev: 'critical', open: '2026-03-22T01:00:00.000Z' },
      { fp: 'fixed-at-change', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-29T01:00:00.000Z' },
    ]);
  });

  it('--now before the change (+01:00): the SLA due instant is within, the fix not yet happened', async () => {
    const m = await report(path, ['--since', '2026-03-01', '--now', '2026-03-29T01:59:59.999+01:00'], true);
    expect(m.period.until).toBe('2026-03-29T00:59:59.999Z');
    expect([m.sla.openBreached, m.sla.openDueSoon]).toEqual([0, 1]);
    expect(m.flow.fixed).toBe(0);
    expect(m.open.total).toBe(2);
  });

  it('--now at the change, written either way (+01:00 or +02:00): due, not breached; the fix counted', async () => {
    for (const now of ['2026-03-29T02:00:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-29T01:00:00Z']) {
      const m = await report(path, ['--since', '2026-03-01', '--now', now], true);
      expect(m.period.until).toBe('2026-03-29T01:00:00.000Z');
      expect([m.sla.openBreached, m.sla.openDueSoon]).toEqual([0, 1]);
      expect(m.flow.fixed).toBe(1);
      expect(m.open.total).toBe(1);
    }
  });

  it('--now one instant after the change (+02:00): breached', async () => {
    const m = await report(path, ['--since', '2026-03-01', '--now', '2026-03-29T03:00:00.001+02:00'], true);
    expect([m.sla.openBreached, m.sla.openDueSoon]).toEqual([1, 0]);
    expect(m.sla.breaches.map((b) => b.fingerprint)).toEqual(['critical']);
  });

  it('--since/--until 2026-03-29 (a date) is the whole UTC day, 23 local hours that day notwithstanding', async () => {
    const days = ledger('dst-days.json', [
      { fp: 'fixed-late-28', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-28T23:30:00.000Z' },
      { fp: 'fixed-at-change', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-29T01:00:00.000Z' },
      { fp: 'fixed-late-29', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-29T23:30:00.000Z' },
      { fp: 'fixed-last-29', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-29T23:59:59.999Z' },
      { fp: 'fixed-first-30', sev: 'low', open: '2026-03-01T00:00:00.000Z', fix: '2026-03-30T00:00:00.000Z' },
    ]);
    const m = await report(days, ['--since', '2026-03-29', '--until', '2026-03-29', '--now', '2026-04-30T00:00:00Z'], true);
    expect(m.period).toEqual(expect.objectContaining({ since: '2026-03-29T00:00:00.000Z', until: '2026-03-29T23:59:59.999Z' }));
    expect(m.flow.fixed).toBe(3);
    expect(m.open.total).toBe(1);
    const dayBefore = await report(days, ['--since', '2026-03-28', '--until', '2026-03-28', '--now', '2026-04-30T00:00:00Z'], true);
    expect(dayBefore.flow.fixed).toBe(1);
    expect(dayBefore.open.total).toBe(4);
  });
});

describe('defect-gate exceptions: --now with offsets around an expiry and the DST change', () => {
  let policyPath: string;
  beforeAll(() => {
    policyPath = join(ws, 'policy.yml');
    writeFileSync(
      policyPath,
      `version: 1
severity:
  levels: [critical, high, medium, low]
exceptions:
  expiring-days: 1
  entries:
    - id: EX-DST
      type: accepted-risk
      match: {rule: "js/*"}
      reason: Until the change
      approved-by: security-team
      expires: 2026-03-28
gates:
  default:
    - {name: No critical, severity: critical}
`,
    );
  });
  const states = async (now: string) => {
    const r = cliInTz(['exceptions', '--policy', policyPath, '--format', 'json', '--now', now]);
    const j = JSON.parse(r.stdout) as { now: string; entries: { id: string; state: string; daysLeft: number }[] };
    return { code: r.code, now: j.now, state: j.entries[0]?.state, daysLeft: j.entries[0]?.daysLeft };
  };

  it('expires 2026-03-28: applies until 2026-03-28T23:59:59.999Z, whatever offset --now is written in', async () => {
    expect(await states('2026-03-29T00:59:59.999+01:00')).toEqual({
      code: 0,
      now: '2026-03-28T23:59:59.999Z',
      state: 'expiring',
      daysLeft: 0,
    });
    expect(await states('2026-03-29T01:00:00+01:00')).toEqual({ code: 1, now: '2026-03-29T00:00:00.000Z', state: 'expired', daysLeft: 0 });
    expect(await states('2026-03-29T03:30:00+02:00')).toEqual({ code: 1, now: '2026-03-29T01:30:00.000Z', state: 'expired', daysLeft: 0 }); // 1.5 h after: 0 whole days
    expect(await states('2026-03-29T23:59:59.999Z')).toMatchObject({ code: 1, state: 'expired', daysLeft: 0 });
    expect(await states('2026-03-30T00:00:00Z')).toMatchObject({ code: 1, state: 'expired', daysLeft: -1 });
    expect(await states('2026-03-28T19:59:59.999-04:00')).toMatchObject({ code: 0, state: 'expiring' });
  });

  it('the expiring window without findings: from exactly expiring-days before the end', async () => {
    expect(await states(new Date(Date.parse('2026-03-29T00:00:00Z') - DAY).toISOString())).toMatchObject({
      state: 'expiring',
      daysLeft: 1,
    });
    expect(await states(new Date(Date.parse('2026-03-29T00:00:00Z') - DAY - MS).toISOString())).toMatchObject({
      state: 'active',
      daysLeft: 1,
    });
  });
});
