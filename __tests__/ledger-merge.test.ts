import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DAY_MS } from '../src/ledger/sla';
import { SlaClocks, slaFor, trackRun, type TrackInput } from '../src/ledger/track';
import { compactBook } from '../src/ledger/compact';
import { emptyBook, type LedgerBook, type LedgerEntry } from '../src/ledger/schema';
import { ingestText } from '../src/ingest/index';
import { rateAll } from '../src/rate/rate';
import type { RatedFinding } from '../src/model';
import { defaultPolicy, finding } from './helpers';

// The merge of a run into the ledger without copying the book (issue #21, "the ledger is cheap"): an entry is copied
// only when the run changes it, findings are completed in place only when the caller hands them over, and SLA clocks
// with the same inputs are computed once. These tests pin what must not change with it: the input book is never
// modified, the result is the same as a merge of copies.

const T0 = new Date('2026-01-01T06:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);
const p = defaultPolicy();

/** Freezes a value and everything in it: any write to it then throws (ES modules are strict). */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** Real findings: a CodeQL SARIF of the corpus (one tool, many rules). */
function corpusFindings(): RatedFinding[] {
  const text = readFileSync('__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', 'utf8');
  const file = ingestText(text, { file: 'codeql.sarif' });
  return rateAll(file.findings, p);
}

const track = (findings: RatedFinding[], book: LedgerBook, now: Date, more: Partial<TrackInput> = {}) =>
  trackRun({ findings, book, toolsRan: [...new Set(findings.map((f) => f.tool.name))], sla: p.sla, now, environment: 'default', ...more });

describe('merging a run without copying the book', () => {
  const all = corpusFindings();

  it('has real findings to merge (the corpus file is read)', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(new Set(all.map((f) => f.fingerprint)).size).toBe(all.length);
  });

  it('never modifies the book it is given: new, existing, fixed and reopened findings against a frozen book', () => {
    const day1 = track(all, emptyBook(), at(0)).next;
    // Day 2: the first 5 fixed (not reported), the rest seen again.
    const day2 = track(all.slice(5), deepFreeze(structuredClone(day1)), at(1)).next;
    const before = structuredClone(day2);
    deepFreeze(day2);
    // Day 3: 2 of the fixed ones come back (reopened), one more fixed, one severity changed.
    const changed = { ...(all[10] as RatedFinding), severity: 'critical' };
    const day3Findings = [...all.slice(0, 2), ...all.slice(6, 10), changed, ...all.slice(11)];
    const r = track(day3Findings, day2, at(2));
    expect(day2).toEqual(before);
    const e = (fp: string) => r.next.entries[fp] as LedgerEntry;
    const fp = (i: number) => (all[i] as RatedFinding).fingerprint;
    expect(e(fp(0))).toMatchObject({ state: 'open', reopenedCount: 1, reopenedAt: at(2).toISOString() });
    expect(e(fp(2))).toMatchObject({ state: 'fixed', fixedAt: at(1).toISOString() });
    expect(e(fp(5))).toMatchObject({ state: 'fixed', fixedAt: at(2).toISOString() });
    expect(e(fp(10)).events.at(-1)).toEqual({ at: at(2).toISOString(), type: 'severity', severity: 'critical' });
    expect(r.findings.map((f) => f.status).filter((s) => s === 'reopened')).toHaveLength(2);
    expect(r.fixed.map((f) => f.fingerprint)).toEqual([fp(5)]);
  });

  it('shares the entries this run did not change and copies the ones it did', () => {
    const day1 = track(all, emptyBook(), at(0)).next;
    // Day 2 runs another tool: nothing of CodeQL is seen or fixed.
    const other = finding({ fingerprint: 'other-1', tool: { name: 'Semgrep' } });
    const r = track(rateAll([other], p), day1, at(1));
    for (const f of all) expect(r.next.entries[f.fingerprint]).toBe(day1.entries[f.fingerprint]);
    // Day 3 sees them again: each is a new object, the old one unchanged.
    const r3 = track(all, r.next, at(2));
    for (const f of all) {
      expect(r3.next.entries[f.fingerprint]).not.toBe(day1.entries[f.fingerprint]);
      expect(day1.entries[f.fingerprint]?.lastSeen).toBe(at(0).toISOString());
      expect(r3.next.entries[f.fingerprint]?.lastSeen).toBe(at(2).toISOString());
    }
  });

  it('writes the same book as a merge of copies (the book round-tripped through JSON)', () => {
    const day1 = track(all, emptyBook(), at(0)).next;
    const day2Findings = all.slice(3);
    const shared = track(day2Findings, day1, at(1));
    const copied = track(day2Findings, JSON.parse(JSON.stringify(day1)) as LedgerBook, at(1));
    expect(JSON.stringify(shared.next)).toBe(JSON.stringify(copied.next));
    expect(shared.findings).toEqual(copied.findings);
  });

  it('copies the findings unless they are handed over (inPlace)', () => {
    const mine = all.map((f) => ({ ...f }));
    const frozen = deepFreeze(all.map((f) => ({ ...f })));
    const copies = track(frozen, emptyBook(), at(0));
    copies.findings.forEach((f, i) => {
      expect(f).not.toBe(frozen[i]);
      expect(f.status).toBe('new');
      expect(frozen[i]?.status).toBeUndefined();
    });
    const handed = track(mine, emptyBook(), at(0), { inPlace: true });
    handed.findings.forEach((f, i) => {
      expect(f).toBe(mine[i]);
      expect(f.status).toBe('new');
      expect(f.firstSeen).toBe(at(0).toISOString());
    });
    expect(handed.findings).toEqual(copies.findings);
  });
});

