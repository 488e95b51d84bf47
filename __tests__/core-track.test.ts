import { describe, expect, it } from '@jest/globals';
import { recordSighting } from '../src/ledger/track';
import type { LedgerEntry } from '../src/ledger/schema';
import type { RatedFinding, TrackStatus } from '../src/model';
import { rateAll } from '../src/rate/rate';
import { BASE_POLICY, finding, policyFrom } from './helpers';

/**
 * What a ledger entry keeps of each sighting (src/ledger/track.ts `recordSighting`): the rating inputs `gate-scope:
 * ledger` reads, the publication date, and the window of exposure per environment over episodes. Exact outputs, each
 * field and each bound on both sides; written against Stryker's survivors in track.ts.
 */

const policy = policyFrom(BASE_POLICY);
const NOW = '2026-06-01T00:00:00.000Z';
const rated = (over: Parameters<typeof finding>[0] = {}): RatedFinding =>
  rateAll([finding({ fingerprint: 'fp', level: 'error', ...over })], policy)[0] as RatedFinding;

function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    fingerprint: 'fp',
    tool: 'CodeQL',
    ruleId: 'js/sql-injection',
    title: 'SQL injection',
    kind: 'sast',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-05-01T00:00:00.000Z',
    state: 'open',
    reopenedCount: 0,
    severity: 'high',
    gated: true,
    events: [],
    ...over,
  };
}

const sighted = (e: LedgerEntry, f: RatedFinding, env?: string, status: TrackStatus = 'existing', now = NOW): LedgerEntry => {
  recordSighting(e, f, env, now, status);
  return e;
};

describe('recordSighting: the rating inputs of the latest sighting', () => {
  it('every input, cut to its bounds', () => {
    const f: RatedFinding = {
      ...rated(),
      level: 'warning',
      scannerSeverity: 'S'.repeat(60),
      securitySeverity: 7.5,
      cvss: { version: '3.1', score: 5.0 } as RatedFinding['cvss'],
      cve: Array.from({ length: 25 }, (_, i) => `CVE-2026-${i}`),
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
      package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', fixedVersions: ['1', '2', '3', '4', '5', '6'] },
      exploit: { kev: false, epss: 0 },
      published: '2025-01-01T00:00:00.000Z',
    };
    const e = sighted(entry({ published: '2025-06-01T00:00:00.000Z' }), f);
    expect(e.seen).toStrictEqual({
      gated: true,
      level: 'warning',
      scannerSeverity: 'S'.repeat(50),
      score: 7.5,
      cve: f.cve.slice(0, 20),
      tags: f.tags.slice(0, 20),
      package: { name: 'lodash', ecosystem: 'npm', version: '4.17.20', fixedVersions: ['1', '2', '3', '4', '5'] },
      kev: false,
      epss: 0,
    });
    expect(e.published).toBe('2025-01-01T00:00:00.000Z');
    expect(e).not.toHaveProperty('exposures');
  });

  it('absent inputs stay absent; the CVSS score when there is no security-severity; no unreadable score', () => {
    const bare: RatedFinding = { ...rated(), level: undefined, cve: [], tags: [] } as unknown as RatedFinding;
    delete (bare as { level?: string }).level;
    expect(sighted(entry(), bare).seen).toStrictEqual({ gated: true });
    const cvss = { ...rated(), cvss: { version: '3.1', score: 5.0 } } as RatedFinding;
    expect(sighted(entry(), cvss).seen?.score).toBe(5);
    for (const score of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(sighted(entry(), { ...rated(), securitySeverity: score }).seen).not.toHaveProperty('score');
    }
    expect(sighted(entry(), { ...rated(), securitySeverity: 0 }).seen?.score).toBe(0);
    expect(sighted(entry(), { ...rated(), package: { name: 'a' } }).seen?.package).toStrictEqual({ name: 'a' });
    expect(sighted(entry(), { ...rated(), package: { name: 'a', fixedVersions: [] } }).seen?.package).toStrictEqual({ name: 'a' });
    expect(sighted(entry(), { ...rated(), exploit: { kev: true } }).seen).toMatchObject({ kev: true });
    expect(sighted(entry(), { ...rated(), exploit: { epss: 0.3 } }).seen).toMatchObject({ epss: 0.3 });
    expect(sighted(entry(), { ...rated(), exploit: { epss: 0.3 } }).seen).not.toHaveProperty('kev');
  });

  it('not gated: the reason, cut at 300 characters; gated: none, whatever the finding says', () => {
    const out: RatedFinding = { ...rated(), gated: false, notGatedReason: 'r'.repeat(320) };
    expect(sighted(entry(), out).seen).toStrictEqual({ gated: false, notGatedReason: 'r'.repeat(300), level: 'error' });
    const gated: RatedFinding = { ...rated(), gated: true, notGatedReason: 'stale' };
    expect(sighted(entry(), gated).seen).not.toHaveProperty('notGatedReason');
    const noReason: RatedFinding = { ...rated(), gated: false };
    expect(sighted(entry(), noReason).seen).toStrictEqual({ gated: false, level: 'error' });
  });

  it('published: the earlier date is kept; none given keeps the entry`s', () => {
    expect(sighted(entry({ published: '2025-01-01T00:00:00.000Z' }), { ...rated(), published: '2025-06-01T00:00:00.000Z' }).published).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect(sighted(entry(), { ...rated(), published: '2025-06-01T00:00:00.000Z' }).published).toBe('2025-06-01T00:00:00.000Z');
    expect(sighted(entry({ published: '2025-01-01T00:00:00.000Z' }), rated()).published).toBe('2025-01-01T00:00:00.000Z');
    expect(sighted(entry(), rated())).not.toHaveProperty('published');
  });
});

