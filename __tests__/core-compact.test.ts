import { describe, expect, it } from '@jest/globals';
import { compactBook, compactFixedEntry, DEFAULT_RETENTION_DAYS, retentionFromEnv } from '../src/ledger/compact';
import type { LedgerBook, LedgerEntry } from '../src/ledger/schema';
import { ledgerEntry } from './helpers';

/**
 * Ledger compaction rule by rule, on small hand-made books (src/ledger/compact.ts): the simulated year of
 * ledger-compaction.test.ts shows the metrics stay the same, these show each rule, its boundary and what is kept.
 * Written against Stryker's survivors; fast, so that a mutation run judges most mutants here first.
 */

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00.000Z');
const ago = (days: number, ms = 0) => new Date(NOW.getTime() - days * DAY + ms).toISOString();

const entry = (fingerprint: string, over: Partial<LedgerEntry> = {}): LedgerEntry =>
  ledgerEntry({
    fingerprint,
    ruleId: 'js/xss',
    title: 'XSS',
    component: 'web',
    firstSeen: ago(200),
    lastSeen: ago(100),
    state: 'fixed',
    fixedAt: ago(99),
    ...over,
  });

const book = (...entries: LedgerEntry[]): LedgerBook => ({
  entries: Object.fromEntries(entries.map((e) => [e.fingerprint, e])),
  runs: [{ at: ago(1) } as LedgerBook['runs'][number]],
  approvals: { 'EX-1:abc': { approvers: [{ login: 'alice' }] } },
});
const keys = (b: LedgerBook) => Object.keys(b.entries);

describe('retentionFromEnv', () => {
  it('unset or blank: the default; a whole number of days from 1; anything else refused with the expected form', () => {
    expect(retentionFromEnv(undefined)).toBeUndefined();
    expect(retentionFromEnv('')).toBeUndefined();
    expect(retentionFromEnv('   ')).toBeUndefined();
    expect(retentionFromEnv('1')).toBe(1);
    expect(retentionFromEnv('400')).toBe(400);
    expect(retentionFromEnv(' 30 ')).toBe(30);
    for (const bad of ['0', '-3', '1.5', 'x', '30d', 'Infinity']) {
      expect(() => retentionFromEnv(bad)).toThrow(
        `invalid DEFECT_GATE_LEDGER_RETENTION_DAYS "${bad}": expected a whole number of days, at least 1 (default 90)`,
      );
    }
    expect(DEFAULT_RETENTION_DAYS).toBe(90);
  });
});

describe('compactFixedEntry', () => {
  it('an open entry, or a fixed one with nothing to drop, is returned as it is', () => {
    const open = entry('o', { state: 'open', seen: { gated: true }, startLine: 3 });
    expect(compactFixedEntry(open)).toBe(open);
    const bare = entry('f');
    expect(compactFixedEntry(bare)).toBe(bare);
    const ownEnvironments = entry('g', { environments: { production: ago(120) } });
    expect(compactFixedEntry(ownEnvironments)).toBe(ownEnvironments);
  });

  it('a fixed entry loses its sighting, its line and the environments its exposures already list', () => {
    const e = entry('f', {
      seen: { gated: true, score: 7.5 },
      startLine: 12,
      path: 'src/a.js',
      environments: { production: ago(150), staging: ago(160) },
      exposures: { production: [ago(300), ago(150)], staging: [ago(160)] },
    });
    const c = compactFixedEntry(e);
    expect(c).toStrictEqual({ ...entry('f', { path: 'src/a.js', exposures: e.exposures }) });
    expect(e.seen).toEqual({ gated: true, score: 7.5 }); // the input is not changed
    expect(compactFixedEntry(entry('l', { startLine: 0 }))).not.toHaveProperty('startLine');
    expect(compactFixedEntry(entry('s', { seen: { gated: false } }))).not.toHaveProperty('seen');
  });

  it('environments stay when any of them is not in the exposures (or there are none)', () => {
    const environments = { production: ago(150), staging: ago(160) };
    const notListed = compactFixedEntry(
      entry('a', { startLine: 1, environments, exposures: { production: [ago(150)], staging: [ago(161)] } }),
    );
    expect(notListed.environments).toEqual(environments);
    expect(notListed).not.toHaveProperty('startLine');
    const missingEnv = compactFixedEntry(entry('b', { startLine: 1, environments, exposures: { production: [ago(150)] } }));
    expect(missingEnv.environments).toEqual(environments);
    const noExposures = compactFixedEntry(entry('c', { startLine: 1, environments }));
    expect(noExposures.environments).toEqual(environments);
    const proto = compactFixedEntry(
      entry('d', { startLine: 1, environments: { constructor: ago(150) }, exposures: { production: [ago(150)] } }),
    );
    expect(proto.environments).toEqual({ constructor: ago(150) });
    expect(compactFixedEntry(entry('e', { startLine: 1 }))).not.toHaveProperty('environments');
  });
});