describe('SLA clocks shared by findings with the same inputs', () => {
  const base = rateAll([finding({ fingerprint: 'a', level: 'error' })], p)[0] as RatedFinding;
  const entry = { firstSeen: T0.toISOString() };

  it('gives every finding the clock slaFor gives it', () => {
    const clocks = new SlaClocks(p.sla, at(40));
    const cases: [RatedFinding, Pick<LedgerEntry, 'firstSeen' | 'reopenedAt' | 'kevDueDate'>][] = [
      [base, entry],
      [{ ...base, fingerprint: 'b' }, entry],
      [{ ...base, severity: 'medium' }, entry],
      [{ ...base, criticality: 'high' }, entry],
      [base, { firstSeen: at(-3).toISOString() }],
      [base, { ...entry, reopenedAt: at(20).toISOString() }],
      [base, { ...entry, kevDueDate: '2026-01-05' }],
      [
        {
          ...base,
          exception: { id: 'EXT-1', type: 'sla-extension', state: 'active', due: '2026-06-30' } as RatedFinding['exception'],
        },
        entry,
      ],
      [base, entry],
    ];
    for (const [f, e] of cases) expect(clocks.of(f, e)).toEqual(slaFor(f, e, p.sla, at(40)));
  });

  it('computes a clock once for findings with the same inputs, and apart for a finding with an exception', () => {
    const clocks = new SlaClocks(p.sla, at(1));
    const a = clocks.of(base, entry);
    expect(a).toBeDefined();
    expect(clocks.of({ ...base, fingerprint: 'other' }, { ...entry })).toBe(a);
    expect(clocks.of({ ...base, severity: 'low' }, entry)).not.toBe(a);
    const excepted = { ...base, exception: { id: 'X', type: 'sla-extension', state: 'active', due: '2026-03-01' } } as RatedFinding;
    expect(clocks.of(excepted, entry)).not.toBe(clocks.of(excepted, entry));
    expect(clocks.of(excepted, entry)?.due).toBe('2026-03-01T23:59:59.999Z');
  });
});

describe('compaction when nothing is old enough to forget', () => {
  it('drops open-only data of fixed entries, keeps the order and shares every other entry', () => {
    const all = corpusFindings();
    const day1 = track(all, emptyBook(), at(0)).next;
    const day2 = track(all.slice(2), day1, at(1)).next;
    const out = compactBook(day2, at(1));
    expect(Object.keys(out.entries)).toEqual(Object.keys(day2.entries));
    for (const [fp, e] of Object.entries(day2.entries)) {
      if (e.state === 'fixed') {
        expect(out.entries[fp]?.seen).toBeUndefined();
        expect(e.seen).toBeDefined();
      } else expect(out.entries[fp]).toBe(e);
    }
    expect(compactBook(out, at(1))).toBe(out);
  });
});