describe('recordSighting: exposures, one first sighting per episode and environment', () => {
  const T0 = '2026-02-01T00:00:00.000Z';
  const T1 = '2026-03-01T00:00:00.000Z';
  const REOPENED = '2026-04-01T00:00:00.000Z';
  const exposures = (e: LedgerEntry) => e.exposures;

  it('a new finding: this sighting; other environments kept', () => {
    expect(exposures(sighted(entry(), rated(), 'production', 'new'))).toStrictEqual({ production: [NOW] });
    expect(exposures(sighted(entry({ exposures: { staging: [T0] } }), rated(), 'production', 'new'))).toStrictEqual({
      staging: [T0],
      production: [NOW],
    });
    // A new finding does not take an older `environments` sighting as its own.
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production', 'new'))).toStrictEqual({
      production: [NOW],
    });
  });

  it('an existing finding already exposed in this episode: nothing changes', () => {
    const had = { production: [T0, T1] };
    const e = sighted(entry({ exposures: had }), rated(), 'production');
    expect(e.exposures).toBe(had);
    const sinceReopen = { production: [T0, REOPENED] };
    expect(sighted(entry({ exposures: sinceReopen, reopenedAt: REOPENED }), rated(), 'production').exposures).toBe(sinceReopen);
  });

  it('an existing finding whose last exposure is from before its reopening: this sighting starts the episode`s', () => {
    expect(exposures(sighted(entry({ exposures: { production: [T0] }, reopenedAt: REOPENED }), rated(), 'production'))).toStrictEqual({
      production: [T0, NOW],
    });
    const oneMsBefore = new Date(Date.parse(REOPENED) - 1).toISOString();
    expect(
      exposures(sighted(entry({ exposures: { production: [oneMsBefore] }, reopenedAt: REOPENED }), rated(), 'production')),
    ).toStrictEqual({ production: [oneMsBefore, NOW] });
  });

  it('an existing finding first seen in another environment: this one starts its list', () => {
    expect(exposures(sighted(entry({ exposures: { staging: [T0] } }), rated(), 'production'))).toStrictEqual({
      staging: [T0],
      production: [NOW],
    });
  });

  it('a ledger from before `exposures`: the `environments` sighting is the first, and counts for this episode when inside it', () => {
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production'))).toStrictEqual({ production: [T0] });
    expect(
      exposures(sighted(entry({ environments: { production: REOPENED }, reopenedAt: REOPENED }), rated(), 'production')),
    ).toStrictEqual({
      production: [REOPENED],
    });
    expect(exposures(sighted(entry({ environments: { production: T0 }, reopenedAt: REOPENED }), rated(), 'production'))).toStrictEqual({
      production: [T0, NOW],
    });
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [T0, NOW],
    });
    expect(exposures(sighted(entry({ environments: { staging: T0 } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [NOW],
    });
  });

  it('a reopened finding adds this sighting after the earlier episodes; at most 50 are kept, the newest', () => {
    expect(exposures(sighted(entry({ exposures: { production: [T0, T1] } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [T0, T1, NOW],
    });
    const fifty = Array.from({ length: 50 }, (_, i) => new Date(Date.parse(T0) + i * 1000).toISOString());
    const capped = exposures(sighted(entry({ exposures: { production: fifty } }), rated(), 'production', 'reopened'));
    expect(capped?.production).toHaveLength(50);
    expect(capped?.production?.[0]).toBe(fifty[1]);
    expect(capped?.production?.[49]).toBe(NOW);
  });

  it('no environment: no exposure recorded', () => {
    expect(sighted(entry(), rated(), undefined, 'new')).not.toHaveProperty('exposures');
    expect(sighted(entry(), rated(), '', 'new')).not.toHaveProperty('exposures');
  });
});