describe('compactBook', () => {
  it('a book with nothing to compact is returned as it is', () => {
    const b = book(
      entry('open', { state: 'open', fixedAt: undefined, seen: { gated: true } }),
      entry('recent', { fixedAt: ago(5), lastSeen: ago(6) }),
    );
    expect(compactBook(b, NOW, { retentionDays: 10 })).toBe(b);
    const empty = book();
    expect(compactBook(empty, NOW)).toBe(empty);
  });

  it('forgets a finding fixed and last seen before the window; the window boundary to the millisecond', () => {
    const b = book(
      entry('keep-rep', { fixedAt: ago(50), lastSeen: ago(50) }),
      entry('old', { fixedAt: ago(10, -1), lastSeen: ago(10, -1) }),
      entry('edge', { fixedAt: ago(10), lastSeen: ago(10, -1) }),
      entry('seen-after', { fixedAt: ago(30), lastSeen: ago(10) }),
      entry('no-fix-date', { fixedAt: undefined, lastSeen: ago(30) }),
      entry('open-old', { state: 'open', fixedAt: undefined, lastSeen: ago(300) }),
    );
    const c = compactBook(b, NOW, { retentionDays: 10 });
    expect(keys(c)).toEqual(['edge', 'seen-after', 'no-fix-date', 'open-old']);
    expect(c.runs).toBe(b.runs);
    expect(c.approvals).toBe(b.approvals);
    expect(c.entries['open-old']).toBe(b.entries['open-old']);
  });

  it('the default window is 90 days', () => {
    const b = book(
      entry('a', { fixedAt: ago(89), lastSeen: ago(89) }),
      entry('b', { fixedAt: ago(91), lastSeen: ago(91) }),
      entry('c', { fixedAt: ago(91), lastSeen: ago(91), component: 'other' }),
    );
    // b is covered by a (same component, tool and kind; same severity); c is the last of its component.
    expect(keys(compactBook(b, NOW))).toEqual(['a', 'c']);
  });

  it('keeps the newest forgotten entry of each component, tool and kind no kept entry has (ties by fingerprint)', () => {
    const b = book(
      entry('w-1', { fixedAt: ago(40), lastSeen: ago(40) }),
      entry('w-3', { fixedAt: ago(20), lastSeen: ago(20) }),
      entry('w-2', { fixedAt: ago(30), lastSeen: ago(30) }),
      entry('z-b', { tool: 'ZAP', kind: 'dast', fixedAt: ago(20), lastSeen: ago(20) }),
      entry('z-a', { tool: 'ZAP', kind: 'dast', fixedAt: ago(20), lastSeen: ago(20) }),
      entry('nocomp-1', { component: undefined, fixedAt: ago(20), lastSeen: ago(20), startLine: 4 }),
      entry('nocomp-2', { component: undefined, fixedAt: ago(25), lastSeen: ago(25) }),
      entry('secret', { kind: 'secret', fixedAt: ago(20), lastSeen: ago(20) }),
    );
    const c = compactBook(b, NOW, { retentionDays: 10 });
    expect(keys(c)).toEqual(['w-3', 'z-a', 'nocomp-1', 'secret']);
    // A kept representative is compacted too.
    expect(c.entries['nocomp-1']).not.toHaveProperty('startLine');
    // Covered by an entry inside the window: none kept.
    const inside = book(entry('recent', { fixedAt: ago(2), lastSeen: ago(2) }), entry('old', { fixedAt: ago(20), lastSeen: ago(20) }));
    expect(keys(compactBook(inside, NOW, { retentionDays: 10 }))).toEqual(['recent']);
    // Covered by an open entry.
    const open = book(
      entry('open', { state: 'open', fixedAt: undefined, lastSeen: ago(1) }),
      entry('old', { fixedAt: ago(20), lastSeen: ago(20) }),
    );
    expect(keys(compactBook(open, NOW, { retentionDays: 10 }))).toEqual(['open']);
  });

  it('keeps a counted forgotten entry for each severity (current or in its events) no kept counted entry has', () => {
    const b = book(
      entry('kept', { fixedAt: ago(2), lastSeen: ago(2), severity: 'high' }),
      entry('crit', { fixedAt: ago(20), lastSeen: ago(20), severity: 'critical' }),
      entry('crit-older', { fixedAt: ago(30), lastSeen: ago(30), severity: 'critical' }),
      entry('was-low', {
        fixedAt: ago(30),
        lastSeen: ago(30),
        severity: 'high',
        events: [{ at: ago(60), type: 'severity', severity: 'low' }],
      }),
      entry('info-not-gated', { fixedAt: ago(20), lastSeen: ago(20), severity: 'info', gated: false }),
      entry('medium-excepted', {
        fixedAt: ago(20),
        lastSeen: ago(20),
        severity: 'medium',
        gated: false,
        exceptions: [{ id: 'EX', type: 'accepted-risk', from: ago(40), to: ago(20) }],
      }),
      entry('note-extension', {
        fixedAt: ago(20),
        lastSeen: ago(20),
        severity: 'note',
        gated: false,
        exceptions: [{ id: 'EXT', type: 'sla-extension', from: ago(40) }],
      }),
    );
    expect(keys(compactBook(b, NOW, { retentionDays: 10 }))).toEqual(['kept', 'crit', 'was-low', 'medium-excepted']);
    // A kept entry that is not counted does not stand for its severity.
    const notCounted = book(
      entry('kept', { fixedAt: ago(2), lastSeen: ago(2), severity: 'critical', gated: false }),
      entry('old', { fixedAt: ago(20), lastSeen: ago(20), severity: 'critical' }),
    );
    expect(keys(compactBook(notCounted, NOW, { retentionDays: 10 }))).toEqual(['kept', 'old']);
    // Severities of a kept entry's events count as present.
    const inEvents = book(
      entry('kept', {
        fixedAt: ago(2),
        lastSeen: ago(2),
        severity: 'high',
        events: [{ at: ago(9), type: 'severity', severity: 'critical' }],
      }),
      entry('old', { fixedAt: ago(20), lastSeen: ago(20), severity: 'critical' }),
    );
    expect(keys(compactBook(inEvents, NOW, { retentionDays: 10 }))).toEqual(['kept']);
  });

  it('an open entry is never forgotten, even with an old fix and no sighting inside the window (a reopened finding)', () => {
    const reopened = entry('reopened', { state: 'open', fixedAt: ago(300), lastSeen: ago(200), reopenedCount: 1 });
    const b = book(reopened, entry('old', { fixedAt: ago(20), lastSeen: ago(20) }), entry('recent', { fixedAt: ago(2), lastSeen: ago(2) }));
    const c = compactBook(b, NOW, { retentionDays: 10 });
    expect(keys(c)).toEqual(['reopened', 'recent']);
    expect(c.entries.reopened).toBe(reopened);
  });

  it('events without a severity add none; among entries fixed at the same instant the first fingerprint is kept', () => {
    const b = book(
      entry('kept', { fixedAt: ago(2), lastSeen: ago(2) }),
      entry('old', {
        fixedAt: ago(20),
        lastSeen: ago(20),
        events: [
          { at: ago(30), type: 'opened' },
          { at: ago(20), type: 'fixed' },
        ],
      }),
    );
    expect(keys(compactBook(b, NOW, { retentionDays: 10 }))).toEqual(['kept']);
    const ties = book(
      ...['t-a', 't-b', 't-c', 't-d'].map((fp) => entry(fp, { fixedAt: ago(20), lastSeen: ago(20) })),
      entry('t-0', { fixedAt: ago(21), lastSeen: ago(21) }),
    );
    expect(keys(compactBook(ties, NOW, { retentionDays: 10 }))).toEqual(['t-a']);
  });

  it('only a fixed entry inside the window changed: a new book, the others untouched', () => {
    const b = book(
      entry('a', { fixedAt: ago(2), lastSeen: ago(2), seen: { gated: true } }),
      entry('b', { fixedAt: ago(2), lastSeen: ago(2) }),
    );
    const c = compactBook(b, NOW, { retentionDays: 10 });
    expect(c).not.toBe(b);
    expect(c.entries.a).not.toHaveProperty('seen');
    expect(c.entries.b).toBe(b.entries.b);
    expect(b.entries.a?.seen).toEqual({ gated: true });
  });

  it('fingerprints are data: __proto__ is an entry like any other, and the result has no prototype', () => {
    const b = book(
      entry('x', { fixedAt: ago(2), lastSeen: ago(2), startLine: 1 }),
      entry('__proto__', { fixedAt: ago(20), lastSeen: ago(20), component: 'lonely' }),
    );
    expect(Object.keys(b.entries)).toEqual(['x', '__proto__']);
    const c = compactBook(b, NOW, { retentionDays: 10 });
    expect(Object.getPrototypeOf(c.entries)).toBeNull();
    expect(Object.keys(c.entries)).toEqual(['x', '__proto__']);
    expect(c.entries['__proto__']?.component).toBe('lonely');
  });
});
